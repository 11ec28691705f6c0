import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createSignUploadPartsHandler } from '../../functions/sign-upload-parts';
import { createCompleteUploadHandler } from '../../functions/complete-upload';
import { createAbortUploadHandler } from '../../functions/abort-upload';
import { S3MultipartUploads } from '../../functions/adapters/s3-multipart-uploads';
import { S3PartLinks } from '../../functions/adapters/s3-part-links';
import { PENDING_GRACE_SECONDS } from '../../functions/core/large-upload';
import {
  CompletionRefusedError,
  defaultPartSize,
  MULTIPART_UPLOAD_SECONDS,
  openUpload,
  partCount,
  partLength,
  partNumbersToSign,
  partsToComplete,
  planParts,
  startMultipartUpload,
  wantsMultipart,
} from '../../functions/core/multipart-upload';
import { sweep } from '../../functions/core/sweep';
import { presignedUrlMatches } from '../support/sigv4';
import { ACCOUNT, apiEvent, bodyOf, FakeMultipartUploads, FakeObjects, FakePosition, FakeRecords, MemoryLog, NOW_MS, OTHER_ACCOUNT, quotaWith, TEST_CONFIG } from './support/fakes';

const MiB = 1024 * 1024;
const NOW = new Date(NOW_MS);
const NOW_SECONDS = Math.floor(NOW_MS / 1000);

describe('cutting an upload into parts', () => {
  it('5 MiB parts by default, more only when 10,000 of them would not hold the file', () => {
    expect(defaultPartSize(1)).toBe(5 * MiB);
    expect(defaultPartSize(50 * MiB)).toBe(5 * MiB);
    expect(defaultPartSize(10_000 * 5 * MiB)).toBe(5 * MiB);
    expect(defaultPartSize(10_000 * 5 * MiB + 1)).toBe(6 * MiB);
    const plan = planParts({ size: 12 * MiB + 54 }, undefined);
    expect(plan).toEqual({ size: 12 * MiB + 54, partSize: 5 * MiB });
    expect(partCount(plan)).toBe(3);
    expect([1, 2, 3].map((n) => partLength(plan, n))).toEqual([5 * MiB, 5 * MiB, 2 * MiB + 54]);
    expect([1, 2, 3].reduce((sum, n) => sum + partLength(plan, n), 0)).toBe(plan.size);
  });

  it('refuses what S3 would (parts under 5 MiB or over 5 GiB, more than 10,000 parts) and a multipart upload without a size', () => {
    expect(() => planParts({}, undefined)).toThrow('size is required for a multipart upload');
    for (const partSize of [5 * MiB - 1, 5 * 1024 * MiB + 1, 6 * MiB + 0.5, '6291456']) {
      expect(() => planParts({ size: 10 }, partSize)).toThrow(/^part_size must be an integer/);
    }
    expect(() => planParts({ size: 10_000 * 5 * MiB + 1 }, 5 * MiB)).toThrow(/would need more than 10000 parts/);
    expect(planParts({ size: 10 }, 8 * MiB)).toEqual({ size: 10, partSize: 8 * MiB });
  });

  it('"multipart" is a boolean; "part_size" only comes with it', () => {
    expect(wantsMultipart({})).toBe(false);
    expect(wantsMultipart({ multipart: false })).toBe(false);
    expect(wantsMultipart({ multipart: true, part_size: 5 * MiB })).toBe(true);
    expect(() => wantsMultipart({ multipart: 1 })).toThrow('multipart must be true or false');
    expect(() => wantsMultipart({ part_size: 5 * MiB })).toThrow(/part_size applies to multipart uploads only/);
  });
});

describe('the requests about parts', () => {
  const state = { uploadId: 'u', size: 12 * MiB, partSize: 5 * MiB };

  it('part numbers to sign: every part when absent, else distinct numbers of this upload', () => {
    expect(partNumbersToSign({}, state)).toEqual([1, 2, 3]);
    expect(partNumbersToSign({ part_numbers: [3, 1] }, state)).toEqual([3, 1]);
    for (const part_numbers of [[], [0], [4], [1, 1], [1.5], ['1'], 'all', Array.from({ length: 101 }, (_, i) => i + 1)]) {
      expect(() => partNumbersToSign({ part_numbers }, state)).toThrow(/^part_numbers must be a list/);
    }
    // More than 100 parts: name them, 100 at a time.
    expect(() => partNumbersToSign({}, { uploadId: 'u', size: 101 * 5 * MiB, partSize: 5 * MiB })).toThrow(/part_numbers is required/);
  });

  it('parts to complete: every part 1 to N in order with an ETag, or none (then S3\'s list is used)', () => {
    expect(partsToComplete({}, state)).toBeUndefined();
    expect(partsToComplete({ parts: [1, 2, 3].map((n) => ({ part_number: n, etag: `"${n}"` })) }, state)).toEqual([1, 2, 3].map((n) => ({ partNumber: n, etag: `"${n}"` })));
    for (const parts of [[], [{ part_number: 1, etag: '"a"' }], [2, 1, 3].map((n) => ({ part_number: n, etag: 'e' })), [1, 2, 3].map((n) => ({ part_number: n, etag: '' })), [null, null, null]]) {
      expect(() => partsToComplete({ parts }, state)).toThrow(/^parts must list every part, 1 to 3 in order/);
    }
  });
});

