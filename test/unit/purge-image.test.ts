import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CloudFrontKeyValueStoreClient, DescribeKeyValueStoreCommand, UpdateKeysCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import purgeImageJson from '../../events/purge-image.json';

/**
 * The PurgeImage handler module as Lambda runs it (its `handler` export, clients created at
 * load), with the SDK clients mocked: the calls it makes must stay inside what the stack grants
 * it (PurgeImage's entry in functions/function-table.ts, checked in test/infra/resources.test.ts): ListBucket only with a
 * `variants/` prefix, DeleteObject only under `variants/`, UpdateKeys only on the store named in
 * EDGE_STORE_ARN, and never a CloudFront invalidation (docs/edge.md: the deny-list).
 */

// S3 removal events carry no size or eTag (only key and sequencer); @types/aws-lambda requires
// them for every S3 event, so the file is checked against the type without those two.
type S3RemovalEvent = {
  Records: Array<Omit<S3Event['Records'][0], 's3'> & { s3: Omit<S3Event['Records'][0]['s3'], 'object'> & { object: { key: string; sequencer: string } } }>;
};
const EVENT = (purgeImageJson satisfies S3RemovalEvent) as S3Event;
const ID = '3kQ9zW1xV5bN7mR2tY8uPa';
const STORE_ARN = 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-0000-4000-8000-000000000001';

const s3 = mockClient(S3Client);
const cloudfront = mockClient(CloudFrontClient);
const kvs = mockClient(CloudFrontKeyValueStoreClient);
const dynamodb = mockClient(DynamoDBClient);
// The webhook queue: every purged id is announced as image.deleted (docs/webhooks.md).
const sqs = mockClient(SQSClient);
let handler: (event: S3Event) => Promise<unknown>;

beforeAll(async () => {
  vi.stubEnv('EDGE_STORE_ARN', STORE_ARN);
  ({ handler } = (await import('../../functions/purge-image')) as { handler: typeof handler });
});

afterAll(() => {
  s3.restore();
  cloudfront.restore();
  kvs.restore();
  dynamodb.restore();
  sqs.restore();
  vi.unstubAllEnvs();
});

beforeEach(() => {
  s3.reset();
  cloudfront.reset();
  kvs.reset();
  dynamodb.reset();
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  kvs.on(DescribeKeyValueStoreCommand).resolves({ ETag: 'E1', ItemCount: 0, TotalSizeInBytes: 0, KvsARN: STORE_ARN, Created: new Date() });
  kvs.on(UpdateKeysCommand).resolves({ ETag: 'E2', ItemCount: 1, TotalSizeInBytes: 23 });
  dynamodb.on(UpdateItemCommand).resolves({});
  s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `variants/${ID}/w=100` }, { Key: `variants/${ID}/w=200&format=webp` }], KeyCount: 2, IsTruncated: false });
  s3.on(DeleteObjectsCommand).resolves({});
});

function removed(keys: string[], eventName = 'ObjectRemoved:Delete'): S3Event {
  const event = structuredClone(EVENT);
  const [template] = event.Records;
  event.Records = keys.map((key, i) => ({ ...structuredClone(template), eventName, s3: { ...structuredClone(template.s3), object: { ...template.s3.object, key, sequencer: `0A${i}` } } }));
  return event;
}

describe('PurgeImage handler (events/purge-image.json)', () => {
  it('lists and deletes only under variants/<id>/, in the bucket it was given', async () => {
    await handler(EVENT);
    const lists = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(lists.length).toBeGreaterThan(0);
    for (const input of lists) {
      expect(input.Bucket).toBe(process.env.BUCKET_NAME);
      expect(input.Prefix).toBe(`variants/${ID}/`);
    }
    const deleted = s3.commandCalls(DeleteObjectsCommand).flatMap((call) => call.args[0].input.Delete?.Objects ?? []).map((o) => o.Key);
    expect(deleted.sort()).toEqual([`variants/${ID}/w=100`, `variants/${ID}/w=200&format=webp`]);
  });

  it('puts the id on the deny-list of the store in EDGE_STORE_ARN, at the version it read, and schedules its release; no invalidation', async () => {
    await handler(EVENT);
    const updates = kvs.commandCalls(UpdateKeysCommand).map((call) => call.args[0].input);
    expect(updates).toEqual([{ KvsARN: STORE_ARN, IfMatch: 'E1', Puts: [{ Key: ID, Value: 'x' }] }]);
    expect(kvs.commandCalls(DescribeKeyValueStoreCommand)[0].args[0].input).toEqual({ KvsARN: STORE_ARN });
    const scheduled = dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0].TableName).toBe(process.env.COUNTERS_TABLE);
    expect(scheduled[0].Key?.pk?.S).toMatch(/^edge-release#\d+$/);
    expect(scheduled[0].ExpressionAttributeValues?.[':keys']).toEqual({ SS: [ID] });
    expect(cloudfront.calls()).toHaveLength(0);
  });

  it('retries on the store\'s new version when another writer came first', async () => {
    kvs.on(UpdateKeysCommand).rejectsOnce(Object.assign(new Error('changed'), { name: 'ConflictException', $metadata: { httpStatusCode: 409 } })).resolves({ ETag: 'E3', ItemCount: 1, TotalSizeInBytes: 23 });
    await handler(EVENT);
    expect(kvs.commandCalls(UpdateKeysCommand)).toHaveLength(2);
    expect(kvs.commandCalls(DescribeKeyValueStoreCommand)).toHaveLength(2);
  });

  it('does nothing for keys outside images/ or for events that are not removals', async () => {
    await handler(removed([`uploads/${ID}`, `variants/${ID}/w=100`, 'errors/not-found.json']));
    await handler(removed([`images/${ID}`], 'ObjectCreated:Put'));
    expect(s3.calls()).toHaveLength(0);
    expect(kvs.calls()).toHaveLength(0);
    expect(cloudfront.calls()).toHaveLength(0);
  });

  it('fails when the store cannot be written, so Lambda retries the event and then dead-letters it', async () => {
    kvs.on(UpdateKeysCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(handler(EVENT)).rejects.toThrow();
    expect(cloudfront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  });
});

describe('webhooks', () => {
  it('announces each purged image to the webhook queue as image.deleted, once per id', async () => {
    await handler(removed([`images/${ID}`, `images/${ID}`]));
    const sent = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0].QueueUrl).toBe(process.env.WEBHOOK_QUEUE_URL);
    expect(JSON.parse(sent[0].MessageBody!)).toMatchObject({ kind: 'event', type: 'image.deleted', imageId: ID });
  });
});
