import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { GONE, STORE_CAPACITY_BYTES } from '../../functions/core/edge-entries';
import { HOUR_MS, releaseDueEntries, releaseHour } from '../../functions/core/edge-releases';
import { newImageId } from '../../functions/core/ids';
import { purgeImages } from '../../functions/core/purge';
import { createPurgeHandler } from '../../functions/purge-image';
import { MemoryEdgeStore, MemoryReleases } from '../support/edge-fakes';

const A = 'AAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBB';
const NOW = Date.UTC(2026, 10, 26, 10, 30);
const DAY = 86_400;

function fakes(now = () => NOW) {
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
  const edge = new MemoryEdgeStore();
  const releases = new MemoryReleases();
  return { calls, objects, edge, releases, edgeTtlSeconds: DAY, now, log: { warn: () => undefined } };
}

function removed(...keys: string[]): S3Event {
  return {
    Records: keys.map((key, i) => ({
      eventName: 'ObjectRemoved:Delete',
      s3: { object: { key, sequencer: `00${i}` } },
    })),
  } as unknown as S3Event;
}

describe('purgeImages: the deny-list instead of invalidations (docs/edge.md)', () => {
  it('denies each removed image at the edge first, schedules the entry to leave after the edge TTL, then deletes every variant', async () => {
    const deps = fakes();
    expect(await purgeImages(deps, [A, B])).toEqual({ variantsDeleted: 3 });
    expect(deps.edge.updates[0]).toEqual({ puts: [{ key: A, value: GONE }, { key: B, value: GONE }] });
    expect(deps.calls).toEqual([`deletePrefix variants/${A}/`, `deletePrefix variants/${B}/`]);
    const hour = releaseHour(NOW, DAY);
    expect([...deps.releases.hours.keys()]).toEqual([hour]);
    expect([...(deps.releases.hours.get(hour) ?? [])].sort()).toEqual([A, B]);
    // The entry stays at least as long as any copy CloudFront cached before the removal can live.
    expect(hour * HOUR_MS).toBeGreaterThan(NOW + DAY * 1000);
    expect(hour * HOUR_MS).toBeLessThanOrEqual(NOW + DAY * 1000 + HOUR_MS);
  });

  it('a failing store fails the purge so the event is retried (the delete already answered 204)', async () => {
    const deps = fakes();
    const failure = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    await expect(purgeImages({ ...deps, edge: { update: () => Promise.reject(failure) } }, [A])).rejects.toBe(failure);
  });

  it('nothing to do for no image', async () => {
    const deps = fakes();
    expect(await purgeImages(deps, [])).toEqual({ variantsDeleted: 0 });
    expect(deps.edge.updates).toEqual([]);
  });
});

describe('createPurgeHandler (S3 ObjectRemoved on images/)', () => {
  it('purges the images whose published objects were removed, ignoring other keys and events', async () => {
    const deps = fakes();
    const event = removed(`images/${A}`, `uploads/${B}`, 'images/not-an-id');
    event.Records.push({ eventName: 'ObjectCreated:Put', s3: { object: { key: `images/${B}` } } } as never);
    expect(await createPurgeHandler(deps)(event)).toEqual({ purged: [A], variantsDeleted: 3 });
    expect(deps.edge.get(A)).toBe(GONE);
    expect(deps.edge.get(B)).toBeUndefined();
  });

  it('a retried event writes the same entries again: idempotent', async () => {
    const deps = fakes();
    await createPurgeHandler(deps)(removed(`images/${A}`));
    await createPurgeHandler(deps)(removed(`images/${A}`));
    expect(deps.edge.entries.size).toBe(1);
    expect(deps.releases.hours.size).toBe(1);
  });

  it('never creates a CloudFront invalidation, however many images are removed', async () => {
    const cloudfront = mockClient(CloudFrontClient);
    cloudfront.on(CreateInvalidationCommand).resolves({});
    const deps = fakes();
    const handler = createPurgeHandler(deps);
    for (let i = 0; i < 200; i += 1) await handler(removed(`images/${newImageId()}`));
    await handler(removed(...Array.from({ length: 50 }, () => `images/${newImageId()}`)));
    expect(cloudfront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
    expect(cloudfront.calls()).toHaveLength(0);
    expect(deps.edge.entries.size).toBe(250);
    cloudfront.restore();
  });
});

describe('the deny-list stays bounded (fake clock, fake store)', () => {
  it('100,000 deletes a day for four days, the sweep every 15 minutes: never more than a day and a bit of entries, far below 5 MB', async () => {
    let now = Date.UTC(2026, 10, 1);
    const deps = fakes(() => now);
    const handler = createPurgeHandler(deps);
    const perDay = 100_000;
    const minutes = 15;
    const perRun = Math.round((perDay * minutes) / (24 * 60));
    const runs = (4 * 24 * 60) / minutes;
    let serial = 0;
    const nextId = () => `img${String((serial += 1)).padStart(19, '0')}`;
    deps.edge.recordUpdates = false;
    for (let run = 0; run < runs; run += 1) {
      // One S3 event per delete would be 1,042 purges a run; batches of 100 keep the test quick and change nothing it measures.
      for (let i = 0; i < perRun; i += 100) await handler(removed(...Array.from({ length: Math.min(100, perRun - i) }, () => `images/${nextId()}`)));
      now += minutes * 60_000;
      await releaseDueEntries(deps, now, DAY);
    }
    // An entry lives the edge TTL plus at most an hour (its release bucket) plus one sweep interval.
    const bound = Math.ceil(perDay * (1 + (HOUR_MS + minutes * 60_000) / (DAY * 1000)));
    expect(deps.edge.peakCount).toBeGreaterThan(perDay);
    expect(deps.edge.peakCount).toBeLessThanOrEqual(bound);
    // 22-character id + 'x': 23 bytes an entry, about 2.4 MB at the peak.
    expect(deps.edge.peakBytes).toBeLessThanOrEqual(bound * 23);
    expect(deps.edge.peakBytes).toBeLessThan(STORE_CAPACITY_BYTES / 2);
    // And it does not grow: after the first day it holds a day's worth, however long it runs.
    expect(deps.edge.entries.size).toBeLessThanOrEqual(bound);
    expect(deps.releases.hours.size).toBeLessThanOrEqual(26);
  }, 120_000);

  it('an hour of the schedule releases only once its time has come, and a run after an outage catches up', async () => {
    const deps = fakes();
    const hour = releaseHour(NOW, DAY);
    await deps.releases.add(hour, [A]);
    await deps.edge.update({ puts: [{ key: A, value: GONE }] });
    expect(await releaseDueEntries(deps, hour * HOUR_MS - 1, DAY)).toBe(0);
    expect(deps.edge.get(A)).toBe(GONE);
    expect(await releaseDueEntries(deps, hour * HOUR_MS + 10 * HOUR_MS, DAY)).toBe(1);
    expect(deps.edge.get(A)).toBeUndefined();
    expect(deps.releases.hours.size).toBe(0);
  });
});
