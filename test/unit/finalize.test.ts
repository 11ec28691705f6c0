import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { finalizeUpload } from '../../functions/core/finalize';
import { prepareForPublishing } from '../../functions/core/published-image';
import type { ImageRecord } from '../../functions/core/images';
import { sweep, ORPHAN_GRACE_MS } from '../../functions/core/sweep';
import { ACCOUNT, FakeObjects, FakePosition, FakeRecords, fixture, MemoryLog, NOW_MS, TEST_CONFIG } from './support/fakes';

const ID = 'LargeLargeLargeLarge01';
const KEY = `uploads/${ID}`;

function pending(id = ID, extra: Partial<ImageRecord> = {}): ImageRecord {
  return {
    id,
    accountId: ACCOUNT,
    objectKey: `uploads/${id}`,
    state: 'pending',
    createdAt: new Date(NOW_MS).toISOString(),
    expiresAt: NOW_MS / 1000 + 1800,
    ...extra,
  };
}

function setup() {
  const events: string[] = [];
  const objects = new FakeObjects(events);
  const records = new FakeRecords(events);
  const log = new MemoryLog();
  const deps = { objects, records, limits: TEST_CONFIG.limits, log };
  return { deps, objects, records, log, events };
}

function putObject(objects: FakeObjects, key: string, bytes: Uint8Array, lastModified = new Date(NOW_MS)) {
  objects.items.set(key, { bytes, contentType: 'application/octet-stream', lastModified });
}