describe('starting and using a multipart upload', () => {
  it('creates S3\'s upload, then the pending record that remembers it, resumable for a day', async () => {
    const records = new FakeRecords();
    const uploads = new FakeMultipartUploads();
    const { record, upload } = await startMultipartUpload({ records, uploads }, ACCOUNT, { size: 6 * MiB, partSize: 5 * MiB }, { now: NOW, expiresIn: 900 });
    expect(uploads.calls).toEqual([`create uploads/${record.id}`]);
    expect(records.items.get(record.id)).toEqual(record);
    expect(record).toMatchObject({ state: 'pending', objectKey: `uploads/${record.id}`, multipart: { uploadId: 'upload-1', size: 6 * MiB, partSize: 5 * MiB } });
    expect(record.expiresAt).toBe(NOW_SECONDS + MULTIPART_UPLOAD_SECONDS + PENDING_GRACE_SECONDS);
    expect(upload).toEqual({ method: 'multipart', part_size: 5 * MiB, part_count: 2, expires_at: new Date((NOW_SECONDS + MULTIPART_UPLOAD_SECONDS) * 1000).toISOString(), max_size: 6 * MiB });
  });

  it('aborts S3\'s upload again when the record cannot be written', async () => {
    const records = new FakeRecords();
    records.create = () => Promise.reject(new Error('throttled'));
    const uploads = new FakeMultipartUploads();
    await expect(startMultipartUpload({ records, uploads }, ACCOUNT, { size: 6 * MiB, partSize: 5 * MiB }, { now: NOW, expiresIn: 900 })).rejects.toThrow('throttled');
    expect(uploads.calls).toEqual([expect.stringMatching(/^create /), expect.stringMatching(/^abort uploads\/\S+ upload-1$/)]);
    expect(uploads.open.size).toBe(0);
  });

  it('is open only for its owner, while pending, multipart and within its day (abort may come later)', async () => {
    const records = new FakeRecords();
    const { record } = await startMultipartUpload({ records, uploads: new FakeMultipartUploads() }, ACCOUNT, { size: 6 * MiB, partSize: 5 * MiB }, { now: NOW, expiresIn: 900 });
    await expect(openUpload(records, ACCOUNT, record.id, NOW_SECONDS)).resolves.toMatchObject({ id: record.id });
    await expect(openUpload(records, OTHER_ACCOUNT, record.id, NOW_SECONDS)).rejects.toMatchObject({ statusCode: 404 });
    const late = NOW_SECONDS + MULTIPART_UPLOAD_SECONDS;
    await expect(openUpload(records, ACCOUNT, record.id, late)).rejects.toMatchObject({ statusCode: 409, message: 'The upload has expired: start a new one' });
    await expect(openUpload(records, ACCOUNT, record.id, late, { expired: true })).resolves.toMatchObject({ id: record.id });
    await records.settle(record.id, { state: 'rejected', reason: 'x' });
    await expect(openUpload(records, ACCOUNT, record.id, NOW_SECONDS)).rejects.toMatchObject({ statusCode: 409, message: 'The upload is already complete' });
  });
});

