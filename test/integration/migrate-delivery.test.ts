import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import { DEFAULTS } from '../../functions/core/config';
import { newImageId } from '../../functions/core/ids';
import type { ImageRecord } from '../../functions/core/images';
import { migrateToPublishedLayout } from '../../functions/core/migrate';
import { prepareForPublishing } from '../../functions/core/published-image';
import { LOCAL_RESOURCES } from '../../local/emulators';
import { PAYLOADS, withMetadata } from '../fuzz/images';
import { sha256 } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';
import { checkedFetch } from '../support/contract';

/** The delivery migration (docs/delivery.md): images stored before CDN delivery keep working after the one-off step. */

let api: TestApi;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let objects: S3ImageObjects;
let records: DynamoImageRecords;
beforeAll(async () => {
  api = await startTestApi();
  s3 = new S3Client({ forcePathStyle: true });
  dynamodb = new DynamoDBClient({});
  objects = new S3ImageObjects(s3, LOCAL_RESOURCES.bucketName);
  records = new DynamoImageRecords(dynamodb, LOCAL_RESOURCES.imagesTable);
});
afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await api?.stop();
});

const LIMITS = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };
const log = { warn: () => undefined, error: () => undefined };

/** A record and object as the code before CDN delivery wrote them (no sha256, bytes as uploaded). */
async function legacy(objectKeyPrefix: 'uploads/' | 'images/', bytes: Buffer, contentType: string): Promise<ImageRecord> {
  const id = newImageId();
  const record: ImageRecord = {
    id,
    accountId: 'acct_legacy',
    objectKey: `${objectKeyPrefix}${id}`,
    state: 'ready',
    createdAt: new Date().toISOString(),
    format: contentType === 'image/jpeg' ? 'jpeg' : 'png',
    contentType,
    width: 64,
    height: 48,
    size: bytes.byteLength,
  };
  await objects.put(record.objectKey, bytes, contentType);
  await records.create(record);
  return record;
}

describe('npm run migrate-delivery (migrateToPublishedLayout)', () => {
  it('publishes old large uploads under images/, strips metadata in place, and is idempotent', async () => {
    const jpeg = withMetadata('jpeg', PAYLOADS.html);
    const png = withMetadata('png', PAYLOADS.html);
    const moved = await legacy('uploads/', jpeg, 'image/jpeg');
    const inPlace = await legacy('images/', png, 'image/png');

    const first = await migrateToPublishedLayout({ objects, records, limits: LIMITS, log });
    expect(first).toMatchObject({ moved: 1, stripped: 1, failed: 0 });

    for (const [record, original] of [[moved, jpeg], [inPlace, png]] as const) {
      const expected = prepareForPublishing(original, LIMITS);
      const response = await checkedFetch(`${api.url}/image/${record.id}`);
      expect(response.status).toBe(200);
      const served = Buffer.from(await response.arrayBuffer());
      expect(sha256(served)).toBe(expected.sha256);
      expect(served.includes(PAYLOADS.html)).toBe(false);
      const state = await storageState();
      expect(state.records.find((r) => r.id === record.id)).toMatchObject({
        objectKey: `images/${record.id}`,
        size: expected.size,
        sha256: expected.sha256,
      });
      expect(state.objects.filter((key) => key.includes(record.id))).toEqual([`images/${record.id}`]);
    }

    const again = await migrateToPublishedLayout({ objects, records, limits: LIMITS, log });
    expect(again.moved + again.stripped + again.failed).toBe(0);
    expect(again.unchanged).toBeGreaterThanOrEqual(2);
  });

  it('leaves a record whose object is missing as it was, and says so', async () => {
    const id = newImageId();
    await records.create({ id, accountId: 'acct_legacy', objectKey: `uploads/${id}`, state: 'ready', createdAt: new Date().toISOString(), size: 10 });
    const errors: unknown[] = [];
    const report = await migrateToPublishedLayout({ objects, records, limits: LIMITS, log: { ...log, error: (_m, d) => errors.push(d) } });
    expect(report.failed).toBe(1);
    expect(errors).toEqual([{ imageId: id, objectKey: `uploads/${id}`, reason: 'object missing' }]);
    expect((await records.get(id))?.objectKey).toBe(`uploads/${id}`);
  });
});
