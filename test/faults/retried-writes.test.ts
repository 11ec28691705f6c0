import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoImageRecords, toItem } from '../../functions/adapters/dynamo-image-records';
import { DynamoKeyStore } from '../../functions/adapters/dynamo-key-store';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import { type ImageRecord, storeImage } from '../../functions/core/images';
import { prepareForPublishing } from '../../functions/core/published-image';
import { DEFAULTS } from '../../functions/core/config';
import { type Emulators, LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES, startEmulators } from '../../local/emulators';
import { fixture } from '../support/http';

/**
 * The SDK retries a write whose response was lost. When the first attempt
 * landed, the retry fails its condition on our own write; that must count as success.
 * The fault: an HTTP handler that sends the request (so DynamoDB applies it), then drops the
 * response as a reset connection, which the SDK retries.
 */
class LandThenDrop extends NodeHttpHandler {
  /** X-Amz-Target operations (e.g. "PutItem") whose next response is dropped, once each. */
  readonly dropNext = new Set<string>();
  readonly sent: string[] = [];

  override async handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    const [request] = args;
    const operation = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '').split('.').pop() ?? '';
    this.sent.push(operation);
    const result = await super.handle(...args);
    if (this.dropNext.delete(operation)) {
      (result.response.body as NodeJS.ReadableStream & { destroy(): void }).destroy();
      throw Object.assign(new Error('socket hang up (injected after the write landed)'), { code: 'ECONNRESET' });
    }
    return result;
  }
}

const log = { warn: () => undefined, error: () => undefined };
let emulators: Emulators;
let handler: LandThenDrop;
let dynamodb: DynamoDBClient;
let s3: S3Client;
let records: DynamoImageRecords;
let objects: S3ImageObjects;