describe('the handlers, over fakes', () => {
  async function setup() {
    const records = new FakeRecords();
    const objects = new FakeObjects();
    const uploads = new FakeMultipartUploads(objects);
    const { record } = await startMultipartUpload({ records, uploads }, ACCOUNT, { size: 6 * MiB, partSize: 5 * MiB }, { now: NOW, expiresIn: 900 });
    const event = (httpMethod: string, resource: string, body: unknown = null) =>
      apiEvent({
        httpMethod,
        resource,
        path: resource.replace('{image_id}', record.id),
        pathParameters: { image_id: record.id },
        body: body === null ? null : JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      });
    const deps = { config: TEST_CONFIG, quota: quotaWith(), records, uploads, now: () => NOW };
    return { records, objects, uploads, record, event, deps };
  }

  it('sign: one PUT per part, each with its length, expiring with the presigned-URL lifetime', async () => {
    const { record, event, deps } = await setup();
    const signed: unknown[] = [];
    const handler = createSignUploadPartsHandler({
      ...deps,
      links: { partLink: async (key, uploadId, partNumber, options) => (signed.push({ key, uploadId, partNumber, ...options }), { url: `https://s3/${key}?partNumber=${partNumber}`, headers: { 'Content-Length': String(options.length) } }) },
    });
    const response = await handler(event('POST', '/api/images/{image_id}/upload/parts'));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).data).toEqual({
      parts: [
        { part_number: 1, method: 'PUT', url: `https://s3/${record.objectKey}?partNumber=1`, headers: { 'Content-Length': String(5 * MiB) } },
        { part_number: 2, method: 'PUT', url: `https://s3/${record.objectKey}?partNumber=2`, headers: { 'Content-Length': String(MiB) } },
      ],
      expires_at: new Date(NOW_MS + TEST_CONFIG.uploadUrlSeconds * 1000).toISOString(),
    });
    expect(signed).toEqual([1, 2].map((partNumber) => ({ key: record.objectKey, uploadId: 'upload-1', partNumber, length: partNumber === 1 ? 5 * MiB : MiB, expiresIn: TEST_CONFIG.uploadUrlSeconds })));
  });

  it('complete: 202 pending; S3 has the object; without every part in S3, 400 and nothing assembled', async () => {
    const { record, event, deps, uploads, objects } = await setup();
    const handler = createCompleteUploadHandler(deps);
    uploads.putPart('upload-1', 1, Buffer.alloc(5 * MiB, 1));
    const refused = await handler(event('POST', '/api/images/{image_id}/upload/complete'));
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused).message).toBe('Parts not uploaded yet: 2');
    expect(objects.items.size).toBe(0);
    uploads.putPart('upload-1', 2, Buffer.alloc(MiB, 2));
    const response = await handler(event('POST', '/api/images/{image_id}/upload/complete'));
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response).data).toMatchObject({ id: record.id, state: 'pending' });
    expect(objects.items.get(record.objectKey)?.bytes.byteLength).toBe(6 * MiB);
    // Once S3 closed the upload, completing again is a conflict.
    const again = await handler(event('POST', '/api/images/{image_id}/upload/complete'));
    expect(again.statusCode).toBe(409);
  });

  it('abort: S3\'s parts first, then the pending record; 409 when the record had settled meanwhile', async () => {
    const { record, records, event, deps, uploads } = await setup();
    const handler = createAbortUploadHandler(deps);
    expect((await handler(event('DELETE', '/api/images/{image_id}/upload'))).statusCode).toBe(204);
    expect(uploads.calls.at(-1)).toBe(`abort ${record.objectKey} upload-1`);
    expect(records.items.has(record.id)).toBe(false);
    expect((await handler(event('DELETE', '/api/images/{image_id}/upload'))).statusCode).toBe(404);

    const second = await setup();
    second.records.deletePending = async () => false;
    const conflict = await createAbortUploadHandler(second.deps)(second.event('DELETE', '/api/images/{image_id}/upload'));
    expect(conflict.statusCode).toBe(409);
  });
});

describe('the sweep', () => {
  it('aborts the multipart upload of an expired pending record before removing the record; a completed one is finalized instead', async () => {
    const records = new FakeRecords();
    const objects = new FakeObjects();
    const uploads = new FakeMultipartUploads(objects);
    const plan = { size: 6 * MiB, partSize: 5 * MiB };
    const abandoned = (await startMultipartUpload({ records, uploads }, ACCOUNT, plan, { now: NOW, expiresIn: 900 })).record;
    const finished = (await startMultipartUpload({ records, uploads }, ACCOUNT, plan, { now: NOW, expiresIn: 900 })).record;
    await objects.put(finished.objectKey, Buffer.alloc(10), 'binary/octet-stream');
    const finalized: string[] = [];
    const report = await sweep({
      objects,
      records,
      position: new FakePosition(),
      finalize: async (key) => finalized.push(key),
      abortMultipart: (key, uploadId) => uploads.abort(key, uploadId),
      log: new MemoryLog(),
      now: () => (abandoned.expiresAt! + 1) * 1000,
    });
    expect(report).toMatchObject({ expiredPending: 1, lateFinalized: 1 });
    expect(uploads.calls.filter((call) => call.startsWith('abort'))).toEqual([`abort ${abandoned.objectKey} ${abandoned.multipart!.uploadId}`]);
    expect(records.items.has(abandoned.id)).toBe(false);
    expect(finalized).toEqual([finished.objectKey]);
  });
});

