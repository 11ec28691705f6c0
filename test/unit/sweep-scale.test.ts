import { describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../functions/core/images';
import { ORPHAN_GRACE_MS, SWEEP_OBJECTS_PER_RUN, sweep, type SweepReport } from '../../functions/core/sweep';
import { FakePosition, MemoryLog, NOW_MS } from './support/fakes';

/**
 * The sweep over a bucket of 1,000,000 objects. Each run does bounded work
 * (list pages, batched record reads, objects checked); a cycle of runs checks every object
 * exactly once and deletes exactly the objects nothing owns.
 *
 * The bucket is a lazy fake: object i has a key derived from i, in S3's lexicographic order
 * (images/ < uploads/ < variants/, ids in a sorted base-64 alphabet), so no million strings sit in memory.
 */
const N = 1_000_000;
const IMAGES_END = 800_000; // [0, 800k): images/<id>
const UPLOADS_END = 900_000; // [800k, 900k): uploads/<id>; [900k, 1M): variants/<id>/w100.webp
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'; // ASCII order

/** i < 64^4: 18 leading '-' (the smallest digit) and four base-64 digits, cheap to make and read. */
const PAD = '-'.repeat(18);
function idOf(i: number): string {
  return PAD + ALPHABET[(i >> 18) & 63] + ALPHABET[(i >> 12) & 63] + ALPHABET[(i >> 6) & 63] + ALPHABET[i & 63];
}
const DIGIT = new Map([...ALPHABET].map((c, i) => [c, i]));
function indexOfId(id: string): number {
  return (DIGIT.get(id[18])! << 18) | (DIGIT.get(id[19])! << 12) | (DIGIT.get(id[20])! << 6) | DIGIT.get(id[21])!;
}
function keyOf(i: number): string {
  if (i < IMAGES_END) return `images/${idOf(i)}`;
  if (i < UPLOADS_END) return `uploads/${idOf(i)}`;
  return `variants/${idOf(i)}/w100.webp`;
}
function indexOfKey(key: string): number {
  return indexOfId(key.split('/')[1]);
}
const isYoung = (i: number): boolean => i % 1000 === 7;
const OLD = new Date(NOW_MS - ORPHAN_GRACE_MS - 60_000);
const YOUNG = new Date(NOW_MS - 1000);

/** The record of object i's image, as the spec cases need: a mix of every kind of owner. */
function recordOf(i: number): ImageRecord | undefined {
  const id = idOf(i);
  const base = { id, accountId: 'acct_x', createdAt: '2026-11-01T00:00:00.000Z' };
  switch (i % 10) {
    case 3:
      return undefined; // no record: an orphan of a failed cleanup, or a deleted image's variant
    case 4:
      return { ...base, objectKey: `uploads/${id}`, state: 'rejected', reason: 'x' };
    case 5:
      return { ...base, objectKey: `uploads/${id}`, state: 'pending', expiresAt: NOW_MS / 1000 + 600 };
    default:
      return { ...base, objectKey: `images/${id}`, state: 'ready' };
  }
}

/** What the spec says happens to object i (docs/security-and-reliability.md: which records own which objects). */
function shouldDelete(i: number): boolean {
  if (isYoung(i)) return false;
  const kind = i % 10; // recordOf: 3 none, 4 rejected, 5 pending, else ready at images/<id>
  if (i < IMAGES_END) return kind === 3 || kind === 4 || kind === 5; // kept only with a ready record naming it
  if (i < UPLOADS_END) return kind !== 5; // kept only while pending
  return kind === 3; // a variant goes with its image record
}

class MillionObjects {
  readonly deleted = new Uint8Array(N);
  readonly visits = new Uint8Array(N);
  listCalls = 0;

  async listPage(startAfter: string | undefined, maxKeys: number) {
    this.listCalls += 1;
    if (maxKeys > 1000) throw new Error(`asked for ${maxKeys} keys: S3 returns 1,000 at most`);
    let i = startAfter === undefined ? 0 : indexOfKey(startAfter) + 1;
    const objects: Array<{ key: string; lastModified: Date }> = [];
    for (; i < N && objects.length < maxKeys; i += 1) {
      if (this.deleted[i]) continue;
      this.visits[i] += 1;
      objects.push({ key: keyOf(i), lastModified: isYoung(i) ? YOUNG : OLD });
    }
    while (i < N && this.deleted[i]) i += 1;
    return { objects, truncated: i < N };
  }
  async size(): Promise<number | undefined> {
    return undefined;
  }
  async delete(key: string): Promise<void> {
    const i = indexOfKey(key);
    // A plain check, not expect(): this runs a few hundred thousand times.
    if (this.deleted[i]) throw new Error(`${key} deleted twice`);
    this.deleted[i] = 1;
  }
}

class MillionRecords {
  getManyCalls = 0;
  async getMany(ids: readonly string[]): Promise<Map<string, ImageRecord>> {
    this.getManyCalls += 1;
    if (ids.length > 100) throw new Error(`${ids.length} ids: BatchGetItem reads 100 at most`);
    const found = new Map<string, ImageRecord>();
    for (const id of ids) {
      const record = recordOf(indexOfId(id));
      if (record) found.set(id, record);
    }
    return found;
  }
  async expiredPending(): Promise<ImageRecord[]> {
    return [];
  }
  async deletePending(): Promise<boolean> {
    return false;
  }
}

const quietLog = (): MemoryLog => Object.assign(new MemoryLog(), { warn() {} });

describe('the sweep over 1,000,000 objects', () => {
  it('does bounded work per run, and one cycle of runs checks every object once and deletes exactly the orphans', async () => {
    const objects = new MillionObjects();
    const records = new MillionRecords();
    const position = new FakePosition();
    const reports: SweepReport[] = [];
    const maxRuns = Math.ceil(N / SWEEP_OBJECTS_PER_RUN) + 1;
    for (let run = 0; run < maxRuns; run += 1) {
      const list = objects.listCalls;
      const reads = records.getManyCalls;
      const report = await sweep({ objects, records, position, finalize: async () => undefined, log: quietLog(), now: () => NOW_MS });
      reports.push(report);
      // Bounded: at most SWEEP_OBJECTS_PER_RUN objects, 20 list pages and 200 batched reads a run.
      expect(report.objectsChecked).toBeLessThanOrEqual(SWEEP_OBJECTS_PER_RUN);
      expect(objects.listCalls - list).toBeLessThanOrEqual(SWEEP_OBJECTS_PER_RUN / 1000);
      expect(records.getManyCalls - reads).toBeLessThanOrEqual(SWEEP_OBJECTS_PER_RUN / 100);
      if (report.cycleCompleted) break;
    }
    const last = reports[reports.length - 1];
    expect(last.cycleCompleted).toBe(true);
    expect(reports.filter((r) => r.cycleCompleted)).toHaveLength(1);
    expect(reports.length).toBeLessThanOrEqual(maxRuns);
    expect(reports.slice(0, -1).every((r) => r.objectsChecked === SWEEP_OBJECTS_PER_RUN)).toBe(true);

    // Complete: every object was listed exactly once in the cycle.
    let unvisited = 0;
    let twice = 0;
    let wrong = 0;
    let deleted = 0;
    for (let i = 0; i < N; i += 1) {
      if (objects.visits[i] === 0) unvisited += 1;
      if (objects.visits[i] > 1) twice += 1;
      if (objects.deleted[i] !== (shouldDelete(i) ? 1 : 0)) wrong += 1;
      deleted += objects.deleted[i];
    }
    expect({ unvisited, twice, wrong }).toEqual({ unvisited: 0, twice: 0, wrong: 0 });
    expect(reports.reduce((sum, r) => sum + r.objectsChecked, 0)).toBe(N);
    expect(reports.reduce((sum, r) => sum + r.orphansDeleted, 0)).toBe(deleted);
    expect(deleted).toBeGreaterThan(100_000);
    // The next run starts the next cycle from the beginning.
    expect(position.after).toBeUndefined();
  }, 120_000);

  it('keeps its progress when a run is cut short by time, and goes on from there', async () => {
    const objects = new MillionObjects();
    const records = new MillionRecords();
    const position = new FakePosition();
    let pages = 0;
    const cut = await sweep({
      objects,
      records,
      position,
      finalize: async () => undefined,
      log: quietLog(),
      now: () => NOW_MS,
      // Time runs out after three pages.
      outOfTime: () => objects.listCalls - pages >= 3,
    });
    expect(cut.objectsChecked).toBe(3000);
    expect(position.after).toBe(keyOf(2999));
    pages = objects.listCalls;
    const next = await sweep({ objects, records, position, finalize: async () => undefined, log: quietLog(), now: () => NOW_MS, maxObjects: 1000 });
    expect(next.objectsChecked).toBe(1000);
    expect(objects.visits[3000]).toBe(1);
    expect(objects.visits[2999]).toBe(1);
    expect(position.after).toBe(keyOf(3999));
  });
});
