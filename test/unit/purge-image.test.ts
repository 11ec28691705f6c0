import type { S3Event } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import purgeImageJson from '../../events/purge-image.json';
import type { createPurgeHandler as CreatePurgeHandler, invalidationPaths as InvalidationPaths } from '../../functions/purge-image';

// The module reads DISTRIBUTION_ID at load (cold start), like every handler reads its resources.
let createPurgeHandler: typeof CreatePurgeHandler;
let invalidationPaths: typeof InvalidationPaths;
beforeAll(async () => {
  vi.stubEnv('DISTRIBUTION_ID', 'EDFDVBD6EXAMPLE');
  ({ createPurgeHandler, invalidationPaths } = await import('../../functions/purge-image'));
});

// S3 removal events carry no size or eTag (only key and sequencer); @types/aws-lambda requires
// them for every S3 event, so the file is checked against the type without those two.
type S3RemovalEvent = { Records: Array<Omit<S3Event['Records'][0], 's3'> & { s3: Omit<S3Event['Records'][0]['s3'], 'object'> & { object: { key: string; sequencer: string } } }> };
const EVENT = (purgeImageJson satisfies S3RemovalEvent) as S3Event;
const ID = '3kQ9zW1xV5bN7mR2tY8uPa';

function fakes(options: { variants?: Record<string, number>; failInvalidation?: boolean } = {}) {
  const calls: string[] = [];
  const invalidations: Array<{ paths: readonly string[]; callerReference: string }> = [];
  return {
    calls,
    invalidations,
    deps: {
      async invalidate(paths: readonly string[], callerReference: string) {
        calls.push('invalidate');
        if (options.failInvalidation) throw new Error('Throttling');
        invalidations.push({ paths, callerReference });
      },
      async deleteVariants(imageId: string) {
        calls.push(`variants ${imageId}`);
        return options.variants?.[imageId] ?? 0;
      },
    },
  };
}

function removed(keys: string[], eventName = 'ObjectRemoved:Delete'): S3Event {
  const event = structuredClone(EVENT) as S3Event;
  const template = event.Records[0];
  event.Records = keys.map((key, i) => ({
    ...structuredClone(template),
    eventName,
    s3: { ...structuredClone(template.s3), object: { key, sequencer: `00${i}` } as S3Event['Records'][0]['s3']['object'] },
  }));
  return event;
}

describe('PurgeImage', () => {
  it('for the event in events/purge-image.json: deletes the variants, then invalidates the public URL and its origin key', async () => {
    const { deps, calls, invalidations } = fakes({ variants: { [ID]: 3 } });
    const result = await createPurgeHandler(deps)(EVENT);
    expect(result).toEqual({ purged: [ID] });
    expect(calls).toEqual([`variants ${ID}`, 'invalidate']);
    expect(invalidations).toHaveLength(1);
    expect(invalidations[0].paths).toEqual([`/image/${ID}*`, `/images/${ID}*`]);
    expect(invalidations[0].paths).toEqual(invalidationPaths(ID));
    expect(invalidations[0].callerReference).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses the same caller reference for a retried event (CloudFront then creates no second invalidation)', async () => {
    const first = fakes();
    const second = fakes();
    await createPurgeHandler(first.deps)(EVENT);
    await createPurgeHandler(second.deps)(structuredClone(EVENT) as S3Event);
    expect(second.invalidations[0].callerReference).toBe(first.invalidations[0].callerReference);
    const other = fakes();
    await createPurgeHandler(other.deps)(removed([`images/${ID}`]));
    expect(other.invalidations[0].callerReference).not.toBe(first.invalidations[0].callerReference);
  });

  it('batches several removed images into one invalidation', async () => {
    const ids = ['aaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbb'];
    const { deps, invalidations } = fakes();
    const result = await createPurgeHandler(deps)(removed(ids.map((id) => `images/${id}`)));
    expect(result.purged).toEqual(ids);
    expect(invalidations).toHaveLength(1);
    expect(invalidations[0].paths).toEqual(ids.flatMap(invalidationPaths));
  });

  it('ignores keys that are not published images, and events that are not removals', async () => {
    const { deps, calls } = fakes();
    const handler = createPurgeHandler(deps);
    expect(await handler(removed([`uploads/${ID}`, `variants/${ID}/w=100`, 'errors/not-found.json', 'images/short']))).toEqual({ purged: [] });
    expect(await handler(removed([`images/${ID}`], 'ObjectCreated:Put'))).toEqual({ purged: [] });
    expect(calls).toEqual([]);
  });

  it('throws when the invalidation fails, so Lambda retries and then dead-letters the event', async () => {
    const { deps } = fakes({ failInvalidation: true });
    await expect(createPurgeHandler(deps)(EVENT)).rejects.toThrow('Throttling');
  });
});
