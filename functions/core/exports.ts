import { randomBytes } from 'node:crypto';
import { NotFoundError } from './errors';
import type { ImageFormat } from './formats/registry';
import { type ApiImage, type ImageRecord, type RecordPage, toApiImage } from './images';

/**
 * Exports (docs/apps.md): a zip of an account's originals, exactly as stored and served, with a
 * JSON of their records, built asynchronously by its own function into a private prefix and
 * offered behind a link that expires. The request is an object under `export-requests/`, whose
 * creation starts the builder (a bucket notification, like finalize's), so a request outlives
 * any crash of the function that made it and the builder's failures are retried.
 */

export type ExportState = 'pending' | 'building' | 'ready' | 'failed';

export interface ExportRecord {
  readonly accountId: string;
  readonly id: string;
  readonly state: ExportState;
  readonly createdAt: string;
  /** Unix seconds: the record's TTL, and when the zip is no longer offered (the bucket's lifecycle removes it). */
  readonly expiresAt: number;
  /** Where the zip is, once ready. */
  readonly objectKey?: string;
  readonly size?: number;
  readonly imageCount?: number;
  readonly finishedAt?: string;
  readonly reason?: string;
}

/** Where exports are written: private (the CDN serves `images/` only), removed by the bucket after {@link EXPORT_LIFETIME_DAYS}. */
export const EXPORT_PREFIX = 'exports/';
/** Where export requests are written; their creation runs the builder. */
export const EXPORT_REQUEST_PREFIX = 'export-requests/';
/** How long an export is kept and offered. S3 lifecycle rules count whole days. */
export const EXPORT_LIFETIME_DAYS = 7;
/** Lifetime of one download link; each status read signs a fresh one. */
export const EXPORT_LINK_SECONDS = 3600;
/**
 * The most bytes of originals one export holds. The builder streams (memory does not grow with
 * the export), so the bound is time: 15 minutes of Lambda at a sustained 25 MB/s from S3 to S3
 * is 22 GB; 10 GiB leaves room (docs/apps.md).
 */
export const MAX_EXPORT_BYTES = 10 * 1024 ** 3;
/** An export still pending or building after this long is taken for stalled, and a new one may start. */
export const EXPORT_STALLED_SECONDS = 30 * 60;

const EXPORT_ID = /^exp_[A-Za-z0-9_-]{22}$/;
const REQUEST_KEY = /^export-requests\/([A-Za-z0-9_-]{1,64})\/(exp_[A-Za-z0-9_-]{22})$/;

export function newExportId(): string {
  return `exp_${randomBytes(16).toString('base64url')}`;
}

export function isExportId(value: unknown): value is string {
  return typeof value === 'string' && EXPORT_ID.test(value);
}

export function exportRequestKey(accountId: string, id: string): string {
  return `${EXPORT_REQUEST_PREFIX}${accountId}/${id}`;
}

export function exportObjectKey(accountId: string, id: string): string {
  return `${EXPORT_PREFIX}${accountId}/${id}.zip`;
}

/** The account and export of a request key, or undefined for any other key. */
export function parseExportRequestKey(key: string): { readonly accountId: string; readonly id: string } | undefined {
  const match = REQUEST_KEY.exec(key);
  return match ? { accountId: match[1], id: match[2] } : undefined;
}

/** Port: export records (functions/adapters/dynamo-exports.ts). */
export interface ExportRecords {
  create(record: ExportRecord): Promise<void>;
  get(accountId: string, id: string): Promise<ExportRecord | undefined>;
  /** The account's exports, newest first, at most `limit`. */
  recent(accountId: string, limit: number): Promise<ExportRecord[]>;
  /** Moves an export to a new state with the fields that come with it; false when it was not in one of `from`. */
  update(accountId: string, id: string, change: Partial<Omit<ExportRecord, 'accountId' | 'id' | 'createdAt'>>, from: readonly ExportState[]): Promise<boolean>;
}

