import { BadRequestError } from './errors';
import type { ImageAccess, Visibility } from './images';

/**
 * `visibility`, `expires_at` and `expires_in` (docs/edge.md, "Private and expiring images"): as
 * multipart text fields of a direct upload (strings), and as members of the JSON bodies of a
 * large upload and of `PATCH /api/images/{id}`. One set of rules for all three.
 */

/** The longest an expiry may lie ahead: ten years (a date further out is almost surely a unit mistake). */
export const MAX_EXPIRY_SECONDS = 10 * 365 * 24 * 3600;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A change of access: `imageExpiresAt: null` removes an expiry (PATCH only). */
export interface AccessChange {
  readonly visibility?: Visibility;
  readonly imageExpiresAt?: number | null;
}

function visibilityOf(value: unknown): Visibility | undefined {
  if (value === undefined) return undefined;
  if (value !== 'public' && value !== 'private') throw new BadRequestError('visibility must be "public" or "private"');
  return value;
}

/**
 * Reads the three options. `fromText`: values are strings (multipart), so `expires_in` is parsed
 * from its digits. `allowClear`: `expires_at: null` means "no expiry" (PATCH). Expiry is in unix
 * seconds, rounded up so an image never expires before the time asked for.
 */
export function parseAccessChange(
  input: Readonly<Record<string, unknown>>,
  nowMs: number,
  options: { readonly fromText?: boolean; readonly allowClear?: boolean } = {},
): AccessChange {
  const visibility = visibilityOf(input.visibility);
  const { expires_at: at, expires_in: inSeconds } = input;
  if (at !== undefined && inSeconds !== undefined) throw new BadRequestError('Send expires_at or expires_in, not both');
  let imageExpiresAt: number | null | undefined;
  if (inSeconds !== undefined) {
    const seconds = options.fromText && typeof inSeconds === 'string' && /^\d{1,10}$/.test(inSeconds) ? Number(inSeconds) : inSeconds;
    if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
      throw new BadRequestError(`expires_in must be a whole number of seconds from 1 to ${MAX_EXPIRY_SECONDS}`);
    }
    imageExpiresAt = Math.ceil(nowMs / 1000) + seconds;
  } else if (at === null && options.allowClear) {
    imageExpiresAt = null;
  } else if (at !== undefined) {
    const time = typeof at === 'string' && ISO_8601.test(at) ? Date.parse(at) : Number.NaN;
    if (Number.isNaN(time)) throw new BadRequestError('expires_at must be an ISO 8601 date-time with a time zone, e.g. 2026-12-31T23:59:59Z');
    if (time <= nowMs) throw new BadRequestError('expires_at must be in the future');
    if (time - nowMs > MAX_EXPIRY_SECONDS * 1000) throw new BadRequestError('expires_at must be at most ten years ahead');
    imageExpiresAt = Math.ceil(time / 1000);
  }
  return { ...(visibility ? { visibility } : {}), ...(imageExpiresAt === undefined ? {} : { imageExpiresAt }) };
}

/** The access a new image gets from the options of its upload. */
export function accessAtUpload(change: AccessChange): ImageAccess {
  return {
    ...(change.visibility === 'private' ? { visibility: 'private' as const } : {}),
    ...(typeof change.imageExpiresAt === 'number' ? { imageExpiresAt: change.imageExpiresAt } : {}),
  };
}
