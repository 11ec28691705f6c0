import { type EdgeReleaseSchedule, HOUR_MS, releaseDueEntries, releaseHour } from './edge-releases';
import type { EdgeStore } from './edge-entries';
import type { ImageRecord, Log } from './images';
import { DIRECT_PREFIX, IMAGE_ID_PATTERN, LARGE_UPLOAD_PREFIX, VARIANT_PREFIX } from './ids';

/** Objects younger than this are never treated as orphans: their record may be a moment away. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

/**
 * Objects one run looks at, at most. With the 15-minute schedule a cycle over 1,000,000 objects
 * takes 50 runs (12.5 hours); one run is 20 list pages and 200 batched record reads.
 */
export const SWEEP_OBJECTS_PER_RUN = 20_000;
/** Expired pending uploads one run settles or removes, at most (pages of 100). */
export const SWEEP_PENDING_PER_RUN = 1_000;
/** Expired images one run removes, at most (pages of 100): 4,000 an hour on the 15-minute schedule. */
export const SWEEP_EXPIRED_PER_RUN = 1_000;
/** ListObjectsV2 returns at most 1,000 keys a page; BatchGetItem reads at most 100 items. */
const LIST_PAGE = 1_000;
const BATCH_GET = 100;

export interface ListedObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** Port: where the sweep stopped, so the next run continues there (a key; undefined = the start). */
export interface SweepPosition {
  load(): Promise<string | undefined>;
  save(after: string | undefined): Promise<void>;
}

export interface SweepDeps {
  readonly objects: {
    /** Keys of the whole bucket in S3's (lexicographic) order, after `startAfter`. */
    listPage(startAfter: string | undefined, maxKeys: number): Promise<{ objects: ListedObject[]; truncated: boolean }>;
    size(key: string): Promise<number | undefined>;
    delete(key: string): Promise<void>;
  };
  readonly records: {
    /** The records of these ids (at most 100), by id; ids without a record are absent. */
    getMany(ids: readonly string[]): Promise<Map<string, ImageRecord>>;
    expiredPending(nowSeconds: number, limit?: number): Promise<ImageRecord[]>;
    deletePending(id: string): Promise<boolean>;
  };
  readonly position: SweepPosition;
  /** Settles an upload whose bytes arrived but whose event was lost. */
  readonly finalize: (key: string) => Promise<unknown>;
  /** Discards the parts of an expired multipart upload (S3's AbortMultipartUpload). */
  readonly abortMultipart?: (key: string, uploadId: string) => Promise<void>;
  readonly log: Log;
  readonly now?: () => number;
  /** Defaults to {@link SWEEP_OBJECTS_PER_RUN}. */
  readonly maxObjects?: number;
  /** True when the run must stop (the function's time is nearly up); checked between pages. */
  readonly outOfTime?: () => boolean;
  /**
   * Expiring images and the edge's store (docs/edge.md): expired images are removed (object, then
   * record; the object's removal puts the id on the deny-list and deletes its variants), and the
   * store's entries whose time has come leave it.
   */
  readonly edge?: {
    readonly images: {
      expiredImages(nowSeconds: number, limit?: number): Promise<ImageRecord[]>;
      delete(id: string, accountId: string): Promise<boolean>;
    };
    readonly store: EdgeStore;
    readonly releases: EdgeReleaseSchedule;
    readonly edgeTtlSeconds: number;
  };
}

export interface SweepReport {
  expiredPending: number;
  /** Images past their `expires_at`, removed. */
  expiredImages: number;
  /** Entries that left the edge's store. */
  edgeEntriesReleased: number;
  lateFinalized: number;
  orphansDeleted: number;
  objectsChecked: number;
  /** The run reached the end of the bucket: the next one starts a new cycle from the start. */
  cycleCompleted: boolean;
}

export type Owner =
  | { readonly kind: 'image' | 'upload' | 'variant'; readonly id: string }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'foreign' };

const IMAGE_KEY = /* @__PURE__ */ new RegExp(`^${DIRECT_PREFIX}(${IMAGE_ID_PATTERN})$`);
const UPLOAD_KEY = /* @__PURE__ */ new RegExp(`^${LARGE_UPLOAD_PREFIX}(${IMAGE_ID_PATTERN})$`);
const VARIANT_KEY = /* @__PURE__ */ new RegExp(`^${VARIANT_PREFIX}(${IMAGE_ID_PATTERN})/.+$`);

/** Which image an object belongs to, judged by its key alone. */
export function ownerOf(key: string): Owner {
  let match = IMAGE_KEY.exec(key);
  if (match) return { kind: 'image', id: match[1] };
  match = UPLOAD_KEY.exec(key);
  if (match) return { kind: 'upload', id: match[1] };
  match = VARIANT_KEY.exec(key);
  if (match) return { kind: 'variant', id: match[1] };
  // Under our prefixes but not a key we write: nothing can ever own it.
  if ([DIRECT_PREFIX, LARGE_UPLOAD_PREFIX, VARIANT_PREFIX].some((prefix) => key.startsWith(prefix))) return { kind: 'malformed' };
  return { kind: 'foreign' };
}

/**
 * Whether an object past its grace period is still owned:
 * - `images/<id>`: only by a ready record that names it (published bytes);
 * - `uploads/<id>`: by its pending record (bytes on their way to being checked), or by a ready
 *   record that still serves from there; otherwise (settled and copied, rejected, gone) not;
 * - `variants/<id>/...`: by any record of its image; deleted once the image is gone.
 */