/** What the builder reads from a request object. */
export interface ExportRequest {
  readonly accountId: string;
  readonly id: string;
  /** The base of image `url`s in the records JSON (as the client that asked called the API). */
  readonly baseUrl: string;
}

/** Port: export request objects and download links (S3). */
export interface ExportRequests {
  write(key: string, request: ExportRequest): Promise<void>;
}

export interface ExportLinks {
  downloadLink(key: string, expiresIn: number): Promise<string>;
}

/** The export as the API shows it. */
export interface ApiExport {
  readonly id: string;
  readonly state: ExportState | 'expired';
  readonly created_at: string;
  readonly expires_at: string;
  readonly finished_at: string | null;
  readonly image_count: number | null;
  readonly size: number | null;
  /** A presigned GET of the zip while ready (expires at `url_expires_at`); null otherwise. */
  readonly url: string | null;
  readonly url_expires_at: string | null;
  readonly reason?: string;
}

export interface StartExportDeps {
  readonly exports: Pick<ExportRecords, 'create' | 'recent'>;
  readonly requests: ExportRequests;
}

function unfinished(record: ExportRecord, nowMs: number): boolean {
  return (record.state === 'pending' || record.state === 'building') && nowMs - Date.parse(record.createdAt) < EXPORT_STALLED_SECONDS * 1000;
}

/**
 * Starts an export of the account, or answers the one still under way (one at a time: each
 * reads every original). The record first, then the request that starts the builder: a request
 * always finds its record.
 */
export async function startExport(deps: StartExportDeps, accountId: string, baseUrl: string, now: Date): Promise<{ readonly record: ExportRecord; readonly started: boolean }> {
  const running = (await deps.exports.recent(accountId, 5)).find((record) => unfinished(record, now.getTime()));
  if (running) return { record: running, started: false };
  const record: ExportRecord = {
    accountId,
    id: newExportId(),
    state: 'pending',
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + EXPORT_LIFETIME_DAYS * 86_400,
  };
  await deps.exports.create(record);
  await deps.requests.write(exportRequestKey(accountId, record.id), { accountId, id: record.id, baseUrl });
  return { record, started: true };
}

/** The API's view of an export, with a fresh link when it is ready and not expired. */
export async function toApiExport(links: ExportLinks, record: ExportRecord, nowMs: number): Promise<ApiExport> {
  const expired = nowMs >= record.expiresAt * 1000;
  const ready = record.state === 'ready' && !expired && record.objectKey !== undefined;
  const linkSeconds = ready ? Math.min(EXPORT_LINK_SECONDS, Math.floor(record.expiresAt - nowMs / 1000)) : 0;
  return {
    id: record.id,
    state: expired ? 'expired' : record.state,
    created_at: record.createdAt,
    expires_at: new Date(record.expiresAt * 1000).toISOString(),
    finished_at: record.finishedAt ?? null,
    image_count: record.imageCount ?? null,
    size: record.size ?? null,
    url: ready ? await links.downloadLink(record.objectKey!, linkSeconds) : null,
    url_expires_at: ready ? new Date(nowMs + linkSeconds * 1000).toISOString() : null,
    ...(record.reason !== undefined ? { reason: record.reason } : {}),
  };
}

export class ExportNotFoundError extends NotFoundError {
  constructor() {
    super('Export not found');
  }
}

/** The account's export `id` (any value from a path), or a 404. */
export async function ownExport(exports: Pick<ExportRecords, 'get'>, accountId: string, id: unknown): Promise<ExportRecord> {
  if (!isExportId(id)) throw new ExportNotFoundError();
  const record = await exports.get(accountId, id);
  if (!record) throw new ExportNotFoundError();
  return record;
}