describe('finalizeUpload', () => {
  const PUBLISHED = `images/${ID}`;

  it('publishes the checked bytes under images/, settles the record to describe them and empties uploads/', async () => {
    const { deps, objects, records, events } = setup();
    records.items.set(ID, pending());
    const jpeg = fixture('sample.jpg');
    putObject(objects, KEY, jpeg);
    expect(await finalizeUpload(deps, KEY)).toBe('ready');
    const published = objects.items.get(PUBLISHED)!;
    const expected = prepareForPublishing(jpeg, TEST_CONFIG.limits);
    expect(Buffer.from(published.bytes).equals(Buffer.from(expected.bytes))).toBe(true);
    expect(published.contentType).toBe('image/jpeg');
    expect(records.items.get(ID)).toEqual({
      id: ID,
      accountId: ACCOUNT,
      objectKey: PUBLISHED,
      state: 'ready',
      createdAt: new Date(NOW_MS).toISOString(),
      format: 'jpeg',
      contentType: 'image/jpeg',
      width: 64,
      height: 48,
      size: expected.size,
      sha256: createHash('sha256').update(published.bytes).digest('hex'),
    });
    expect(objects.items.has(KEY)).toBe(false);
    expect(events).toEqual([
      `objects.read ${PUBLISHED}`,
      `objects.read ${KEY}`,
      `objects.putIfAbsent ${PUBLISHED}`,
      `records.settle ${ID} ready`,
      `objects.delete ${KEY}`,
    ]);
  });

  it('checks the whole object, not samples of it: damage in the middle is refused', async () => {
    const { deps, objects, records } = setup();
    records.items.set(ID, pending());
    // A PNG whose middle chunk is cut: head and tail are intact, the chunk walk is not.
    const png = Buffer.from(fixture('sample.png'));
    const broken = Buffer.concat([png.subarray(0, 40), png.subarray(60)]);
    putObject(objects, KEY, broken);
    expect(await finalizeUpload(deps, KEY)).toBe('rejected');
    expect(objects.items.has(PUBLISHED)).toBe(false);
  });

  it.each([
    ['an SVG', fixture('script.svg'), /^Invalid image format/],
    ['a HEIC', fixture('sample.heic'), /^Invalid image format/],
    ['a truncated PNG', fixture('sample.png').subarray(0, 200), /^Invalid image format: the file is truncated/],
  ])('rejects %s with the reason, deletes the upload and publishes nothing', async (_name, bytes, reason) => {
    const { deps, objects, records, log } = setup();
    records.items.set(ID, pending());
    putObject(objects, KEY, bytes);
    expect(await finalizeUpload(deps, KEY)).toBe('rejected');
    const record = records.items.get(ID)!;
    expect(record.state).toBe('rejected');
    expect(record.reason).toMatch(reason);
    expect([...objects.items.keys()]).toEqual([]);
    expect(log.entries).toEqual([{ level: 'warn', message: 'large upload rejected', details: { imageId: ID, reason: record.reason } }]);
  });

  it('rejects an upload over the large-upload limit with a 413 reason, without reading its body', async () => {
    const { deps, objects, records } = setup();
    records.items.set(ID, pending());
    putObject(objects, KEY, fixture('sample.png'));
    const small = { ...deps, limits: { ...deps.limits, maxLargeImageBytes: 1000 } };
    expect(await finalizeUpload(small, KEY)).toBe('rejected');
    expect(records.items.get(ID)!.reason).toContain('1000 bytes');
    expect(objects.items.size).toBe(0);
  });

  it('a second upload to a used URL after the image is ready is deleted unread and changes nothing', async () => {
    const { deps, objects, records, events } = setup();
    records.items.set(ID, pending());
    const png = fixture('sample.png');
    putObject(objects, KEY, png);
    expect(await finalizeUpload(deps, KEY)).toBe('ready');
    const record = records.items.get(ID);
    const published = objects.items.get(PUBLISHED)!.bytes;
    events.length = 0;
    putObject(objects, KEY, fixture('script.svg'));
    expect(await finalizeUpload(deps, KEY)).toBe('discarded');
    expect(records.items.get(ID)).toBe(record);
    expect(objects.items.get(PUBLISHED)!.bytes).toEqual(published);
    expect(objects.items.has(KEY)).toBe(false);
    expect(events).toEqual([`objects.delete ${KEY}`]);
  });

  it('after a crash between publishing and settling, the retry settles from the published object, not the upload', async () => {
    const { deps, objects, records } = setup();
    records.items.set(ID, pending());
    const png = fixture('sample.png');
    putObject(objects, KEY, png);
    // First run publishes, then the record update fails.
    const settle = records.settle.bind(records);
    records.settle = () => Promise.reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    await expect(finalizeUpload(deps, KEY)).rejects.toThrow('timeout');
    records.settle = settle;
    // Meanwhile the presigned URL was used again with other (valid!) bytes.
    putObject(objects, KEY, fixture('sample.gif'));
    expect(await finalizeUpload(deps, KEY)).toBe('ready');
    const published = objects.items.get(PUBLISHED)!;
    expect(published.contentType).toBe('image/png');
    expect(records.items.get(ID)).toMatchObject({
      state: 'ready',
      format: 'png',
      size: published.bytes.byteLength,
      sha256: createHash('sha256').update(published.bytes).digest('hex'),
    });
    expect(objects.items.has(KEY)).toBe(false);
  });

  it('two runs racing on two versions publish exactly one and both settle to it', async () => {
    const { deps, objects, records } = setup();
    records.items.set(ID, pending());
    const png = fixture('sample.png');
    const gif = fixture('sample.gif');
    // Each run reads a different version of the upload (a re-PUT between the two reads).
    let reads = 0;
    const read = objects.read.bind(objects);
    objects.read = async (key, max) => {
      if (key === KEY) {
        reads += 1;
        return { bytes: reads === 1 ? png : gif };
      }
      return read(key, max);
    };
    putObject(objects, KEY, png);
    const [a, b] = await Promise.all([finalizeUpload(deps, KEY), finalizeUpload(deps, KEY)]);
    expect([a, b]).toEqual(['ready', 'ready']);
    const published = objects.items.get(PUBLISHED)!;
    const record = records.items.get(ID)!;
    expect(record.sha256).toBe(createHash('sha256').update(published.bytes).digest('hex'));
    expect(record.format).toBe(published.contentType === 'image/png' ? 'png' : 'gif');
  });

  it('skips an object with no record, leaving the bytes to the sweep', async () => {
    const { deps, objects, events } = setup();
    putObject(objects, KEY, fixture('sample.png'));
    expect(await finalizeUpload(deps, KEY)).toBe('skipped');
    expect(objects.items.has(KEY)).toBe(true);
    expect(events).toEqual([]);
  });

  it.each([['images/LargeLargeLargeLarge01'], ['uploads/short'], ['other/thing']])('skips key %s that is not an upload of ours', async (key) => {
    const { deps, records, events } = setup();
    records.items.set(ID, pending());
    expect(await finalizeUpload(deps, key)).toBe('skipped');
    expect(records.items.get(ID)!.state).toBe('pending');
    expect(events).toEqual([]);
  });

  it('skips when the object has gone', async () => {
    const { deps, records } = setup();
    records.items.set(ID, pending());
    expect(await finalizeUpload(deps, KEY)).toBe('skipped');
    expect(records.items.get(ID)!.state).toBe('pending');
  });

  it('rethrows storage failures so the event is retried, settling nothing', async () => {
    const { deps, objects, records } = setup();
    records.items.set(ID, pending());
    putObject(objects, KEY, fixture('sample.png'));
    const outage = Object.assign(new Error('SlowDown'), { name: 'SlowDown' });
    objects.readError = outage;
    await expect(finalizeUpload(deps, KEY)).rejects.toBe(outage);
    expect(records.items.get(ID)!.state).toBe('pending');
    expect(objects.items.has(KEY)).toBe(true);
  });
});

