import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import purgeImageJson from '../../events/purge-image.json';

/**
 * The PurgeImage handler module as Lambda runs it (its `handler` export, clients created at
 * load), with the SDK clients mocked: the calls it makes must stay inside what the stack grants
 * it (PurgeImage's entry in functions/function-table.ts, checked in test/infra/resources.test.ts): ListBucket only with a
 * `variants/` prefix, DeleteObject only under `variants/`, CreateInvalidation only on the
 * distribution named in DISTRIBUTION_ID; and the invalidation must reach what CloudFront
 * caches.
 */

// S3 removal events carry no size or eTag (only key and sequencer); @types/aws-lambda requires
// them for every S3 event, so the file is checked against the type without those two.
type S3RemovalEvent = {
  Records: Array<Omit<S3Event['Records'][0], 's3'> & { s3: Omit<S3Event['Records'][0]['s3'], 'object'> & { object: { key: string; sequencer: string } } }>;
};
const EVENT = (purgeImageJson satisfies S3RemovalEvent) as S3Event;
const ID = '3kQ9zW1xV5bN7mR2tY8uPa';
const DISTRIBUTION_ID = 'EDFDVBD6EXAMPLE';

const s3 = mockClient(S3Client);
const cloudfront = mockClient(CloudFrontClient);
let handler: (event: S3Event) => Promise<unknown>;

beforeAll(async () => {
  vi.stubEnv('DISTRIBUTION_ID', DISTRIBUTION_ID);
  ({ handler } = (await import('../../functions/purge-image')) as { handler: typeof handler });
});

afterAll(() => {
  s3.restore();
  cloudfront.restore();
  vi.unstubAllEnvs();
});

beforeEach(() => {
  s3.reset();
  cloudfront.reset();
  s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `variants/${ID}/w=100` }, { Key: `variants/${ID}/w=200&format=webp` }], KeyCount: 2, IsTruncated: false });
  s3.on(DeleteObjectsCommand).resolves({});
  cloudfront.on(CreateInvalidationCommand).resolves({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
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

  it('invalidates on DISTRIBUTION_ID both the public URL and the key the viewer-request function rewrites it to', async () => {
    await handler(EVENT);
    const invalidations = cloudfront.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input);
    expect(invalidations).toHaveLength(1);
    const [input] = invalidations;
    expect(input.DistributionId).toBe(DISTRIBUTION_ID);
    const paths = input.InvalidationBatch?.Paths?.Items ?? [];
    expect(input.InvalidationBatch?.Paths?.Quantity).toBe(paths.length);
    // CloudFront caches under the URI as the viewer-request function left it (/images/<id>), and
    // AWS's guidance for a function that changes the URI is to invalidate both URIs.
    expect(paths).toEqual(expect.arrayContaining([`/image/${ID}*`, `/images/${ID}*`]));
  });

  it('repeats the same caller reference for a retried event, so CloudFront does not invalidate twice', async () => {
    await handler(EVENT);
    await handler(structuredClone(EVENT));
    const references = cloudfront.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch?.CallerReference);
    expect(references).toHaveLength(2);
    expect(references[0]).toBeTruthy();
    expect(references[1]).toBe(references[0]);
    await handler(removed([`images/${'b'.repeat(22)}`]));
    const other = cloudfront.commandCalls(CreateInvalidationCommand)[2].args[0].input.InvalidationBatch?.CallerReference;
    expect(other).not.toBe(references[0]);
  });

  it('does nothing for keys outside images/ or for events that are not removals', async () => {
    await handler(removed([`uploads/${ID}`, `variants/${ID}/w=100`, 'errors/not-found.json']));
    await handler(removed([`images/${ID}`], 'ObjectCreated:Put'));
    expect(s3.calls()).toHaveLength(0);
    expect(cloudfront.calls()).toHaveLength(0);
  });

  it('fails when the invalidation fails, so Lambda retries the event and then dead-letters it', async () => {
    cloudfront.on(CreateInvalidationCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyInvalidationsInProgress' }));
    await expect(handler(EVENT)).rejects.toThrow();
  });
});
