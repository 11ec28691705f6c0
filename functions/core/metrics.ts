import { BadRequestError, HttpError, InvalidImageError, PayloadTooLargeError } from './errors';

/**
 * Business metrics, as the domain sees them: one named method per event an operator counts.
 * The Powertools (CloudWatch embedded metric format) implementation lives in
 * `adapters/emf-metrics.ts`; handlers get it injected, tests pass a recorder.
 *
 * Every dimension value is one of the small enums below: never a key, image, account or object
 * key (each distinct dimension set is a billed custom metric, docs/operations.md).
 */

/** How an image came in: a multipart upload through the API, or a presigned large upload. */
export type UploadKind = 'direct' | 'large';

/**
 * Why an upload was refused with a 4xx: `format` (not an allowed image), `structure` (truncated or
 * malformed), `pixels` (too many, or a side below 1), `size` (too many bytes, or empty), `request`
 * (the request itself was malformed: not multipart, no file, bad JSON).
 */
export type RejectionReason = 'format' | 'structure' | 'pixels' | 'size' | 'request';

/** 429s our code answers. The usage plan's throttle and daily quota are API Gateway's (docs/operations.md). */
export type RateLimitCause = 'hourly';

/**
 * What the finalize function did with one S3 event record (`discarded`: bytes sent to an upload URL
 * after its image was settled, deleted unread).
 */
export type FinalizeResult = 'ready' | 'rejected' | 'discarded' | 'skipped';

/** What the sweep removed: a pending upload that never arrived, an object without a record, or an image past its `expires_at`. */
export type SweepRemoval = 'expiredPending' | 'orphanObject' | 'expiredImage';

export interface Metrics {
  /** An image was stored and is ready: counts the upload and adds its bytes to `BytesStored`. */
  uploadAccepted(kind: UploadKind, bytes: number): void;
  /** An upload was refused with a 4xx for `reason`. */
  uploadRejected(kind: UploadKind, reason: RejectionReason): void;
  /** A request was answered 429. */
  rateLimited(cause: RateLimitCause): void;
  /** The finalize function settled (or skipped) one uploaded object. */
  finalized(result: FinalizeResult): void;
  /** The sweep removed `count` things of one kind (nothing is recorded for 0). */
  swept(removal: SweepRemoval, count: number): void;
  /**
   * Bytes of metadata (EXIF, XMP, comments) removed from an image before it was published
   * (docs/delivery.md): once per published image, direct or large; nothing is recorded for 0.
   */
  metadataRemoved(bytes: number): void;
  /**
   * A transform variant was rendered (once per variant, docs/transforms.md), by output format.
   * Wired by the transforms work when it lands. `format` must come from the allow-list of output
   * formats, never from the request unchecked.
   */
  variantRendered(format: string): void;
  /**
   * How many API Gateway keys Imager holds in its region now (account meters and the console's,
   * docs/quotas.md#api-gateway-keys-one-per-account), recorded whenever one is made: the gauge the
   * key ceiling's alarm watches.
   */
  apiGatewayKeys(count: number): void;
  /** Writes what this invocation recorded (one call per invocation, at its end). */
  flush(): Promise<void>;
}

/** For callers that count nothing (tests, scripts): every method does nothing. */
export const NO_METRICS: Metrics = {
  uploadAccepted: () => undefined,
  uploadRejected: () => undefined,
  rateLimited: () => undefined,
  finalized: () => undefined,
  swept: () => undefined,
  metadataRemoved: () => undefined,
  variantRendered: () => undefined,
  apiGatewayKeys: () => undefined,
  flush: async () => undefined,
};

/**
 * The rejection reason of an error a route answered with, or undefined when the answer is not a
 * refused upload: 5xx (our fault, not the image's), 401/403/404/429, or anything not an HttpError.
 *
 * Maps the error classes `inspectImage` and the parsers throw; the unit tests run every
 * `inspectImage` refusal through it, so a reworded message cannot silently move a reason.
 */
export function rejectionReason(error: unknown): RejectionReason | undefined {
  if (!(error instanceof HttpError) || error.statusCode >= 500) return undefined;
  if (error instanceof InvalidImageError) {
    if (/truncated|malformed/i.test(error.reason)) return 'structure';
    if (/width and height/i.test(error.reason)) return 'pixels';
    return 'format';
  }
  if (error instanceof PayloadTooLargeError) return /pixels/i.test(error.message) ? 'pixels' : 'size';
  if (error instanceof BadRequestError) return /image file is empty/i.test(error.message) ? 'size' : 'request';
  return undefined;
}
