import { describe, expect, it } from 'vitest';
import { finalizeUpload, HEAD_BYTES } from '../../functions/core/finalize';
import type { ImageRecord } from '../../functions/core/images';
import { sweep, ORPHAN_GRACE_MS } from '../../functions/core/sweep';
import { ACCOUNT, FakeObjects, FakeRecords, fixture, MemoryLog, NOW_MS, TEST_CONFIG } from './support/fakes';

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
  it('marks a valid upload ready with the sniffed type and rewrites the object Content-Type', async () => {
    const { deps, objects, records, events } = setup();
    records.items.set(ID, pending());
    const jpeg = fixture('sample.jpg');
    putObject(objects, KEY, jpeg);
    expect(await finalizeUpload(deps, KEY)).toBe('ready');
    expect(records.items.get(ID)).toEqual({
      id: ID,
      accountId: ACCOUNT,
      objectKey: KEY,
      state: 'ready',
      createdAt: new Date(NOW_MS).toISOString(),
      format: 'jpeg',
      contentType: 'image/jpeg',
      width: 64,
      height: 48,
      size: jpeg.byteLength,
    });
    expect(objects.items.get(KEY)!.contentType).toBe('image/jpeg');
    expect(events).toEqual([`objects.setContentType ${KEY} image/jpeg`, `records.settle ${ID} ready`]);
  });

  it('reads only the head and the tail of a large object', async () => {
    const { deps, objects, records } = setup();
    records.items.set(ID, pending());
    // A BMP padded past HEAD_BYTES: the header says the file is that long, so it is complete.
    const bmp = Buffer.alloc(HEAD_BYTES + 200_000);
    fixture('sample.bmp').copy(bmp);
    bmp.writeUInt32LE(bmp.byteLength, 2);
    putObject(objects, KEY, bmp);
    const ranges: Array<[number, number]> = [];
    const range = objects.range.bind(objects);
    objects.range = async (key, start, end) => {
      ranges.push([start, end]);
      return range(key, start, end);
    };
    expect(await finalizeUpload(deps, KEY)).toBe('ready');
    expect(ranges).toEqual([
      [0, HEAD_BYTES - 1],
      [bmp.byteLength - 64 * 1024, bmp.byteLength - 1],
    ]);
  });

  it.each([
    ['an SVG', fixture('script.svg'), /^Invalid image format/],
    ['a HEIC', fixture('sample.heic'), /^Invalid image format/],
    ['a truncated PNG', fixture('sample.png').subarray(0, 200), /^Invalid image format: the file is truncated/],
  ])('rejects %s with the reason and deletes the object', async (_name, bytes, reason) => {
    const { deps, objects, records, log } = setup();
    records.items.set(ID, pending());
    putObject(objects, KEY, bytes);
    expect(await finalizeUpload(deps, KEY)).toBe('rejected');
    const record = records.items.get(ID)!;
    expect(record.state).toBe('rejected');
    expect(record.reason).toMatch(reason);
    expect(objects.items.has(KEY)).toBe(false);
    expect(log.entries).toEqual([{ level: 'warn', message: 'large upload rejected', details: { imageId: ID, reason: record.reason } }]);
  });

  it('rejects an upload over the large-upload limit with a 413 reason', async () => {
    const { deps, objects, records } = setup();
    records.items.set(ID, pending());
    putObject(objects, KEY, fixture('sample.png'));
    const small = { ...deps, limits: { ...deps.limits, maxLargeImageBytes: 1000 } };
    expect(await finalizeUpload(small, KEY)).toBe('rejected');
    expect(records.items.get(ID)!.reason).toContain('1000 bytes');
  });

  it('is idempotent: a second run for the same object is skipped and changes nothing', async () => {
    const { deps, objects, records, events } = setup();
    records.items.set(ID, pending());
    putObject(objects, KEY, fixture('sample.png'));
    expect(await finalizeUpload(deps, KEY)).toBe('ready');
    const after = records.items.get(ID);
    events.length = 0;
    expect(await finalizeUpload(deps, KEY)).toBe('skipped');
    expect(records.items.get(ID)).toBe(after);
    expect(events).toEqual([]);
  });

  it('skips an object with no record, leaving the bytes to the sweep', async () => {
    const { deps, objects, events } = setup();
    putObject(objects, KEY, fixture('sample.png'));
    expect(await finalizeUpload(deps, KEY)).toBe('skipped');
    expect(objects.items.has(KEY)).toBe(true);
    expect(events).toEqual([]);
  });

  it.each([['images/LargeLargeLargeLarge01'], ['uploads/short'], ['other/thing']])('skips key %s that is not a pending upload of ours', async (key) => {
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
    objects.range = () => Promise.reject(outage);
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
    expect(report).toEqual({ expiredPending: 1, lateFinalized: 0, orphansDeleted: 0, objectsChecked: 0 });
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
    expect(records.items.get(ID)).toMatchObject({ state: 'ready', format: 'gif' });
    expect(objects.items.has(KEY)).toBe(true);
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
    const report = await sweep({ objects, records, finalize: async () => { calls += 1; return 'skipped'; }, log, now: () => NOW_MS });
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
    expect(report).toEqual({ expiredPending: 0, lateFinalized: 0, orphansDeleted: 3, objectsChecked: 5 });
    expect([...objects.items.keys()].sort()).toEqual(['images/OwnedOwnedOwnedOwned01', 'images/YoungYoungYoungYoung1']);
    expect(log.entries.filter((e) => e.message === 'orphan object deleted').map((e) => e.details.objectKey).sort()).toEqual([
      'images/OrphanOrphanOrphanOrph',
      'images/not-an-image-id',
      'uploads/RejectedRejectedReject',
    ]);
  });

  it('reports zeros on an empty bucket and table', async () => {
    expect(await sweepSetup().run()).toEqual({ expiredPending: 0, lateFinalized: 0, orphansDeleted: 0, objectsChecked: 0 });
  });
});
