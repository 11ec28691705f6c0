import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUSINESS_METRICS, EmfMetrics, METRICS_NAMESPACE } from '../../functions/adapters/emf-metrics';
import type { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import type { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { BadRequestError, ImageNotFoundError, PayloadTooLargeError, RateLimitError, ServiceUnavailableError, UnauthorizedError } from '../../functions/core/errors';
import { inspectImage } from '../../functions/core/formats/inspect';
import { prepareForPublishing } from '../../functions/core/published-image';
import type { ImageRecord } from '../../functions/core/images';
import { rejectionReason } from '../../functions/core/metrics';
import { createGetImageHandler } from '../../functions/get-image';
import { createStartUploadHandler } from '../../functions/start-upload';
import { createUploadHandler } from '../../functions/upload-image';
import { captureEmf, tally } from './support/emf';
import {
  apiEvent,
  FakeCounter,
  FakeMultipartUploads,
  FakeObjects,
  FakePosition,
  FakeRecords,
  fixture,
  MemoryLog,
  multipart,
  NOW_MS,
  quotaWith,
  readyRecord,
  TEST_CONFIG,
} from './support/fakes';

// vitest.config.ts turns metrics off for the other tests; these check them.
beforeAll(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const BOUNDARY = 'metricsBoundary0123456789';
const PNG = fixture('sample.png');
const JPEG = fixture('sample.jpg');
/** What is stored of each sample (metadata removed): the bytes counted as stored. */
const PNG_STORED = prepareForPublishing(PNG, TEST_CONFIG.limits);
const JPEG_STORED = prepareForPublishing(JPEG, TEST_CONFIG.limits);

/** The metrics one stored image adds: accepted, its stored bytes, and the metadata removed (when any). */
function acceptedTally(kind: 'direct' | 'large', stored: { size: number; metadataBytesRemoved: number }): Record<string, number> {
  return {
    [`UploadsAccepted kind=${kind}`]: 1,
    [`BytesStored kind=${kind} sum`]: stored.size,
    ...(stored.metadataBytesRemoved > 0 ? { 'MetadataBytesRemoved sum': stored.metadataBytesRemoved } : {}),
  };
}

/** The sample PNG with its IHDR width set to 0. */
function zeroWidthPng(): Buffer {
  const bytes = Buffer.from(PNG);
  bytes.writeUInt32BE(0, 16);
  return bytes;
}

function uploadEvent(data: Buffer, overrides: Parameters<typeof apiEvent>[0] = {}) {
  return apiEvent({
    httpMethod: 'POST',
    resource: '/api/images/upload',
    path: '/api/images/upload',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: multipart(BOUNDARY, [{ name: 'image', filename: 'x', contentType: 'image/png', data }]).toString('base64'),
    isBase64Encoded: true,
    ...overrides,
  });
}

function upload(options: { limit?: number; config?: typeof TEST_CONFIG; objects?: FakeObjects } = {}) {
  const objects = options.objects ?? new FakeObjects();
  const records = new FakeRecords();
  const handler = createUploadHandler({
    config: options.config ?? TEST_CONFIG,
    quota: quotaWith(new FakeCounter(), options.limit ?? 1000),
    objects,
    records,
    log: new MemoryLog(),
    metrics: new EmfMetrics(),
  });
  return { handler, objects, records };
}

describe('rejectionReason: every refusal of inspectImage and the parsers has one reason', () => {
  const limits = TEST_CONFIG.limits;
  const refusal = (run: () => unknown): unknown => {
    try {
      run();
    } catch (error) {
      return error;
    }
    throw new Error('expected a refusal');
  };
  const inspect = (bytes: Buffer, overrides: Partial<typeof limits> = {}) =>
    refusal(() => inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, { ...limits, ...overrides }));

  it.each([
    ['an SVG', () => inspect(fixture('script.svg')), 'format'],
    ['text named .png', () => inspect(fixture('not-an-image.png')), 'format'],
    ['HEIC (not allowed)', () => inspect(fixture('sample.heic')), 'format'],
    ['a PNG cut in half', () => inspect(PNG.subarray(0, Math.floor(PNG.byteLength / 2))), 'structure'],
    ['a JPEG without its end', () => inspect(JPEG.subarray(0, JPEG.byteLength - 2)), 'structure'],
    ['more pixels than allowed', () => inspect(PNG, { maxPixels: 100 }), 'pixels'],
    ['a side of 0 pixels', () => inspect(zeroWidthPng()), 'pixels'],
    ['more bytes than allowed', () => inspect(PNG, { maxImageBytes: 100 }), 'size'],
    ['an empty file', () => inspect(Buffer.alloc(0)), 'size'],
    ['a malformed request', () => new BadRequestError('Send exactly one file, in the field "image"'), 'request'],
    ['a form field over its limit', () => new PayloadTooLargeError('Form field "x" is too large'), 'size'],
  ] as const)('%s -> %s', (_name, make, reason) => {
    expect(rejectionReason(make())).toBe(reason);
  });

  it.each([
    ['401', new UnauthorizedError()],
    ['404', new ImageNotFoundError()],
    ['429', new RateLimitError(10)],
    ['503', new ServiceUnavailableError()],
    ['a plain error (500)', new Error('boom')],
    ['a thrown string', 'boom'],
  ])('%s is not a refused upload', (_name, error) => {
    expect(rejectionReason(error)).toBeUndefined();
  });
});

describe('EmfMetrics: the EMF lines Powertools writes', () => {
  it('writes one line per dimension set, namespace Imager, service dimension, values and units', async () => {
    const metrics = new EmfMetrics();
    const { documents, metrics: written } = await captureEmf(async () => {
      metrics.uploadAccepted('direct', 100);
      metrics.uploadAccepted('direct', 50);
      metrics.uploadRejected('large', 'pixels');
      await metrics.flush();
    });
    expect(documents).toHaveLength(2);
    for (const document of documents) {
      expect(document._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
      expect(document.service).toBe('imager');
    }
    expect(written).toEqual(
      expect.arrayContaining([
        { namespace: 'Imager', name: 'UploadsAccepted', unit: 'Count', dimensions: { service: 'imager', kind: 'direct' }, values: [1, 1] },
        { namespace: 'Imager', name: 'BytesStored', unit: 'Bytes', dimensions: { service: 'imager', kind: 'direct' }, values: [100, 50] },
        { namespace: 'Imager', name: 'UploadsRejected', unit: 'Count', dimensions: { service: 'imager', kind: 'large', reason: 'pixels' }, values: [1] },
      ]),
    );
    expect(written).toHaveLength(3);
  });

  it('writes each event once: a second flush writes nothing', async () => {
    const metrics = new EmfMetrics();
    const { documents } = await captureEmf(async () => {
      metrics.rateLimited('hourly');
      await metrics.flush();
      await metrics.flush();
    });
    expect(documents).toHaveLength(1);
  });

  it('the two metrics other work wires: metadata bytes removed, variants rendered by a bounded format', async () => {
    const metrics = new EmfMetrics();
    const { metrics: written } = await captureEmf(async () => {
      metrics.metadataRemoved(1234);
      metrics.metadataRemoved(0);
      metrics.variantRendered('webp');
      metrics.variantRendered('<script>');
      await metrics.flush();
    });
    expect(tally(written)).toEqual({
      'MetadataBytesRemoved sum': 1234,
      'VariantsRendered format=webp': 1,
      'VariantsRendered format=other': 1,
    });
  });

  it('loads Powertools only when there is something to write', async () => {
    const load = vi.fn(async () => {
      const { Metrics } = await import('@aws-lambda-powertools/metrics');
      return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'imager' });
    });
    const metrics = new EmfMetrics({ load });
    await captureEmf(() => metrics.flush());
    expect(load).not.toHaveBeenCalled();
    const { documents } = await captureEmf(async () => {
      metrics.finalized('ready');
      await metrics.flush();
    });
    expect(load).toHaveBeenCalledTimes(1);
    expect(documents).toHaveLength(1);
  });

  it('a failure to write is logged and never thrown to the request', async () => {
    const metrics = new EmfMetrics({ load: () => Promise.reject(new Error('no module')) });
    metrics.rateLimited('hourly');
    await expect(metrics.flush()).resolves.toBeUndefined();
  });

  it('every dimension it can write is declared with its values in BUSINESS_METRICS', async () => {
    const metrics = new EmfMetrics();
    const { metrics: written } = await captureEmf(async () => {
      metrics.uploadAccepted('large', 1);
      for (const reason of BUSINESS_METRICS.UploadsRejected.dimensions.reason) metrics.uploadRejected('direct', reason);
      metrics.rateLimited('hourly');
      for (const result of BUSINESS_METRICS.FinalizeResults.dimensions.result) metrics.finalized(result);
      metrics.swept('expiredPending', 2);
      metrics.swept('orphanObject', 1);
      metrics.metadataRemoved(5);
      metrics.variantRendered('avif');
      metrics.apiGatewayKeys(3);
      await metrics.flush();
    });
    for (const metric of written) {
      const declared = BUSINESS_METRICS[metric.name as keyof typeof BUSINESS_METRICS];
      expect(declared, metric.name).toBeDefined();
      expect(metric.unit).toBe(declared.unit);
      const { service, ...rest } = metric.dimensions;
      expect(service).toBe('imager');
      expect(Object.keys(rest).sort()).toEqual(Object.keys(declared.dimensions).sort());
      for (const [name, value] of Object.entries(rest)) {
        expect((declared.dimensions as Record<string, readonly string[]>)[name]).toContain(value);
      }
    }
    expect(new Set(written.map((m) => m.name))).toEqual(new Set(Object.keys(BUSINESS_METRICS)));
  });
});

describe('direct uploads: counted once per event, never on paths that must not count', () => {
  it('an accepted upload: one UploadsAccepted and its bytes, nothing else', async () => {
    const { handler } = upload();
    const { metrics } = await captureEmf(async () => {
      expect((await handler(uploadEvent(PNG))).statusCode).toBe(201);
    });
    expect(tally(metrics)).toEqual(acceptedTally('direct', PNG_STORED));
  });

  it.each([
    ['format', fixture('script.svg'), TEST_CONFIG, 400],
    ['structure', PNG.subarray(0, 200), TEST_CONFIG, 400],
    ['pixels', PNG, { ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, maxPixels: 100 } }, 413],
    ['size', PNG, { ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, maxImageBytes: 100 } }, 413],
  ] as const)('a refused upload (%s): one UploadsRejected with that reason, nothing stored or counted as accepted', async (reason, bytes, config, status) => {
    const { handler, objects } = upload({ config });
    const { metrics } = await captureEmf(async () => {
      expect((await handler(uploadEvent(bytes))).statusCode).toBe(status);
    });
    expect(tally(metrics)).toEqual({ [`UploadsRejected kind=direct reason=${reason}`]: 1 });
    expect(objects.items.size).toBe(0);
  });

  it('a malformed request is a refused upload with reason "request"', async () => {
    const { handler } = upload();
    const { metrics } = await captureEmf(async () => {
      const response = await handler(uploadEvent(PNG, { headers: { 'Content-Type': 'application/json' }, body: '{}', isBase64Encoded: false }));
      expect(response.statusCode).toBe(400);
    });
    expect(tally(metrics)).toEqual({ 'UploadsRejected kind=direct reason=request': 1 });
  });

  it('an hourly 429: one RateLimited cause=hourly, and neither accepted nor rejected (even for a bad image)', async () => {
    const { handler } = upload({ limit: 1 });
    const { metrics } = await captureEmf(async () => {
      expect((await handler(uploadEvent(PNG))).statusCode).toBe(201);
      expect((await handler(uploadEvent(PNG))).statusCode).toBe(429);
      expect((await handler(uploadEvent(fixture('script.svg')))).statusCode).toBe(429);
    });
    expect(tally(metrics)).toEqual({ ...acceptedTally('direct', PNG_STORED), 'RateLimited cause=hourly': 2 });
  });

  it('a request without the authorizer context (401) counts nothing', async () => {
    const { handler } = upload();
    const { documents } = await captureEmf(async () => {
      expect((await handler(uploadEvent(PNG, { accountId: null }))).statusCode).toBe(401);
    });
    expect(documents).toEqual([]);
  });

  it('a storage failure (5xx) is not a rejection and not an acceptance', async () => {
    const objects = new FakeObjects();
    objects.put = async () => {
      throw Object.assign(new Error('down'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    };
    const { handler } = upload({ objects });
    const { documents } = await captureEmf(async () => {
      expect((await handler(uploadEvent(PNG))).statusCode).toBeGreaterThanOrEqual(500);
    });
    expect(documents).toEqual([]);
  });
});

describe('other API routes', () => {
  it('get: a 429 counts RateLimited once; a 200 and a 404 count nothing', async () => {
    const records = new FakeRecords();
    records.items.set('AAAAAAAAAAAAAAAAAAAAAA', readyRecord());
    const handler = createGetImageHandler({ config: TEST_CONFIG, quota: quotaWith(new FakeCounter(), 2), records, metrics: new EmfMetrics() });
    const event = (id: string) =>
      apiEvent({ resource: '/api/images/{image_id}', path: `/api/images/${id}`, pathParameters: { image_id: id } });
    const { metrics } = await captureEmf(async () => {
      expect((await handler(event('AAAAAAAAAAAAAAAAAAAAAA'))).statusCode).toBe(200);
      expect((await handler(event('BBBBBBBBBBBBBBBBBBBBBB'))).statusCode).toBe(404);
      expect((await handler(event('AAAAAAAAAAAAAAAAAAAAAA'))).statusCode).toBe(429);
    });
    expect(tally(metrics)).toEqual({ 'RateLimited cause=hourly': 1 });
  });

  it('start upload: a refused request counts as a refused large upload; a started one counts nothing yet', async () => {
    const handler = createStartUploadHandler({
      config: TEST_CONFIG,
      quota: quotaWith(),
      records: new FakeRecords(),
      links: { uploadLink: async () => ({ method: 'PUT', url: 'https://bucket.example/uploads/x', headers: {} }) },
      uploads: new FakeMultipartUploads(),
      now: () => new Date(NOW_MS),
      metrics: new EmfMetrics(),
    });
    const event = (body: string) =>
      apiEvent({ httpMethod: 'POST', resource: '/api/images/uploads', path: '/api/images/uploads', body, headers: { 'Content-Type': 'application/json' } });
    const { metrics } = await captureEmf(async () => {
      expect((await handler(event('{"size": 1000}'))).statusCode).toBe(201);
      expect((await handler(event('not json'))).statusCode).toBe(400);
      expect((await handler(event(`{"size": ${TEST_CONFIG.limits.maxLargeImageBytes + 1}}`))).statusCode).toBe(413);
    });
    expect(tally(metrics)).toEqual({ 'UploadsRejected kind=large reason=request': 1, 'UploadsRejected kind=large reason=size': 1 });
  });
});

describe('finalize and sweep', () => {
  let createFinalizeHandler: typeof import('../../functions/finalize-upload').createFinalizeHandler;
  let createSweepHandler: typeof import('../../functions/sweep').createSweepHandler;

  beforeAll(async () => {
    // The handler modules build their clients at import from the environment vitest.config.ts sets.
    ({ createFinalizeHandler } = await import('../../functions/finalize-upload'));
    ({ createSweepHandler } = await import('../../functions/sweep'));
  });

  const pending = (id: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
    id,
    accountId: 'acct_alice000000000000000',
    objectKey: `uploads/${id}`,
    state: 'pending',
    createdAt: new Date(NOW_MS).toISOString(),
    expiresAt: Math.floor(Date.now() / 1000) + 1800,
    ...extra,
  });
  const s3Event = (...keys: Array<[string, string]>): S3Event =>
    ({ Records: keys.map(([eventName, key]) => ({ eventName, s3: { object: { key } } })) }) as unknown as S3Event;

  function finalizeSetup() {
    const objects = new FakeObjects();
    const records = new FakeRecords();
    const handler = createFinalizeHandler({ objects, records, limits: TEST_CONFIG.limits, log: new MemoryLog(), metrics: new EmfMetrics() });
    const put = (key: string, bytes: Buffer) => objects.items.set(key, { bytes, contentType: 'application/octet-stream', lastModified: new Date() });
    return { objects, records, handler, put };
  }

  it('a ready upload: accepted (large) with its stored bytes, one FinalizeResults ready; bytes sent again are only "discarded"', async () => {
    const { records, handler, put } = finalizeSetup();
    const id = 'LargeLargeLargeLarge01';
    records.items.set(id, pending(id));
    put(`uploads/${id}`, JPEG);
    const { metrics } = await captureEmf(async () => {
      expect(await handler(s3Event(['ObjectCreated:Put', `uploads/${id}`]))).toEqual({ results: { [`uploads/${id}`]: 'ready' } });
      // The same event delivered twice (S3 delivers at least once): settled already, counted once.
      expect(await handler(s3Event(['ObjectCreated:Put', `uploads/${id}`]))).toEqual({ results: { [`uploads/${id}`]: 'discarded' } });
      // An object under uploads/ without a record: skipped.
      put('uploads/NoRecordNoRecordNoRec1', PNG);
      expect(await handler(s3Event(['ObjectCreated:Put', 'uploads/NoRecordNoRecordNoRec1']))).toEqual({ results: { 'uploads/NoRecordNoRecordNoRec1': 'skipped' } });
      // The presigned URL used again after the image was settled: deleted unread, never accepted.
      put(`uploads/${id}`, PNG);
      expect(await handler(s3Event(['ObjectCreated:Put', `uploads/${id}`]))).toEqual({ results: { [`uploads/${id}`]: 'discarded' } });
      // Not a client upload (a copy): not even a FinalizeResults.
      await handler(s3Event(['ObjectCreated:Copy', `uploads/${id}`]));
    });
    expect(tally(metrics)).toEqual({
      ...acceptedTally('large', JPEG_STORED),
      'FinalizeResults result=ready': 1,
      'FinalizeResults result=skipped': 1,
      'FinalizeResults result=discarded': 2,
    });
  });

  it('a refused upload: rejected (large) with its reason and FinalizeResults rejected, never accepted', async () => {
    const { records, handler, put } = finalizeSetup();
    const id = 'LargeLargeLargeLarge02';
    records.items.set(id, pending(id));
    put(`uploads/${id}`, PNG.subarray(0, 300));
    const { metrics } = await captureEmf(() => handler(s3Event(['ObjectCreated:Post', `uploads/${id}`])));
    expect(tally(metrics)).toEqual({ 'UploadsRejected kind=large reason=structure': 1, 'FinalizeResults result=rejected': 1 });
  });

  it('a storage failure is retried by Lambda: what was settled before it is still written once', async () => {
    const { records, objects, handler, put } = finalizeSetup();
    const ok = 'LargeLargeLargeLarge03';
    const failing = 'LargeLargeLargeLarge04';
    records.items.set(ok, pending(ok));
    records.items.set(failing, pending(failing));
    put(`uploads/${ok}`, PNG);
    put(`uploads/${failing}`, PNG);
    const read = objects.read.bind(objects);
    objects.read = async (key: string, maxBytes: number) => {
      if (key.endsWith(failing)) throw new Error('S3 down');
      return read(key, maxBytes);
    };
    const { metrics } = await captureEmf(async () => {
      await expect(handler(s3Event(['ObjectCreated:Put', `uploads/${ok}`], ['ObjectCreated:Put', `uploads/${failing}`]))).rejects.toThrow('S3 down');
    });
    expect(tally(metrics)).toEqual({ ...acceptedTally('large', PNG_STORED), 'FinalizeResults result=ready': 1 });
  });

  it('sweep: removals by kind, late uploads counted as accepted, nothing for an empty sweep', async () => {
    const objects = new FakeObjects();
    const records = new FakeRecords();
    const past = Math.floor(Date.now() / 1000) - 60;
    records.items.set('ExpiredExpiredExpired1', pending('ExpiredExpiredExpired1', { expiresAt: past }));
    records.items.set('ExpiredExpiredExpired2', pending('ExpiredExpiredExpired2', { expiresAt: past }));
    records.items.set('LateLateLateLateLate01', pending('LateLateLateLateLate01', { expiresAt: past }));
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    objects.items.set('uploads/LateLateLateLateLate01', { bytes: PNG, contentType: 'application/octet-stream', lastModified: new Date() });
    objects.items.set('images/OrphanOrphanOrphan0001', { bytes: PNG, contentType: 'image/png', lastModified: old });
    const handler = createSweepHandler(
      objects as unknown as S3ImageObjects,
      records as unknown as DynamoImageRecords,
      new FakePosition(),
      TEST_CONFIG.limits,
      new EmfMetrics(),
    );
    const first = await captureEmf(() => handler());
    expect(tally(first.metrics)).toEqual({
      'SweepRemovals removal=expiredPending': 2,
      'SweepRemovals removal=orphanObject': 1,
      ...acceptedTally('large', PNG_STORED),
    });
    const second = await captureEmf(() => handler());
    expect(second.documents).toEqual([]);
  });
});
