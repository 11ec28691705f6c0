import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_RESOURCES } from '../../local/emulators';
import { download, expectError, fixture, sha256 } from '../support/http';
import { bmp24 } from '../support/images';
import { sendToS3, settled, startUpload } from '../support/large-upload';
import { startTestApi, type TestApi } from '../support/local-api';
import { postPolicyMatches } from '../support/sigv4';
import { storageState } from '../support/storage';

// A 64 KiB large-upload limit, so "over the limit" is a small file and the test stays fast.
const LIMIT = 64 * 1024;
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ IMAGER_MAX_LARGE_IMAGE_BYTES: String(LIMIT) });
});
afterAll(async () => {
  await api.stop();
});

type PolicyCondition = Record<string, string> | [string, ...Array<string | number>];

describe('large uploads without a declared size: a presigned POST form', () => {
  it('the form carries a signed policy with the exact key and a content-length-range up to the limit', async () => {
    const started = await startUpload(api);
    const { upload } = started;
    expect(upload.method).toBe('POST');
    expect(upload.url).toBe(`${api.emulators.s3Endpoint}/${LOCAL_RESOURCES.bucketName}`);
    expect(upload.headers).toBeUndefined();
    expect(upload.max_size).toBe(LIMIT);
    const fields = upload.fields!;
    expect(fields.key).toBe(`uploads/${started.id}`);

    const policy = JSON.parse(Buffer.from(fields.Policy, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: PolicyCondition[];
    };
    expect(policy.conditions).toContainEqual(['content-length-range', 1, LIMIT]);
    expect(policy.conditions).toContainEqual({ key: `uploads/${started.id}` });
    expect(policy.conditions).toContainEqual({ bucket: LOCAL_RESOURCES.bucketName });
    expect(policy.conditions).toContainEqual({ 'X-Amz-Credential': fields['X-Amz-Credential'] });
    // Exact matches only: no "starts-with" that would let the form write other keys.
    expect(policy.conditions.filter((condition) => Array.isArray(condition) && condition[0] !== 'content-length-range')).toEqual([]);
    expect(Math.abs(Date.parse(policy.expiration) - Date.parse(upload.expires_at))).toBeLessThan(5_000);

    // The signature covers the policy: raising the range breaks it (S3 then answers 403).
    const secret = LOCAL_CREDENTIALS.secretAccessKey;
    expect(postPolicyMatches(fields, fields.Policy, secret)).toBe(true);
    const widened = {
      ...policy,
      conditions: policy.conditions.map((condition) =>
        Array.isArray(condition) && condition[0] === 'content-length-range' ? ['content-length-range', 1, 50 * LIMIT] : condition,
      ),
    };
    expect(postPolicyMatches(fields, Buffer.from(JSON.stringify(widened)).toString('base64'), secret)).toBe(false);
  });

  it('a real image posted with the form ends ready and downloads byte-identical', async () => {
    const bytes = fixture('sample.webp');
    const started = await startUpload(api);
    const post = await sendToS3(started.upload, bytes);
    expect(post.status).toBe(204);

    const image = await settled(api, started.id);
    expect(image).toMatchObject({ state: 'ready', format: 'webp', content_type: 'image/webp', width: 64, height: 48, size: bytes.byteLength });
    const { response, bytes: served } = await download(image.url);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(sha256(served)).toBe(sha256(bytes));
  });

  it('an object over the limit: s3rver ignores the policy, finalize rejects it and removes the bytes', async () => {
    const big = bmp24(200, 120); // a real BMP, 72,054 bytes
    expect(big.byteLength).toBeGreaterThan(LIMIT);
    const started = await startUpload(api);
    // On AWS the policy's content-length-range refuses this POST; s3rver does not implement
    // POST policies, so the bytes land and the finalize step is the line of defence here.
    expect((await sendToS3(started.upload, big)).status).toBe(204);

    const image = await settled(api, started.id);
    expect(image).toMatchObject({ state: 'rejected', reason: 'Image exceeds the 64 KiB limit (65536 bytes)' });
    await expectError(await api.call(`/image/${started.id}`, { key: null }), 404, 'Image not found');
    expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([]);
  });
});

describe('large uploads with a declared size under a small limit', () => {
  it('a declared size over the limit -> 413 and no record', async () => {
    const before = await storageState();
    const response = await api.call('/api/images/uploads', {
      method: 'POST',
      body: JSON.stringify({ size: LIMIT + 1 }),
      headers: { 'Content-Type': 'application/json' },
    });
    await expectError(response, 413, 'Image exceeds the 64 KiB limit (65536 bytes)');
    expect(await storageState()).toEqual(before);
  });

  it('the declared content type is advisory: a GIF declared as image/png is stored as gif', async () => {
    const bytes = fixture('sample.gif');
    const started = await startUpload(api, { size: bytes.byteLength, content_type: 'image/png' });
    expect((await sendToS3(started.upload, bytes)).status).toBe(200);
    const image = await settled(api, started.id);
    expect(image).toMatchObject({ state: 'ready', format: 'gif', content_type: 'image/gif', size: bytes.byteLength });
    const { response, bytes: served } = await download(image.url);
    expect(response.headers.get('content-type')).toBe('image/gif');
    expect(sha256(served)).toBe(sha256(bytes));
  });
});