export function isOwned(owner: Owner, key: string, record: ImageRecord | undefined): boolean {
  switch (owner.kind) {
    case 'foreign':
      return true;
    case 'malformed':
      return false;
    case 'image':
      return record?.state === 'ready' && record.objectKey === key;
    case 'upload':
      return record !== undefined && (record.state === 'pending' || (record.state === 'ready' && record.objectKey === key));
    case 'variant':
      return record !== undefined;
  }
}

/**
 * The safety net behind "nothing is lost or left half-written": removes pending uploads that
 * never arrived (aborting their multipart upload, if any), settles those whose event was lost,
 * and deletes objects no record owns.
 *
 * Bounded per run, complete per cycle: each run lists at most `maxObjects` keys of the bucket
 * in S3's order, starting after the position the previous run saved (saved after every page,
 * so a run cut short keeps its progress), reads their records 100 at a time, and at the end of
 * the bucket starts again from the beginning. Every object is therefore checked once per cycle
 * of ceil(objects / maxObjects) runs, however large the bucket grows.
 */
export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.now?.() ?? Date.now();
  const report: SweepReport = { expiredPending: 0, expiredImages: 0, edgeEntriesReleased: 0, lateFinalized: 0, orphansDeleted: 0, objectsChecked: 0, cycleCompleted: false };
  const outOfTime = deps.outOfTime ?? (() => false);

  // Page by page; a record that could be neither settled nor removed comes back in the next
  // page, so one seen before ends the loop instead of spinning on it (the next sweep retries).
  const seen = new Set<string>();
  while (seen.size < SWEEP_PENDING_PER_RUN && !outOfTime()) {
    const page = await deps.records.expiredPending(Math.floor(now / 1000));
    const expired = page.filter((record) => !seen.has(record.id));
    if (expired.length === 0) break;
    for (const record of expired) {
      seen.add(record.id);
      if ((await deps.objects.size(record.objectKey)) !== undefined) {
        await deps.finalize(record.objectKey);
        report.lateFinalized += 1;
      } else {
        // The parts first: a record removed before them would leave nothing to find them by.
        if (record.multipart) await deps.abortMultipart?.(record.objectKey, record.multipart.uploadId);
        if (await deps.records.deletePending(record.id)) {
          report.expiredPending += 1;
          // Its bytes were never published, so nothing of it is cached: its entry can go at once.
          if (deps.edge && (record.visibility === 'private' || record.imageExpiresAt !== undefined)) {
            await deps.edge.releases.add(Math.floor(now / HOUR_MS), [record.id]);
          }
        }
      }
    }
    if (page.length < 100) break;
  }

  if (deps.edge) {
    await removeExpiredImages(deps.edge, deps.objects, now, report, outOfTime);
    report.edgeEntriesReleased = await releaseDueEntries({ edge: deps.edge.store, releases: deps.edge.releases }, now, deps.edge.edgeTtlSeconds);
  }

  const maxObjects = deps.maxObjects ?? SWEEP_OBJECTS_PER_RUN;
  let after = await deps.position.load();
  while (report.objectsChecked < maxObjects && !outOfTime()) {
    const page = await deps.objects.listPage(after, Math.min(LIST_PAGE, maxObjects - report.objectsChecked));
    await checkObjects(deps, page.objects, now, report);
    report.objectsChecked += page.objects.length;
    if (page.objects.length > 0) after = page.objects[page.objects.length - 1].key;
    if (!page.truncated) {
      after = undefined;
      report.cycleCompleted = true;
    }
    await deps.position.save(after);
    if (report.cycleCompleted) break;
  }
  return report;
}

/** Removes images whose expiry has passed: the object first (its removal event denies the id at the edge), then the record. */
async function removeExpiredImages(
  edge: NonNullable<SweepDeps['edge']>,
  objects: Pick<SweepDeps['objects'], 'delete'>,
  now: number,
  report: SweepReport,
  outOfTime: () => boolean,
): Promise<void> {
  const seen = new Set<string>();
  while (seen.size < SWEEP_EXPIRED_PER_RUN && !outOfTime()) {
    const page = await edge.images.expiredImages(Math.floor(now / 1000));
    const expired = page.filter((record) => !seen.has(record.id));
    if (expired.length === 0) break;
    for (const record of expired) {
      seen.add(record.id);
      await objects.delete(record.objectKey);
      if (await edge.images.delete(record.id, record.accountId)) report.expiredImages += 1;
      // A pending one's object is under uploads/, whose removal denies nothing: its entry leaves on schedule.
      await edge.releases.add(releaseHour(now, edge.edgeTtlSeconds), [record.id]);
    }
    if (page.length < 100) break;
  }
}

async function checkObjects(deps: SweepDeps, objects: readonly ListedObject[], now: number, report: SweepReport): Promise<void> {
  const old = objects
    .filter((object) => now - object.lastModified.getTime() >= ORPHAN_GRACE_MS)
    .map((object) => ({ key: object.key, owner: ownerOf(object.key) }));
  const ids = [...new Set(old.flatMap(({ owner }) => ('id' in owner ? [owner.id] : [])))];
  const records = new Map<string, ImageRecord>();
  for (let start = 0; start < ids.length; start += BATCH_GET) {
    for (const [id, record] of await deps.records.getMany(ids.slice(start, start + BATCH_GET))) records.set(id, record);
  }
  for (const object of old) {
    const { owner } = object;
    if (isOwned(owner, object.key, 'id' in owner ? records.get(owner.id) : undefined)) continue;
    await deps.objects.delete(object.key);
    report.orphansDeleted += 1;
    deps.log.warn('orphan object deleted', { objectKey: object.key });
  }
}
