import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHourlyCounter } from '../../functions/adapters/dynamo-hourly-counter';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import { readConfig } from '../../functions/core/config';
import { finalizeUpload } from '../../functions/core/finalize';
import { errorToResponse, isUnavailable } from '../../functions/transport/http';
import { HourlyQuota } from '../../functions/core/hourly-quota';
import type { ImageObjects, ImageRecords, Log } from '../../functions/core/images';
import { ORPHAN_GRACE_MS, sweep } from '../../functions/core/sweep';
import type { createDeleteImageHandler } from '../../functions/delete-image';
import type { createUploadHandler } from '../../functions/upload-image';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from '../../local/emulators';
import type { ProxyHandler } from '../../local/gateway';
import { startTestApi, type TestApi } from '../support/local-api';
import { SAMPLES } from '../fuzz/images';
import { checkedFetch } from '../support/contract';

/**
 * Faults (docs/security-and-reliability.md): a failure injected at each storage step, through the real handler factories
 * with the real emulator-backed adapters (one method made to fail) or SDK clients pointed at a
 * closed port. Each test proves what the client gets and what storage holds afterwards.
 */

let api: TestApi;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let objects: S3ImageObjects;
let records: DynamoImageRecords;
let closedPort: number;
let factories: {
  createUploadHandler: typeof createUploadHandler;
  createDeleteImageHandler: typeof createDeleteImageHandler;
};
const config = () => readConfig(process.env);

beforeAll(async () => {
  api = await startTestApi();
  // Handler modules read the environment at import: only after the API set it.
  factories = {
    createUploadHandler: (await import('../../functions/upload-image')).createUploadHandler,
    createDeleteImageHandler: (await import('../../functions/delete-image')).createDeleteImageHandler,
  };
  s3 = new S3Client({ endpoint: api.emulators.s3Endpoint, forcePathStyle: true });
  dynamodb = new DynamoDBClient({ endpoint: api.emulators.dynamodbEndpoint });
  objects = new S3ImageObjects(s3, LOCAL_RESOURCES.bucketName);
  records = new DynamoImageRecords(dynamodb, LOCAL_RESOURCES.imagesTable);
  closedPort = await freePortThenClose();
});
afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await api?.stop();
});

