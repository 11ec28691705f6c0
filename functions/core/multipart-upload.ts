import { BadRequestError, HttpError } from './errors';
import { LARGE_UPLOAD_PREFIX, newImageId, objectKeyFor } from './ids';
import { metadataLookups, putLookups } from './image-lookups';
import { type ImageRecord, type ImageRecords, type MultipartState, ownImage } from './images';
import { enterAtEdge, type LargeUploadDeps, type LargeUploadOptions, PENDING_GRACE_SECONDS, type UploadRequest } from './large-upload';
import type { UserMetadata } from './user-metadata';

export type { MultipartState } from './images';

/**
 * Resumable large uploads (docs/api.md, "Resumable uploads"): S3 multipart with presigned part
 * URLs. Imager owns the multipart upload: it creates it when the upload starts, signs each part
 * for its exact length, lists what S3 has (to resume), completes and aborts it. The client only
 * sends part bytes to S3. The completed object lands in `uploads/<id>` like any large upload,
 * and finalize checks and publishes it (core/finalize.ts), so every guarantee of the single
 * request flows holds: whatever reaches S3 after the upload is completed is never published.
 */

const MiB = 1024 * 1024;
/** S3: every part but the last is at least 5 MiB. */
export const MIN_PART_BYTES = 5 * MiB;
/** S3: a part is at most 5 GiB. */
export const MAX_PART_BYTES = 5 * 1024 * MiB;
/** S3: an upload has at most 10,000 parts. */
export const MAX_PARTS = 10_000;
/** Part numbers one signing request may ask for (each answer carries one URL per part). */
export const MAX_PARTS_PER_SIGNING = 100;
/**
 * How long a multipart upload may be resumed, from its start: a day, as long as the bucket keeps
 * an incomplete multipart upload (its AbortIncompleteMultipartUpload rule, lib/storage.ts).
 * Each part URL itself lives for the presigned-URL lifetime and is signed again when needed.
 */
export const MULTIPART_UPLOAD_SECONDS = 24 * 60 * 60;

/** The number of parts of an upload. */
export function partCount(state: Pick<MultipartState, 'size' | 'partSize'>): number {
  return Math.ceil(state.size / state.partSize);
}

/** The exact length of part `partNumber` (1-based): `partSize`, and the rest for the last one. */
export function partLength(state: Pick<MultipartState, 'size' | 'partSize'>, partNumber: number): number {
  return Math.min(state.partSize, state.size - (partNumber - 1) * state.partSize);
}