beforeAll(async () => {
  emulators = await startEmulators();
  handler = new LandThenDrop();
  dynamodb = new DynamoDBClient({
    endpoint: emulators.dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: handler as unknown as NodeHttpHandler & Record<string, unknown>,
    maxAttempts: 3,
  });
  s3 = new S3Client({ endpoint: emulators.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  records = new DynamoImageRecords(dynamodb, LOCAL_RESOURCES.imagesTable);
  objects = new S3ImageObjects(s3, LOCAL_RESOURCES.bucketName);
});
afterAll(async () => {
  dynamodb?.destroy();
  s3?.destroy();
  await emulators?.close();
});

describe('a retried write whose first attempt landed (real SDK retries against dynalite)', () => {
  it('storeImage: the retried conditional create succeeds; record and object both stay', async () => {
    const bytes = fixture('sample.png');
    const image = prepareForPublishing(bytes, { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels });
    handler.sent.length = 0;
    handler.dropNext.add('PutItem');
    const record = await storeImage({ objects, records, log }, 'acct_retry', image);

    // Two PutItem attempts: the first landed and lost its answer, the second failed its condition.
    expect(handler.sent.filter((op) => op === 'PutItem')).toHaveLength(2);
    expect(await records.get(record.id)).toMatchObject({ id: record.id, accountId: 'acct_retry', state: 'ready' });
    const stored = await s3.send(new GetObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: record.objectKey }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(Buffer.from(image.bytes))).toBe(true);
  });

  it('a create that collides with another record still fails (and nothing of ours is kept)', async () => {
    const first: ImageRecord = { id: 'CCCCCCCCCCCCCCCCCCCCCC', accountId: 'acct_a', objectKey: 'images/CCCCCCCCCCCCCCCCCCCCCC', state: 'ready', createdAt: '2026-11-30T00:00:00.000Z' };
    await records.create(first);
    await expect(records.create({ ...first, accountId: 'acct_b' })).rejects.toThrow(ConditionalCheckFailedException);
    expect((await records.get(first.id))?.accountId).toBe('acct_a');
  });

  it('delete: the retried conditional delete reports the record gone (so the handler answers 204 and deletes the object), not 404', async () => {
    const record: ImageRecord = { id: 'DDDDDDDDDDDDDDDDDDDDDD', accountId: 'acct_d', objectKey: 'images/DDDDDDDDDDDDDDDDDDDDDD', state: 'ready', createdAt: '2026-11-30T00:00:00.000Z' };
    await records.create(record);
    handler.sent.length = 0;
    handler.dropNext.add('DeleteItem');
    expect(await records.delete(record.id, 'acct_d')).toBe(true);
    expect(handler.sent.filter((op) => op === 'DeleteItem')).toHaveLength(2);
    expect(await records.get(record.id)).toBeUndefined();
  });

  it("a delete of another account's record is still refused", async () => {
    const record: ImageRecord = { id: 'EEEEEEEEEEEEEEEEEEEEEE', accountId: 'acct_owner', objectKey: 'images/EEEEEEEEEEEEEEEEEEEEEE', state: 'ready', createdAt: '2026-11-30T00:00:00.000Z' };
    await records.create(record);
    expect(await records.delete(record.id, 'acct_other')).toBe(false);
    expect(await records.get(record.id)).toBeDefined();
  });
});

describe('on AWS the condition failure carries the old item (ReturnValuesOnConditionCheckFailure: ALL_OLD)', () => {
  // Mocking the class mocks every DynamoDBClient: only while these tests run.
  let mock: ReturnType<typeof mockClient>;
  beforeAll(() => {
    mock = mockClient(DynamoDBClient);
  });
  const record: ImageRecord = { id: 'FFFFFFFFFFFFFFFFFFFFFF', accountId: 'acct_f', objectKey: 'images/FFFFFFFFFFFFFFFFFFFFFF', state: 'ready', createdAt: '2026-11-30T00:00:00.000Z' };
  const failure = (item?: Record<string, unknown>) =>
    Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }), item ? { Item: item } : {});
  const mocked = () => new DynamoImageRecords(new DynamoDBClient({ region: 'us-east-1' }), 'images');

  afterAll(() => mock.restore());

  it('create asks for ALL_OLD and accepts its own item without reading it back', async () => {
    mock.reset();
    mock.on(PutItemCommand).rejects(failure(toItem(record)));
    await mocked().create(record);
    expect(mock.commandCalls(PutItemCommand)[0].args[0].input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(mock.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  it("create refuses someone else's item", async () => {
    mock.reset();
    mock.on(PutItemCommand).rejects(failure(toItem({ ...record, accountId: 'acct_other', createdAt: '2026-11-29T00:00:00.000Z' })));
    await expect(mocked().create(record)).rejects.toThrow(ConditionalCheckFailedException);
  });

  it('delete asks for ALL_OLD: no old item = gone (true), an old item of another account = false', async () => {
    mock.reset();
    mock.on(DeleteItemCommand).rejectsOnce(failure()).rejectsOnce(failure(toItem({ ...record, accountId: 'acct_other' })));
    mock.on(GetItemCommand).resolves({});
    const adapter = mocked();
    expect(await adapter.delete(record.id, 'acct_f')).toBe(true);
    expect(await adapter.delete(record.id, 'acct_f')).toBe(false);
    expect(mock.commandCalls(DeleteItemCommand)[0].args[0].input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('a key put whose first attempt landed is ours (same key id); another key with the same hash is a collision', async () => {
    mock.reset();
    const key = { keyId: 'key_mine', keyHash: 'ab'.repeat(32), accountId: 'acct_k', accountName: 'k', createdAt: '2026-11-30T00:00:00.000Z', usageIdentifier: 'usage_x' };
    mock.on(PutItemCommand).rejectsOnce(failure({ key_id: { S: 'key_mine' } })).rejectsOnce(failure({ key_id: { S: 'key_other' } }));
    const store = new DynamoKeyStore(new DynamoDBClient({ region: 'us-east-1' }), 'keys');
    expect(await store.putKey(key)).toBe(true);
    expect(await store.putKey(key)).toBe(false);
    expect(mock.commandCalls(PutItemCommand)[0].args[0].input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });
});
