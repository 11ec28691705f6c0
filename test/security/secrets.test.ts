import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { DynamoKeyStore } from '../../functions/adapters/dynamo-key-store';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import type { createAuthorizer } from '../../functions/authorizer';
import { generateApiKey, hashApiKey } from '../../functions/core/api-keys';
import { readConfig } from '../../functions/core/config';
import { HourlyQuota } from '../../functions/core/hourly-quota';
import { logger } from '../../functions/runtime/logger';
import type { createUploadHandler } from '../../functions/upload-image';
import { LOCAL_RESOURCES } from '../../local/emulators';
import { type CreatedKey, KeyAdmin } from '../../scripts/key-admin';
import { SAMPLES } from '../fuzz/images';
import { startTestApi, type TestApi } from '../support/local-api';

/**
 * Secrets (docs/security-and-reliability.md): API keys never reach a log line, in clear or as their SHA-256 hash; they
 * are looked up only by hash; and no response or listing returns them after creation.
 * The shared powertools logger is raised to DEBUG here (the suite runs it SILENT) and every
 * write to stdout/stderr and every console call is captured.
 */

let api: TestApi;
let dynamodb: DynamoDBClient;
let admin: KeyAdmin;
const captured: string[] = [];
const bodies: string[] = [];

function capture(chunk: unknown): void {
  captured.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
}