/** The least part size (a whole number of MiB, at least 5 MiB) that keeps `size` within 10,000 parts. */
export function defaultPartSize(size: number): number {
  return Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/** Whether a `POST /api/images/uploads` body asks for a multipart upload (`"multipart": true`). */
export function wantsMultipart(body: Readonly<Record<string, unknown>>): boolean {
  const { multipart } = body;
  if (multipart !== undefined && typeof multipart !== 'boolean') throw new BadRequestError('multipart must be true or false');
  if (multipart !== true && body.part_size !== undefined) throw new BadRequestError('part_size applies to multipart uploads only ("multipart": true)');
  return multipart === true;
}

/** The size and part size of a multipart upload: `size` is required, `part_size` optional. */
export function planParts(request: UploadRequest, partSize: unknown): Pick<MultipartState, 'size' | 'partSize'> {
  const { size } = request;
  if (size === undefined) throw new BadRequestError('size is required for a multipart upload');
  if (partSize !== undefined && (typeof partSize !== 'number' || !Number.isSafeInteger(partSize) || partSize < MIN_PART_BYTES || partSize > MAX_PART_BYTES)) {
    throw new BadRequestError(`part_size must be an integer from ${MIN_PART_BYTES} (5 MiB) to ${MAX_PART_BYTES} (5 GiB)`);
  }
  const plan = { size, partSize: (partSize as number | undefined) ?? defaultPartSize(size) };
  if (partCount(plan) > MAX_PARTS) throw new BadRequestError(`part_size is too small: ${size} bytes would need more than ${MAX_PARTS} parts`);
  return plan;
}

/** A part as S3 holds it. */
export interface StoredPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

/** A part of the completion request: its number and the ETag S3 answered its PUT with. */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

/** A presigned PUT of one part. */
export interface PartLink {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Port: presigned part uploads (signed without an S3 client: functions/adapters/s3-part-links.ts). */
export interface PartLinks {
  partLink(key: string, uploadId: string, partNumber: number, options: { length: number; expiresIn: number }): Promise<PartLink>;
}

/** Why S3 refused to complete an upload, in words a client can act on. */
export class CompletionRefusedError extends BadRequestError {}

/** The request does not fit the upload's state (already complete, not multipart, expired, no longer open). */
export class UploadStateError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

/** Port: the multipart uploads themselves (S3: functions/adapters/s3-multipart-uploads.ts). */
export interface MultipartUploads {
  /** Starts one for `key`; returns S3's upload id. */
  create(key: string): Promise<string>;
  /** Every part S3 holds, in part order; undefined when the upload is no longer open. */
  listParts(key: string, uploadId: string): Promise<StoredPart[] | undefined>;
  /** Assembles the object; false when the upload is no longer open. Throws CompletionRefusedError for parts S3 refuses. */
  complete(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<boolean>;
  /** Discards the parts (an upload no longer open is not an error). */
  abort(key: string, uploadId: string): Promise<void>;
}

export interface StartMultipartOptions {
  readonly now: Date;
  /** Lifetime of the part URLs, in seconds. */
  readonly expiresIn: number;
  /** Visibility and expiry the image gets (docs/edge.md). */
  readonly access?: LargeUploadOptions['access'];
  /** The account's own pairs, kept on the image from the start (docs/apps.md). */
  readonly metadata?: UserMetadata;
  /** The hash of the image's delete-link token (core/delete-links.ts), kept on its record. */
  readonly deleteTokenHash?: LargeUploadOptions['deleteTokenHash'];
}

/** The `upload` member of a multipart start: how the bytes are cut, and until when the upload may be resumed. */
export interface ApiMultipartUpload {
  readonly method: 'multipart';
  readonly part_size: number;
  readonly part_count: number;
  readonly expires_at: string;
  readonly max_size: number;
}

/**
 * Starts a multipart upload: S3's upload first (its id goes into the record), then the pending
 * record, swept when the upload is not completed within {@link MULTIPART_UPLOAD_SECONDS} plus
 * the grace period. If the record cannot be written the upload is aborted again (best effort:
 * the bucket's lifecycle rule discards it after a day otherwise); it holds no object either way.
 */
export async function startMultipartUpload(
  deps: {
    readonly records: Pick<ImageRecords, 'create'>;
    readonly uploads: Pick<MultipartUploads, 'create' | 'abort'>;
    readonly edge?: LargeUploadDeps['edge'];
    readonly lookups?: LargeUploadDeps['lookups'];
  },
  accountId: string,
  plan: Pick<MultipartState, 'size' | 'partSize'>,
  options: StartMultipartOptions,
): Promise<{ readonly record: ImageRecord; readonly upload: ApiMultipartUpload }> {
  const { now } = options;
  const id = newImageId();
  const objectKey = objectKeyFor(id, LARGE_UPLOAD_PREFIX);
  const uploadId = await deps.uploads.create(objectKey);
  const expires = Math.floor(now.getTime() / 1000) + MULTIPART_UPLOAD_SECONDS;
  const record: ImageRecord = {
    id,
    accountId,
    objectKey,
    state: 'pending',
    createdAt: now.toISOString(),
    expiresAt: expires + PENDING_GRACE_SECONDS,
    multipart: { uploadId, size: plan.size, partSize: plan.partSize },
    ...(options.metadata ? { metadata: options.metadata } : {}),
    ...options.access,
    ...(options.deleteTokenHash ? { deleteTokenHash: options.deleteTokenHash } : {}),
  };
  try {
    await enterAtEdge(deps.edge, record);
    await putLookups(deps.lookups, metadataLookups(record));
    await deps.records.create(record);
  } catch (error) {
    await deps.uploads.abort(objectKey, uploadId).catch(() => undefined);
    throw error;
  }
  const upload: ApiMultipartUpload = {
    method: 'multipart',
    part_size: plan.partSize,
    part_count: partCount(plan),
    expires_at: new Date(expires * 1000).toISOString(),
    max_size: plan.size,
  };
  return { record, upload };
}

/** A pending multipart upload of the caller's, with its state. */
export type OpenUpload = ImageRecord & { readonly multipart: MultipartState };

/**
 * The caller's image `id`, which must be a multipart upload still open: 404 as for any image not
 * theirs, 409 once it is complete (or was never multipart), or past its resumable window
 * (unless `expired` allows it: aborting is what the sweep would do anyway).
 */
export async function openUpload(
  records: Pick<ImageRecords, 'get'>,
  accountId: string,
  id: unknown,
  nowSeconds: number,
  options: { readonly expired?: boolean } = {},
): Promise<OpenUpload> {
  const record = await ownImage(records, accountId, id);
  if (record.state !== 'pending') throw new UploadStateError('The upload is already complete');
  if (!record.multipart) throw new UploadStateError('This is not a multipart upload: send its bytes to the URL it was started with');
  const expired = record.expiresAt !== undefined && nowSeconds >= record.expiresAt - PENDING_GRACE_SECONDS;
  if (expired && !options.expired) throw new UploadStateError('The upload has expired: start a new one');
  return record as OpenUpload;
}

/** The part numbers of a signing request: `{"part_numbers": [1, 2]}`, or every part when absent (at most 100 at a time). */
export function partNumbersToSign(body: Readonly<Record<string, unknown>>, state: MultipartState): number[] {
  const count = partCount(state);
  const asked = body.part_numbers;
  if (asked === undefined) {
    if (count > MAX_PARTS_PER_SIGNING) throw new BadRequestError(`part_numbers is required for an upload of more than ${MAX_PARTS_PER_SIGNING} parts`);
    return Array.from({ length: count }, (_, index) => index + 1);
  }
  const message = `part_numbers must be a list of 1 to ${MAX_PARTS_PER_SIGNING} distinct part numbers from 1 to ${count}`;
  if (!Array.isArray(asked) || asked.length === 0 || asked.length > MAX_PARTS_PER_SIGNING) throw new BadRequestError(message);
  const numbers = asked as unknown[];
  if (!numbers.every((n): n is number => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= count)) throw new BadRequestError(message);
  if (new Set(numbers).size !== numbers.length) throw new BadRequestError(message);
  return numbers;
}

/** One signed part, as the API answers it. */
export interface ApiSignedPart {
  readonly part_number: number;
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Presigned PUTs of the asked parts, each bound to its exact length (S3 refuses any other). */
export async function signParts(links: PartLinks, upload: OpenUpload, partNumbers: readonly number[], expiresIn: number): Promise<ApiSignedPart[]> {
  return Promise.all(
    partNumbers.map(async (partNumber) => {
      const link = await links.partLink(upload.objectKey, upload.multipart.uploadId, partNumber, { length: partLength(upload.multipart, partNumber), expiresIn });
      return { part_number: partNumber, method: 'PUT' as const, url: link.url, headers: link.headers };
    }),
  );
}

/** The parts S3 holds (to resume: send the others); 409 when the upload is no longer open. */
export async function listParts(uploads: Pick<MultipartUploads, 'listParts'>, upload: OpenUpload): Promise<StoredPart[]> {
  const parts = await uploads.listParts(upload.objectKey, upload.multipart.uploadId);
  if (!parts) throw new UploadStateError('The upload is no longer open: it was completed or aborted');
  return parts;
}

/**
 * The parts to complete with: `{"parts": [{"part_number": 1, "etag": "..."}, ...]}`, exactly parts
 * 1 to N in order (so the object is the declared size), or undefined when the body names none
 * (then every part S3 holds is used).
 */
export function partsToComplete(body: Readonly<Record<string, unknown>>, state: MultipartState): CompletedPart[] | undefined {
  const { parts } = body;
  if (parts === undefined) return undefined;
  const count = partCount(state);
  const message = `parts must list every part, 1 to ${count} in order, each as {"part_number": n, "etag": "..."}`;
  if (!Array.isArray(parts) || parts.length !== count) throw new BadRequestError(message);
  return parts.map((part: unknown, index) => {
    const { part_number: partNumber, etag } = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
    if (partNumber !== index + 1 || typeof etag !== 'string' || etag === '' || etag.length > 128) throw new BadRequestError(message);
    return { partNumber, etag };
  });
}

/**
 * Completes the upload. Without a part list the parts S3 holds are used, which must be all of
 * them. S3 then assembles the object and its ObjectCreated event starts finalize; the image stays
 * pending until finalize has checked it.
 */
export async function completeUpload(uploads: Pick<MultipartUploads, 'listParts' | 'complete'>, upload: OpenUpload, asked: readonly CompletedPart[] | undefined): Promise<void> {
  let parts = asked;
  if (!parts) {
    const stored = await listParts(uploads, upload);
    const count = partCount(upload.multipart);
    const missing = Array.from({ length: count }, (_, index) => index + 1).filter((n) => !stored.some((part) => part.partNumber === n));
    if (missing.length > 0) throw new CompletionRefusedError(`Parts not uploaded yet: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`);
    parts = stored.filter((part) => part.partNumber <= count);
  }
  if (!(await uploads.complete(upload.objectKey, upload.multipart.uploadId, parts))) {
    throw new UploadStateError('The upload is no longer open: it was completed or aborted');
  }
}

/**
 * Aborts the upload and removes its pending image: S3 discards the parts first, then the record
 * goes (only while still pending: an upload completed meanwhile is the image, and stays).
 */
export async function abortUpload(
  deps: { readonly uploads: Pick<MultipartUploads, 'abort'>; readonly records: { deletePending(id: string): Promise<boolean> } },
  upload: OpenUpload,
): Promise<void> {
  await deps.uploads.abort(upload.objectKey, upload.multipart.uploadId);
  if (!(await deps.records.deletePending(upload.id))) throw new UploadStateError('The upload is already complete');
}