/** A port nothing listens on: bound, read, closed. */
async function freePortThenClose(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Real SDK clients whose endpoint refuses connections (one attempt, so the test is quick). */
function closedS3(): S3Client {
  return new S3Client({
    endpoint: `http://127.0.0.1:${closedPort}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
  });
}
function closedDynamo(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: `http://127.0.0.1:${closedPort}`, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}

class MemoryLog implements Log {
  readonly lines: Array<{ message: string; details: Record<string, unknown> }> = [];
  warn(message: string, details: Record<string, unknown>): void {
    this.lines.push({ message, details });
  }
  error(message: string, details: Record<string, unknown>): void {
    this.lines.push({ message, details });
  }
}

const BOUNDARY = 'fault-boundary';
function uploadBody(bytes: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

const CALLER = { accountId: 'acct_faults', keyId: 'key_faults' };

function uploadEvent(bytes: Buffer = SAMPLES.png): APIGatewayProxyEvent {
  return {
    resource: '/api/images/upload',
    path: '/api/images/upload',
    httpMethod: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, Host: '127.0.0.1' },
    body: uploadBody(bytes).toString('base64'),
    isBase64Encoded: true,
    pathParameters: null,
    requestContext: { requestId: 'faults', path: '/api/images/upload', authorizer: CALLER },
  } as unknown as APIGatewayProxyEvent;
}

function quota(counterClient: DynamoDBClient = dynamodb): HourlyQuota {
  return new HourlyQuota(new DynamoHourlyCounter(counterClient, LOCAL_RESOURCES.countersTable), 1_000_000);
}

async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of ['images/', 'uploads/']) for await (const o of objects.list(prefix)) keys.push(o.key);
  return keys;
}

function envelope(result: APIGatewayProxyResult): { status: string; message: string } {
  expect(result.headers?.['Content-Type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(result.body) as { status: string; message: string };
  expect(Object.keys(body).sort()).toEqual(['message', 'status']);
  expect(body.status).toBe('error');
  return body;
}

/** The real sweep over the real adapters, with its clock at `now`. */
function sweepAt(now: number) {
  const limits = config().limits;
  return sweep({
    objects,
    records,
    position: { load: async () => undefined, save: async () => undefined },
    finalize: (key) => finalizeUpload({ objects, records, limits, log: new MemoryLog() }, key),
    log: new MemoryLog(),
    now: () => now,
  });
}

async function expectEmpty(): Promise<void> {
  expect(await storedKeys()).toEqual([]);
}

/** Objects put through this adapter are remembered, so a test can look for exactly them. */
function recordingObjects(base: ImageObjects = objects): ImageObjects & { readonly keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    put: async (key, bytes, type) => {
      keys.push(key);
      await base.put(key, bytes, type);
    },
    delete: (key) => base.delete(key),
  };
}

/**
 * Records whose writes and reads fail (DynamoDB unreachable), while the by-SHA index the upload
 * reads first (docs/apps.md) still answers: the record put is the first request that fails.
 */
const failingRecords = (client = closedDynamo()): ImageRecords & Pick<DynamoImageRecords, 'findBySha'> => {
  const failing = new DynamoImageRecords(client, LOCAL_RESOURCES.imagesTable);
  return { create: (record) => failing.create(record), get: (id) => failing.get(id), findBySha: (accountId, sha256) => records.findBySha(accountId, sha256) };
};

describe('S3 put fails', () => {
  it('a storage outage (connection refused) answers 503 with Retry-After and stores nothing', async () => {
    const writes = { creates: 0 };
    const upload = factories.createUploadHandler({
      config: config(),
      quota: quota(),
      objects: new S3ImageObjects(closedS3(), LOCAL_RESOURCES.bucketName),
      records: { create: async (r) => void (writes.creates += 1, await records.create(r)), get: (id) => records.get(id) },
      log: new MemoryLog(),
    });
    const result = await upload(uploadEvent());
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe('5');
    expect(envelope(result).message).toBe('Service temporarily unavailable, retry later');
    expect(writes.creates).toBe(0);
    await expectEmpty();
  });

  it('an unexpected S3 error (AccessDenied) answers a generic 500 and stores nothing', async () => {
    const denied = Object.assign(new Error('Access Denied: arn:aws:s3:::secret-bucket'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const upload = factories.createUploadHandler({
      config: config(),
      quota: quota(),
      objects: { put: () => Promise.reject(denied), delete: (key) => objects.delete(key) },
      records,
      log: new MemoryLog(),
    });
    const result = await upload(uploadEvent());
    expect(result.statusCode).toBe(500);
    const body = envelope(result);
    expect(body.message).toBe('Internal server error');
    expect(result.body).not.toContain('secret-bucket');
    await expectEmpty();
  });
});

describe('DynamoDB record put fails after the S3 put succeeded', () => {
  it('answers 503 and deletes the object it had written: no orphan', async () => {
    const recording = recordingObjects();
    const log = new MemoryLog();
    const upload = factories.createUploadHandler({ config: config(), quota: quota(), objects: recording, records: failingRecords(), log });
    const result = await upload(uploadEvent());
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe('5');
    envelope(result);
    // The object was written first, then removed again.
    expect(recording.keys).toHaveLength(1);
    expect(recording.keys[0]).toMatch(/^images\/[A-Za-z0-9_-]{22}$/);
    expect(await objects.size(recording.keys[0])).toBeUndefined();
    expect(await records.get(recording.keys[0].slice('images/'.length))).toBeUndefined();
    expect(log.lines).toEqual([]);
    await expectEmpty();
  });
});

describe('S3 delete fails during that cleanup', () => {
  it('answers 503, leaves a logged orphan, and the sweep removes it once past the grace period', async () => {
    const recording = recordingObjects({ put: (k, b, t) => objects.put(k, b, t), delete: () => Promise.reject(Object.assign(new Error('down'), { code: 'ECONNRESET' })) });
    const log = new MemoryLog();
    const upload = factories.createUploadHandler({ config: config(), quota: quota(), objects: recording, records: failingRecords(), log });
    const result = await upload(uploadEvent());
    expect(result.statusCode).toBe(503);
    envelope(result);

    const [key] = recording.keys;
    expect(await storedKeys()).toEqual([key]); // the orphan: an object without a record
    expect(await records.get(key.slice('images/'.length))).toBeUndefined();
    expect(log.lines.map((l) => l.message)).toEqual(['orphan object left for the sweep']);
    expect(log.lines[0].details.objectKey).toBe(key);

    // Within the grace period the sweep leaves it (its record could be a moment away).
    const early = await sweepAt(Date.now());
    expect(early.orphansDeleted).toBe(0);
    expect(await storedKeys()).toEqual([key]);
    // Past it, the orphan goes.
    const late = await sweepAt(Date.now() + ORPHAN_GRACE_MS + 60_000);
    expect(late.orphansDeleted).toBe(1);
    await expectEmpty();
  });
});

describe('the counter table is down', () => {
  it('answers 503 with Retry-After (fail closed) and never touches storage', async () => {
    const writes = { puts: 0, creates: 0 };
    const upload = factories.createUploadHandler({
      config: config(),
      quota: quota(closedDynamo()),
      objects: { put: async (k, b, t) => void (writes.puts += 1, await objects.put(k, b, t)), delete: (k) => objects.delete(k) },
      records: { create: async (r) => void (writes.creates += 1, await records.create(r)), get: (id) => records.get(id) },
      log: new MemoryLog(),
    });
    const result = await upload(uploadEvent());
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe('5');
    expect(envelope(result).message).toBe('Service temporarily unavailable, retry later');
    expect(writes).toEqual({ puts: 0, creates: 0 });
    await expectEmpty();
  });
});

describe('a handler that times out behind the gateway', () => {
  /** A gateway with the real module handlers, except the upload handler given here. */
  async function gatewayWith(upload: ProxyHandler, timeoutMs: number): Promise<{ url: string; close: () => Promise<void> }> {
    const { url, gateway } = await api.gatewayBeside({ handlers: { UploadImage: upload }, timeoutMs, onError: () => undefined });
    return { url, close: () => gateway.close() };
  }

  function post(url: string): Promise<Response> {
    const form = new FormData();
    form.append('image', new Blob([SAMPLES.png]), 'a.png');
    return checkedFetch(`${url}/api/images/upload`, { method: 'POST', headers: { Authorization: `Bearer ${api.devKey}` }, body: form });
  }

  it('answers 504 in the envelope; a put that never completes (the function is killed) leaves nothing', async () => {
    let kill!: (error: Error) => void;
    const killed = new Promise<never>((_, reject) => (kill = reject));
    // On a loaded machine the 504 can come before the handler reached put(): the kill then
    // rejects a promise nobody awaits yet, which is not an unhandled error (put() gets it later).
    killed.catch(() => undefined);
    let settled!: Promise<APIGatewayProxyResult>;
    const upload = factories.createUploadHandler({
      config: config(),
      quota: quota(),
      objects: { put: () => killed, delete: (k) => objects.delete(k) },
      records,
      log: new MemoryLog(),
    });
    const gateway = await gatewayWith((event) => (settled = upload(event)), 300);
    try {
      const response = await post(gateway.url);
      expect(response.status).toBe(504);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ status: 'error', message: 'Request timed out' });
      kill(Object.assign(new Error('function timed out'), { name: 'TimeoutError' }));
      expect((await settled).statusCode).toBe(503);
      await expectEmpty();
    } finally {
      await gateway.close();
    }
  });

  it('a write that completes after the 504 leaves a whole image (object and record), never half of one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let settled!: Promise<APIGatewayProxyResult>;
    const upload = factories.createUploadHandler({
      config: config(),
      quota: quota(),
      objects: { put: async (k, b, t) => { await gate; await objects.put(k, b, t); }, delete: (k) => objects.delete(k) },
      records,
      log: new MemoryLog(),
    });
    const gateway = await gatewayWith((event) => (settled = upload(event)), 300);
    try {
      const response = await post(gateway.url);
      expect(response.status).toBe(504);
      release();
      const late = await settled;
      expect(late.statusCode).toBe(201);
      const keys = await storedKeys();
      expect(keys).toHaveLength(1);
      const record = await records.get(keys[0].slice('images/'.length));
      expect(record?.objectKey).toBe(keys[0]);
      expect(record?.state).toBe('ready');
      await objects.delete(keys[0]);
      await records.delete(record!.id, record!.accountId);
      await expectEmpty();
    } finally {
      await gateway.close();
    }
  });
});

describe('delete where the object delete fails', () => {
  it('answers 503 and deletes nothing: the image stays whole (not half public); the retry deletes it everywhere', async () => {
    const form = new FormData();
    form.append('image', new Blob([SAMPLES.gif]), 'a.gif');
    const created = await api.call('/api/images/upload', { method: 'POST', body: form });
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { id: string } };
    const record = await records.get(data.id);
    expect(record).toBeDefined();

    const event = {
      httpMethod: 'DELETE',
      path: `/api/images/${data.id}`,
      headers: {},
      pathParameters: { image_id: data.id },
      requestContext: { requestId: 'faults', authorizer: { accountId: record!.accountId, keyId: 'key_faults' } },
    } as unknown as APIGatewayProxyEvent;
    const failing = factories.createDeleteImageHandler({
      config: config(),
      quota: quota(),
      records,
      objects: { delete: () => Promise.reject(Object.assign(new Error('S3 down'), { name: 'ServiceUnavailable' })) },
      log: new MemoryLog(),
    });
    const result = await failing(event);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBeDefined();
    // Nothing changed: the image is still listed, readable and served.
    expect((await api.call(`/api/images/${data.id}`)).status).toBe(200);
    expect((await api.call(`/image/${data.id}`, { key: null })).status).toBe(200);
    expect(await storedKeys()).toEqual([record!.objectKey]);

    // The client retries (as 503 + Retry-After tells it): now the delete goes through.
    const retry = await api.call(`/api/images/${data.id}`, { method: 'DELETE' });
    expect(retry.status).toBe(204);
    expect((await api.call(`/api/images/${data.id}`)).status).toBe(404);
    expect((await api.call(`/image/${data.id}`, { key: null })).status).toBe(404);
    const list = (await (await api.call('/api/images')).json()) as { data: { images: Array<{ id: string }> } };
    expect(list.data.images.map((i) => i.id)).not.toContain(data.id);
    await expectEmpty();
  });
});


describe('error classification (functions/transport/http.ts isUnavailable)', () => {
  const log = () => undefined;

  it('a real SDK client at a closed port (ECONNREFUSED) gives 503 with Retry-After, for S3 and DynamoDB', async () => {
    const errors = await Promise.all([
      new S3ImageObjects(closedS3(), 'b').put('k', new Uint8Array([1]), 'image/png').catch((e: unknown) => e),
      new DynamoImageRecords(closedDynamo(), 't').get('x').catch((e: unknown) => e),
    ]);
    for (const error of errors) {
      expect((error as { code?: string }).code).toBe('ECONNREFUSED');
      expect(isUnavailable(error)).toBe(true);
      const response = errorToResponse(error, log);
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['Retry-After']).toBe('5');
    }
  });

  it('a server that drops the connection (ECONNRESET) or never answers (timeout) gives 503', async () => {
    const dropping = createNetServer((socket) => socket.destroy());
    const silent = createHttpServer(() => undefined);
    await new Promise<void>((r) => dropping.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const client = (port: number) =>
        new S3Client({
          endpoint: `http://127.0.0.1:${port}`,
          region: LOCAL_REGION,
          credentials: LOCAL_CREDENTIALS,
          forcePathStyle: true,
          maxAttempts: 1,
          // Since smithy 4.x a request timeout only warns unless told to throw.
          requestHandler: new NodeHttpHandler({ requestTimeout: 300, connectionTimeout: 300, throwOnRequestTimeout: true }),
        });
      const reset = await new S3ImageObjects(client((dropping.address() as AddressInfo).port), 'b').size('k').catch((e: unknown) => e);
      const timeout = await new S3ImageObjects(client((silent.address() as AddressInfo).port), 'b').size('k').catch((e: unknown) => e);
      for (const error of [reset, timeout]) {
        expect(error).toBeInstanceOf(Error);
        expect(isUnavailable(error), `${(error as Error).name} ${(error as { code?: string }).code}`).toBe(true);
        expect(errorToResponse(error, log).statusCode).toBe(503);
      }
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
      await new Promise<void>((r) => dropping.close(() => r()));
    }
  });
});
