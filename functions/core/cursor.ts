import { BadRequestError } from './errors';
import { IMAGE_ID_PATTERN } from './ids';

/** The by-account sort key a cursor carries: ISO time, '#', image id. */
const POSITION = /* @__PURE__ */ new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z#${IMAGE_ID_PATTERN}$`);

/**
 * List cursors are opaque to clients (base64url of a small versioned JSON) and never expose
 * DynamoDB keys. The account is never in the cursor: it comes from the caller's key, so a
 * crafted cursor can only move within the caller's own images.
 */
export function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new BadRequestError('Invalid cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError('Invalid cursor');
  }
  const { v, p } = (parsed ?? {}) as { v?: unknown; p?: unknown };
  if (v !== 1 || typeof p !== 'string' || !POSITION.test(p)) throw new BadRequestError('Invalid cursor');
  return p;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d{1,4}$/.test(raw)) throw new BadRequestError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_PAGE_SIZE) throw new BadRequestError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}