describe('the S3 adapters', () => {
  const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });

  it('lists every part, page after page, in part order; NoSuchUpload is "not open"', async () => {
    const mock = mockClient(S3Client);
    mock
      .on(ListPartsCommand, { PartNumberMarker: undefined })
      .resolves({ IsTruncated: true, NextPartNumberMarker: '1', Parts: [{ PartNumber: 1, ETag: '"a"', Size: 5 * MiB }] })
      .on(ListPartsCommand, { PartNumberMarker: '1' })
      .resolves({ IsTruncated: false, Parts: [{ PartNumber: 3, ETag: '"c"', Size: 1 }, { PartNumber: 2, ETag: '"b"', Size: 5 * MiB }] });
    const uploads = new S3MultipartUploads(new S3Client({}), 'bucket');
    expect(await uploads.listParts('uploads/x', 'u')).toEqual([
      { partNumber: 1, etag: '"a"', size: 5 * MiB },
      { partNumber: 2, etag: '"b"', size: 5 * MiB },
      { partNumber: 3, etag: '"c"', size: 1 },
    ]);
    mock.reset();
    mock.on(ListPartsCommand).rejects(s3Error('NoSuchUpload', 404));
    expect(await uploads.listParts('uploads/x', 'u')).toBeUndefined();
    mock.restore();
  });

  it('completes with the listed parts; S3\'s refusals become 400s in words, NoSuchUpload is "not open", anything else is thrown', async () => {
    const mock = mockClient(S3Client);
    const uploads = new S3MultipartUploads(new S3Client({}), 'bucket');
    mock.on(CompleteMultipartUploadCommand).resolves({});
    expect(await uploads.complete('uploads/x', 'u', [{ partNumber: 1, etag: '"a"' }])).toBe(true);
    expect(mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input).toEqual({ Bucket: 'bucket', Key: 'uploads/x', UploadId: 'u', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"a"' }] } });
    for (const [name, message] of [['InvalidPart', /ETag does not match/], ['InvalidPartOrder', /ascending/], ['EntityTooSmall', /at least 5 MiB/]] as const) {
      mock.on(CompleteMultipartUploadCommand).rejects(s3Error(name, 400));
      const refused = uploads.complete('uploads/x', 'u', []);
      await expect(refused).rejects.toBeInstanceOf(CompletionRefusedError);
      await expect(refused).rejects.toThrow(message);
    }
    mock.on(CompleteMultipartUploadCommand).rejects(s3Error('NoSuchUpload', 404));
    expect(await uploads.complete('uploads/x', 'u', [])).toBe(false);
    mock.on(CompleteMultipartUploadCommand).rejects(s3Error('InternalError', 500));
    await expect(uploads.complete('uploads/x', 'u', [])).rejects.toThrow();
    mock.restore();
  });

  it('creates on the key and aborts without complaint about an upload already gone', async () => {
    const mock = mockClient(S3Client);
    const uploads = new S3MultipartUploads(new S3Client({}), 'bucket');
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'new' });
    expect(await uploads.create('uploads/x')).toBe('new');
    mock.on(AbortMultipartUploadCommand).rejects(s3Error('NoSuchUpload', 404));
    await expect(uploads.abort('uploads/x', 'u')).resolves.toBeUndefined();
    mock.on(AbortMultipartUploadCommand).rejects(s3Error('AccessDenied', 403));
    await expect(uploads.abort('uploads/x', 'u')).rejects.toThrow();
    mock.restore();
  });

  it('signs an UploadPart URL bound to the part, the upload and the exact length', async () => {
    const secret = 'test-secret';
    const links = new S3PartLinks({ bucketName: 'bucket', region: 'us-east-1', credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: secret }) });
    const link = await links.partLink('uploads/x', 'upload/1+', 7, { length: 5 * MiB, expiresIn: 900 });
    const url = new URL(link.url);
    expect(url.host).toBe('bucket.s3.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/uploads/x');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ partNumber: '7', uploadId: 'upload/1+', 'x-id': 'UploadPart', 'X-Amz-SignedHeaders': 'content-length;host', 'X-Amz-Expires': '900' });
    expect(link.headers).toEqual({ 'Content-Length': String(5 * MiB) });
    expect(presignedUrlMatches(link.url, 'PUT', { 'content-length': String(5 * MiB) }, secret)).toBe(true);
    expect(presignedUrlMatches(link.url, 'PUT', { 'content-length': String(5 * MiB - 1) }, secret)).toBe(false);
    const tampered = new URL(link.url);
    tampered.searchParams.set('partNumber', '8');
    expect(presignedUrlMatches(tampered.toString(), 'PUT', { 'content-length': String(5 * MiB) }, secret)).toBe(false);
  });
});
