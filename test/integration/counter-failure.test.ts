import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHourlyCounter } from '../../functions/adapters/dynamo-hourly-counter';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import { readConfig } from '../../functions/core/config';
import { HourlyQuota } from '../../functions/core/hourly-quota';
import type { ImageObjects, ImageRecords } from '../../functions/core/images';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from '../../local/emulators';
import type { ProxyHandler } from '../../local/gateway';
import { startTestApi, type TestApi } from '../support/local-api';
import { checkedFetch } from '../support/contract';

/**
 * The failure policy of the hourly window (functions/transport/api-handler.ts): fail closed. When
 * the counters table cannot be reached the request is answered 503 in the envelope with
 * Retry-After, and nothing is stored. The real handlers are built from their factories with
 * a counter that cannot work, behind a local gateway with the real authorizer and storage.
 */

const UNAVAILABLE = { status: 'error', message: 'Service temporarily unavailable, retry later' };

let api: TestApi;
let dynamodb: DynamoDBClient;
let s3: S3Client;
const unreachable: DynamoDBClient[] = [];
/** Every storage write the handlers behind the broken counters attempted. */
const writes: string[] = [];
const sample = readFileSync(new URL('../fixtures/sample.png', import.meta.url));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The real routes, with upload, get and list using `counter`; served by a gateway of their own. */
async function mountWithCounter(counter: DynamoHourlyCounter): Promise<string> {
  const { createUploadHandler } = await import('../../functions/upload-image');
  const { createGetImageHandler } = await import('../../functions/get-image');
  const { createListImagesHandler } = await import('../../functions/list-images');
  const { logger } = await import('../../functions/runtime/logger');
  const config = readConfig(process.env);
  const quota = new HourlyQuota(counter, config.hourlyLimit);
  const realObjects = new S3ImageObjects(s3, LOCAL_RESOURCES.bucketName);
  const realRecords = new DynamoImageRecords(dynamodb, LOCAL_RESOURCES.imagesTable);
  const objects: ImageObjects = {
    put: (key, bytes, type) => (writes.push(`put ${key}`), realObjects.put(key, bytes, type)),
    delete: (key) => (writes.push(`delete ${key}`), realObjects.delete(key)),
  };
  const records: ImageRecords = {
    create: (record) => (writes.push(`create ${record.id}`), realRecords.create(record)),
    get: (id) => realRecords.get(id),
  };
  const handlers = {
    UploadImage: createUploadHandler({ config, quota, objects, records, log: logger }) as ProxyHandler,
    GetImage: createGetImageHandler({ config, quota, records }) as ProxyHandler,
    ListImages: createListImagesHandler({ config, quota, records: realRecords }) as ProxyHandler,
  };
  // The real authorizer module, an unlimited usage plan and no authorizer cache.
  return (await api.gatewayBeside({ handlers })).url;
}

async function storedObjectKeys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_RESOURCES.bucketName }));
  return (page.Contents ?? []).map((object) => object.Key!).sort();
}

async function storedRecordIds(): Promise<string[]> {
  const page = await dynamodb.send(new ScanCommand({ TableName: LOCAL_RESOURCES.imagesTable, ConsistentRead: true }));
  return (page.Items ?? []).map((item) => item.id.S!).sort();
}

function call(baseUrl: string, path: string, init: RequestInit = {}): Promise<Response> {
  return checkedFetch(`${baseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${api.devKey}` } });
}

function uploadForm(): FormData {
  const form = new FormData();
  form.append('image', new Blob([sample]), 'sample.png');
  return form;
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(await response.json()).toEqual(UNAVAILABLE);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  // Nothing was counted, so there is no window to report.
  expect(response.headers.get('x-ratelimit-remaining')).toBeNull();
}

let existingId: string;

beforeAll(async () => {
  api = await startTestApi();
  dynamodb = new DynamoDBClient({ endpoint: api.emulators.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  s3 = new S3Client({ endpoint: api.emulators.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  // One image stored through the healthy API, to read through the broken ones.
  const upload = await api.call('/api/images/upload', { method: 'POST', body: uploadForm() });
  expect(upload.status).toBe(201);
  existingId = ((await upload.json()) as { data: { id: string } }).data.id;
});

afterAll(async () => {
  for (const client of unreachable) client.destroy();
  dynamodb?.destroy();
  s3?.destroy();
  await api?.stop();
});

describe.each([
  {
    name: 'DynamoDB endpoint refusing connections',
    counter: async () => {
      const client = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${await closedPort()}`,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      });
      unreachable.push(client);
      return new DynamoHourlyCounter(client, LOCAL_RESOURCES.countersTable);
    },
  },
  {
    name: 'counters table missing',
    counter: async () => new DynamoHourlyCounter(dynamodb, 'imager-counters-that-do-not-exist'),
  },
])('hourly counter unreachable ($name): fail closed', ({ counter }) => {
  let url: string;
  beforeAll(async () => {
    url = await mountWithCounter(await counter());
  });

  it('answers an upload 503 with Retry-After and stores neither an object nor a record', async () => {
    const objectsBefore = await storedObjectKeys();
    const recordsBefore = await storedRecordIds();
    writes.length = 0;
    await expectUnavailable(await call(url, '/api/images/upload', { method: 'POST', body: uploadForm() }));
    expect(writes).toEqual([]);
    expect(await storedObjectKeys()).toEqual(objectsBefore);
    expect(await storedRecordIds()).toEqual(recordsBefore);
  });

  it('answers reads 503 too, rather than serving them unmetered', async () => {
    await expectUnavailable(await call(url, `/api/images/${existingId}`));
    await expectUnavailable(await call(url, '/api/images'));
  });

  it('leaves the healthy API (same key, same storage) working', async () => {
    const response = await api.call(`/api/images/${existingId}`);
    expect(response.status).toBe(200);
    const list = await api.call('/api/images');
    expect(((await list.json()) as { data: { images: Array<{ id: string }> } }).data.images.map((i) => i.id)).toEqual([existingId]);
  });
});