beforeAll(async () => {
  api = await startTestApi();
  dynamodb = new DynamoDBClient({ endpoint: api.emulators.dynamodbEndpoint });
  admin = new KeyAdmin(new DynamoKeyStore(dynamodb, LOCAL_RESOURCES.keysTable));
  logger.setLogLevel('DEBUG');
  // Captured, not echoed: DEBUG output of a whole scenario would drown the test report.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      capture(chunk);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write);
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => capture(args.map((a) => (a instanceof Error ? `${a.stack} ${JSON.stringify(a)}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
  dynamodb?.destroy();
  await api?.stop();
});

async function call(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const response = await api.call(path, init);
  bodies.push(`${JSON.stringify(Object.fromEntries(response.headers))} ${await response.clone().text()}`);
  return response;
}

function upload(key: string, bytes: Buffer = SAMPLES.png): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([bytes]), 'a.png');
  return call('/api/images/upload', { method: 'POST', body: form, key });
}

/** Every form a key could leak in: the key, its body without the prefix, its SHA-256 hex. */
function secretsOf(key: string): string[] {
  return [key, key.slice('imgr_'.length), hashApiKey(key)];
}

describe('keys never appear in logs', () => {
  let active: CreatedKey;
  let second: CreatedKey;
  let revoked: CreatedKey;
  const unknown = generateApiKey();

  it('runs valid, unknown, revoked and malformed requests, key creation and a failing upload with the logger at DEBUG', async () => {
    active = await admin.create('secrets');
    second = await admin.create('secrets');
    revoked = await admin.create('secrets-revoked');
    expect(active.key).toMatch(/^imgr_[A-Za-z0-9_-]{43}$/);

    // Valid key: upload, get, list, view, delete.
    const created = await upload(active.key);
    expect(created.status).toBe(201);
    const { data } = (await created.clone().json()) as { data: { id: string } };
    expect((await call(`/api/images/${data.id}`, { key: active.key })).status).toBe(200);
    expect((await call('/api/images', { key: second.key })).status).toBe(200);
    expect((await call(`/image/${data.id}`, { key: null })).status).toBe(200);
    expect((await call('/api/images/upload', { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain' }, key: active.key })).status).toBe(400);
    expect((await call(`/api/images/${data.id}`, { method: 'DELETE', key: active.key })).status).toBe(204);

    // Revoked: used once while active (cached by the gateway), then revoked and the cache flushed.
    expect((await call('/api/images', { key: revoked.key })).status).toBe(200);
    await admin.revoke(revoked.keyId);
    api.gateway.flushAuthCache();
    expect((await call('/api/images', { key: revoked.key })).status).toBe(401);
    expect((await call('/api/images', { key: unknown })).status).toBe(401);
    expect((await call('/api/images', { headers: { Authorization: `Basic ${active.key}` }, key: null })).status).toBe(401);
    expect((await call('/api/images', { headers: { Authorization: `Bearer ${active.key}x!` }, key: null })).status).toBe(401);

    // A failing upload (storage error) logs its error with the request in scope.
    const { createUploadHandler: factory } = (await import('../../functions/upload-image')) as { createUploadHandler: typeof createUploadHandler };
    const config = readConfig(process.env);
    const failing = factory({
      config,
      quota: new HourlyQuota({ increment: async () => 1 }, 1000),
      objects: new S3ImageObjects(new (await import('@aws-sdk/client-s3')).S3Client({ endpoint: api.emulators.s3Endpoint, forcePathStyle: true }), LOCAL_RESOURCES.bucketName),
      records: {
        create: () => Promise.reject(Object.assign(new Error('the record store refused the write'), { name: 'ValidationException' })),
        get: (id) => new DynamoImageRecords(dynamodb, LOCAL_RESOURCES.imagesTable).get(id),
      },
      log: logger,
    });
    const boundary = 'b0undary';
    const result = await failing({
      httpMethod: 'POST',
      path: '/api/images/upload',
      headers: { Authorization: `Bearer ${active.key}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body: Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n`),
        SAMPLES.png,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]).toString('base64'),
      isBase64Encoded: true,
      requestContext: { requestId: 'secrets', authorizer: { accountId: active.accountId, keyId: active.keyId } },
    } as unknown as APIGatewayProxyEvent);
    expect(result.statusCode).toBe(500);
    bodies.push(result.body);
  });

  it('captured the handlers\' own log lines (the spy sees what the logger writes)', () => {
    const text = captured.join('\n');
    expect(text).toContain('"message":"key refused"');
    expect(text).toContain(revoked.keyId); // logged by key id, which is the point
    expect(text).toContain('"message":"unexpected error"');
  });

  it('no captured line contains a key, the key without its prefix, or its SHA-256 hash', () => {
    const lines = captured.join('\n').split('\n');
    for (const key of [active.key, second.key, revoked.key, unknown, api.devKey]) {
      for (const secret of secretsOf(key)) {
        expect(lines.filter((line) => line.includes(secret))).toEqual([]);
      }
    }
  });

  it('no response body or header returns a key or its hash', () => {
    const text = bodies.join('\n');
    expect(bodies.length).toBeGreaterThan(10);
    for (const key of [active.key, second.key, revoked.key, unknown, api.devKey]) {
      for (const secret of secretsOf(key)) expect(text).not.toContain(secret);
    }
  });

  it('keys are stored only as SHA-256 hashes, and listing keys never shows them', async () => {
    const items = (await dynamodb.send(new ScanCommand({ TableName: LOCAL_RESOURCES.keysTable }))).Items ?? [];
    const stored = JSON.stringify(items);
    for (const key of [active.key, second.key, revoked.key, api.devKey]) {
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice('imgr_'.length));
      expect(stored).toContain(`"key#${hashApiKey(key)}"`);
    }
    const listing = JSON.stringify(await admin.list());
    expect(listing).toContain(active.keyId);
    for (const key of [active.key, second.key, revoked.key]) {
      for (const secret of secretsOf(key)) expect(listing).not.toContain(secret);
    }
  });
});

describe('keys are compared only by hash lookup', () => {
  it('the authorizer hands the store the SHA-256 of the key, never the key itself', async () => {
    const key = generateApiKey();
    const lookups: unknown[][] = [];
    // Imported after the API set the environment (the module builds its client at import).
    const factory = (await import('../../functions/authorizer')).createAuthorizer as typeof createAuthorizer;
    const authorize = factory({
      keys: {
        findByHash: async (...args: unknown[]) => {
          lookups.push(args);
          return args[0] === hashApiKey(key)
            ? { keyId: 'key_x', keyHash: hashApiKey(key), accountId: 'acct_x', accountName: 'x', createdAt: '2026-01-01T00:00:00.000Z' }
            : undefined;
        },
      },
    });
    const methodArn = 'arn:aws:execute-api:us-east-1:1:api/prod/GET/api/images';
    const allowed = await authorize({ type: 'TOKEN', authorizationToken: `Bearer ${key}`, methodArn });
    expect(allowed.context).toEqual({ accountId: 'acct_x', keyId: 'key_x' });
    await expect(authorize({ type: 'TOKEN', authorizationToken: `Bearer ${generateApiKey()}`, methodArn })).rejects.toThrow('Unauthorized');
    expect(lookups).toHaveLength(2);
    expect(lookups[0]).toEqual([hashApiKey(key)]);
    for (const args of lookups) {
      expect(args).toHaveLength(1);
      expect(args[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(args)).not.toContain(key);
    }
  });
});