/** File extension of each format inside the zip. */
const EXTENSIONS: Readonly<Record<ImageFormat, string>> = { jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp', avif: 'avif', bmp: 'bmp', tiff: 'tiff' };

/** One original in the zip: its stored object, under `images/<id>.<ext>`. */
export interface ArchiveEntry {
  readonly name: string;
  readonly objectKey: string;
  readonly size: number;
  readonly modified: Date;
}

/** Port: writes the zip of `entries` (read from the bucket as stored) and `records.json`; its size. */
export interface ExportArchive {
  write(key: string, entries: readonly ArchiveEntry[], recordsJson: Uint8Array): Promise<{ readonly size: number }>;
}

export interface BuildExportDeps {
  readonly exports: Pick<ExportRecords, 'get' | 'update'>;
  readonly records: { listByAccount(accountId: string, limit: number, after?: string): Promise<RecordPage> };
  readonly archive: ExportArchive;
  readonly now?: () => Date;
}

/** The records JSON of an export: every exported image as the API shows it, with its file in the zip. */
export interface ExportedRecords {
  readonly account_id: string;
  readonly exported_at: string;
  readonly images: Array<ApiImage & { readonly file: string }>;
}

export type BuildOutcome = 'ready' | 'failed' | 'skipped';

/** Past its `expires_at` an image is gone for everyone (the edge answers 404, the sweep removes it): not exported. */
function expired(image: ImageRecord, nowMs: number): boolean {
  return image.imageExpiresAt !== undefined && image.imageExpiresAt * 1000 <= nowMs;
}

/**
 * Builds the export a request names: every ready image of the account, private ones included
 * and expired ones not (a page of 100 records at a time), then one zip, streamed to the bucket. Safe to repeat: an export already ready is
 * left as it is; a failed or interrupted one is built again from the start (a failure is
 * recorded, then rethrown for Lambda to retry). Over
 * {@link MAX_EXPORT_BYTES} it fails at once, with the reason.
 */
export async function buildExport(deps: BuildExportDeps, request: ExportRequest): Promise<BuildOutcome> {
  const now = () => deps.now?.() ?? new Date();
  const record = await deps.exports.get(request.accountId, request.id);
  if (!record || record.state === 'ready') return 'skipped';
  if (!(await deps.exports.update(request.accountId, request.id, { state: 'building' }, ['pending', 'building', 'failed']))) return 'skipped';
  const images: ImageRecord[] = [];
  const startedAt = now().getTime();
  let after: string | undefined;
  do {
    const page = await deps.records.listByAccount(request.accountId, 100, after);
    images.push(...page.records.filter((image) => image.state === 'ready' && image.size !== undefined && !expired(image, startedAt)));
    after = page.after;
  } while (after);
  const total = images.reduce((sum, image) => sum + (image.size ?? 0), 0);
  if (total > MAX_EXPORT_BYTES) {
    const reason = `The originals hold ${total} bytes, over the ${MAX_EXPORT_BYTES} bytes one export can hold`;
    await deps.exports.update(request.accountId, request.id, { state: 'failed', reason, finishedAt: now().toISOString() }, ['building']);
    return 'failed';
  }
  const entries = images.map((image) => ({
    name: `images/${image.id}.${EXTENSIONS[image.format ?? 'jpeg']}`,
    objectKey: image.objectKey,
    size: image.size ?? 0,
    modified: new Date(image.createdAt),
  }));
  const exported: ExportedRecords = {
    account_id: request.accountId,
    exported_at: now().toISOString(),
    images: images.map((image, i) => ({ ...toApiImage(image, request.baseUrl), file: entries[i].name })),
  };
  const objectKey = exportObjectKey(request.accountId, request.id);
  let size: number;
  try {
    ({ size } = await deps.archive.write(objectKey, entries, Buffer.from(`${JSON.stringify(exported, null, 2)}\n`, 'utf8')));
  } catch (error) {
    // Shown until Lambda's retry (the error is rethrown) builds it again from the start.
    await deps.exports.update(request.accountId, request.id, { state: 'failed', reason: 'The export could not be built', finishedAt: now().toISOString() }, ['building']);
    throw error;
  }
  await deps.exports.update(request.accountId, request.id, { state: 'ready', objectKey, size, imageCount: images.length, finishedAt: now().toISOString() }, ['building']);
  return 'ready';
}
