import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CloudFrontCache } from '../../functions/adapters/cloudfront-cache';
import { cdnPathsFor, purgeImages } from '../../functions/core/purge';
import { createPurgeHandler } from '../../functions/purge-image';

const A = 'AAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBB';

function fakes() {
  const calls: string[] = [];
  const objects = {
    prefixes: new Map<string, number>([[`variants/${A}/`, 3]]),
    async deletePrefix(prefix: string) {
      calls.push(`deletePrefix ${prefix}`);
      const count = this.prefixes.get(prefix) ?? 0;
      this.prefixes.delete(prefix);
      return count;
    },
  };
  const cdn = {
    async invalidate(paths: readonly string[], reference: string) {
      calls.push(`invalidate ${paths.join(' ')} ${reference}`);
    },
  };
  return { calls, objects, cdn, log: { warn: () => undefined } };
}

function removed(...keys: string[]): S3Event {
  return {
    Records: keys.map((key, i) => ({
      eventName: 'ObjectRemoved:Delete',
      s3: { object: { key, sequencer: `00${i}` } },
    })),
  } as unknown as S3Event;
}

describe('purgeImages', () => {
  it('deletes every variant of each image, then invalidates the image and its variants on the CDN', async () => {
    const { calls, objects, cdn, log } = fakes();
    expect(await purgeImages({ objects, cdn, log }, [A, B], 'ref-1')).toEqual({ variantsDeleted: 3 });
    expect(calls).toEqual([
      `deletePrefix variants/${A}/`,
      `deletePrefix variants/${B}/`,
      `invalidate /image/${A}* /images/${A}* /variants/${A}/* /image/${B}* /images/${B}* /variants/${B}/* ref-1`,
    ]);
  });

  it('the invalidation paths cover the public URL and the rewritten keys (original, variants), every query string, no other image', () => {
    expect(cdnPathsFor(A)).toEqual([`/image/${A}*`, `/images/${A}*`, `/variants/${A}/*`]);
  });

  it('without a CDN (local mode) only the variants go', async () => {
    const { calls, objects, log } = fakes();
    await purgeImages({ objects, cdn: undefined, log }, [A], 'ref');
    expect(calls).toEqual([`deletePrefix variants/${A}/`]);
  });

  it('a failing invalidation fails the purge so the event is retried (the delete already answered 204)', async () => {
    const { objects, log } = fakes();
    const failure = Object.assign(new Error('throttled'), { name: 'TooManyInvalidationsInProgress' });
    await expect(purgeImages({ objects, cdn: { invalidate: () => Promise.reject(failure) }, log }, [A], 'r')).rejects.toBe(failure);
  });
});

describe('createPurgeHandler (S3 ObjectRemoved on images/)', () => {
  it('purges the images whose published objects were removed, ignoring other keys and events', async () => {
    const { calls, objects, cdn, log } = fakes();
    const handler = createPurgeHandler({ objects, cdn, log });
    const event = removed(`images/${A}`, `uploads/${B}`, 'images/not-an-id');
    event.Records.push({ eventName: 'ObjectCreated:Put', s3: { object: { key: `images/${B}` } } } as never);
    const result = await handler(event);
    expect(result).toEqual({ purged: [A], variantsDeleted: 3 });
    expect(calls).toEqual([`deletePrefix variants/${A}/`, expect.stringMatching(new RegExp(`^invalidate /image/${A}\\* /images/${A}\\* /variants/${A}/\\* [0-9a-f]{64}$`))]);
  });

  it('a retried event repeats the same invalidation reference (CloudFront then does not create another)', async () => {
    const first = fakes();
    const second = fakes();
    await createPurgeHandler(first)(removed(`images/${A}`));
    await createPurgeHandler(second)(removed(`images/${A}`));
    expect(first.calls.at(-1)).toBe(second.calls.at(-1));
  });

  it('does nothing for an event without published keys', async () => {
    const { calls, objects, cdn, log } = fakes();
    expect(await createPurgeHandler({ objects, cdn, log })(removed(`uploads/${A}`))).toEqual({ purged: [], variantsDeleted: 0 });
    expect(calls).toEqual([]);
  });
});

describe('CloudFrontCache', () => {
  it('creates one invalidation on its own distribution with the paths and the caller reference', async () => {
    const cloudfront = mockClient(CloudFrontClient);
    cloudfront.on(CreateInvalidationCommand).resolves({});
    await new CloudFrontCache(new CloudFrontClient({ region: 'us-east-1' }), 'E2EXAMPLE').invalidate([`/image/${A}*`], 'ref-9');
    expect(cloudfront.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input)).toEqual([
      { DistributionId: 'E2EXAMPLE', InvalidationBatch: { CallerReference: 'ref-9', Paths: { Quantity: 1, Items: [`/image/${A}*`] } } },
    ]);
    cloudfront.restore();
  });
});