describe('sweep', () => {
  const old = new Date(NOW_MS - ORPHAN_GRACE_MS - 1000);
  const young = new Date(NOW_MS - ORPHAN_GRACE_MS + 60_000);

  function sweepSetup() {
    const base = setup();
    const finalized: string[] = [];
    const run = () =>
      sweep({
        objects: base.objects,
        records: base.records,
        position: new FakePosition(),
        finalize: async (key) => {
          finalized.push(key);
          return finalizeUpload(base.deps, key);
        },
        log: base.log,
        now: () => NOW_MS,
      });
    return { ...base, finalized, run };
  }

  it('removes expired pending uploads whose bytes never arrived', async () => {
    const { records, run } = sweepSetup();
    records.items.set('ExpiredExpiredExpired1', pending('ExpiredExpiredExpired1', { expiresAt: NOW_MS / 1000 - 1 }));
    records.items.set('FreshFreshFreshFresh01', pending('FreshFreshFreshFresh01', { expiresAt: NOW_MS / 1000 + 60 }));
    const report = await run();
    expect(report).toEqual({ expiredPending: 1, expiredImages: 0, edgeEntriesReleased: 0, lateFinalized: 0, orphansDeleted: 0, objectsChecked: 0, cycleCompleted: true });
    expect(records.items.has('ExpiredExpiredExpired1')).toBe(false);
    expect(records.items.get('FreshFreshFreshFresh01')!.state).toBe('pending');
  });

  it('finalizes an expired upload whose bytes arrived but whose event was lost', async () => {
    const { records, objects, finalized, run } = sweepSetup();
    records.items.set(ID, pending(ID, { expiresAt: NOW_MS / 1000 - 1 }));
    putObject(objects, KEY, fixture('sample.gif'), young);
    const report = await run();
    expect(report.lateFinalized).toBe(1);
    expect(report.expiredPending).toBe(0);
    expect(finalized).toEqual([KEY]);
    expect(records.items.get(ID)).toMatchObject({ state: 'ready', format: 'gif', objectKey: `images/${ID}` });
    expect(objects.items.has(KEY)).toBe(false);
    expect(objects.items.has(`images/${ID}`)).toBe(true);
  });

  it('a finalize that failed all its retries is settled by the sweep, days later: pending records have no TTL', async () => {
    const { deps, records, objects, run } = sweepSetup();
    // The upload arrived 3 days ago; its link expired long since.
    records.items.set(ID, pending(ID, { expiresAt: NOW_MS / 1000 - 3 * 86_400 }));
    putObject(objects, KEY, fixture('sample.png'), new Date(NOW_MS - 3 * 86_400_000));
    // Lambda's three attempts all fail (storage down): the event goes to the dead-letter queue.
    objects.readError = Object.assign(new Error('down'), { name: 'ServiceUnavailable' });
    for (let attempt = 0; attempt < 3; attempt += 1) await expect(finalizeUpload(deps, KEY)).rejects.toThrow('down');
    objects.readError = undefined;
    // Nothing removed the record meanwhile (the images table has no TTL), so the sweep finds the
    // bytes and settles the upload instead of deleting them.
    expect(records.items.get(ID)!.state).toBe('pending');
    const report = await run();
    expect(report.lateFinalized).toBe(1);
    expect(records.items.get(ID)).toMatchObject({ state: 'ready', objectKey: `images/${ID}` });
    expect(objects.items.has(`images/${ID}`)).toBe(true);
  });

  it('ends when a full page of expired uploads can be neither settled nor removed (no endless loop)', async () => {
    const { records, objects, log } = setup();
    for (let i = 0; i < 150; i += 1) {
      const id = `Stuck${String(i).padStart(17, '0')}`;
      records.items.set(id, pending(id, { objectKey: `uploads/${id}`, expiresAt: NOW_MS / 1000 - 1 }));
      putObject(objects, `uploads/${id}`, fixture('sample.png'), young);
    }
    let calls = 0;
    // A finalize that cannot settle anything (e.g. storage refusing the update): records stay pending.
    const report = await sweep({ objects, records, position: new FakePosition(), finalize: async () => { calls += 1; return 'skipped'; }, log, now: () => NOW_MS });
    expect(calls).toBe(100);
    expect(report.lateFinalized).toBe(100);
    expect([...records.items.values()].filter((r) => r.state === 'pending')).toHaveLength(150);
  });

  it('deletes orphan objects past the grace period and keeps young ones and owned ones', async () => {
    const { records, objects, log, run } = sweepSetup();
    const png = fixture('sample.png');
    putObject(objects, 'images/OrphanOrphanOrphanOrph', png, old); // no record
    putObject(objects, 'images/YoungYoungYoungYoung1', png, young); // no record yet, but young
    putObject(objects, 'uploads/RejectedRejectedReject', png, old); // rejected record
    records.items.set('RejectedRejectedReject', pending('RejectedRejectedReject', { state: 'rejected', reason: 'x', expiresAt: undefined }));
    putObject(objects, 'images/OwnedOwnedOwnedOwned01', png, old); // ready record
    records.items.set('OwnedOwnedOwnedOwned01', {
      ...pending('OwnedOwnedOwnedOwned01', { state: 'ready', expiresAt: undefined }),
      objectKey: 'images/OwnedOwnedOwnedOwned01',
    });
    putObject(objects, 'images/not-an-image-id', png, old); // not ours at all: no id
    const report = await run();
    expect(report).toEqual({ expiredPending: 0, expiredImages: 0, edgeEntriesReleased: 0, lateFinalized: 0, orphansDeleted: 3, objectsChecked: 5, cycleCompleted: true });
    expect([...objects.items.keys()].sort()).toEqual(['images/OwnedOwnedOwnedOwned01', 'images/YoungYoungYoungYoung1']);
    expect(log.entries.filter((e) => e.message === 'orphan object deleted').map((e) => e.details.objectKey).sort()).toEqual([
      'images/OrphanOrphanOrphanOrph',
      'images/not-an-image-id',
      'uploads/RejectedRejectedReject',
    ]);
  });

  it('reports zeros on an empty bucket and table', async () => {
    expect(await sweepSetup().run()).toEqual({ expiredPending: 0, expiredImages: 0, edgeEntriesReleased: 0, lateFinalized: 0, orphansDeleted: 0, objectsChecked: 0, cycleCompleted: true });
  });
});
