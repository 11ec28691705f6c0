import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { BadRequestError, HttpError } from './errors';

/**
 * Idempotency keys (the IETF httpapi `Idempotency-Key` draft; docs/api.md#idempotent-uploads): a
 * client sends one key with an upload and with every retry of it. The first request with a key
 * claims it for its account; a retry of the same request within 24 hours gets the first
 * response again, without doing anything twice or counting against the hour; the same key with
 * another request is a 422, and a retry while the first is still running a 409.
 *
 * Only successes are kept: a request that failed did nothing, so its claim is released and a
 * retry runs again (and may succeed where a passing failure was in the way).
 */

/** How long a key's first response is kept and replayed. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

/**
 * How long a claim holds while its request runs. Longer than any API function may run (29 s at
 * API Gateway), so a claim this old belongs to a request that died, and a retry may take it over.
 */
export const IN_FLIGHT_LEASE_SECONDS = 60;

/** Longest key accepted (the draft leaves the format to the server; a UUID is 36). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const STRUCTURED_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;
const BARE_KEY = /^[\x21\x23-\x7e][\x21-\x7e]*$/;

/**
 * The key of an `Idempotency-Key` header: an RFC 8941 string (`"8e03978e-..."`, as the draft
 * writes it) or the same characters bare (as most clients send it); both mean the same key.
 * Undefined when there is no header; a 400 when it is not a key.
 */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  const quoted = STRUCTURED_STRING.exec(value);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : BARE_KEY.test(value) ? value : undefined;
  if (key === undefined || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new BadRequestError(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, e.g. a UUID`);
  }
  return key;
}

/**
 * What makes two requests "the same request": the operation and what it was asked to do (the
 * fields it read, and for a file the bytes it would store or the file itself), not how the body
 * happened to be framed (a retried multipart form has a new boundary every time).
 */
export function requestFingerprint(operation: string, fields: Readonly<Record<string, unknown>>, bytes?: Uint8Array): string {
  const hash = createHash('sha256').update(operation).update('\0').update(canonicalJson(fields)).update('\0');
  if (bytes) hash.update(bytes);
  return hash.digest('base64url');
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A response as it is kept for replay. */
export interface KeptResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the store keeps per account and key. */
export interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly state: 'in-flight' | 'done';
  /** Who holds the claim: random per request, so only that request completes or releases it. */
  readonly owner: string;
  /** Unix seconds after which an in-flight claim may be taken over. */
  readonly leaseUntil: number;
  /** Unix seconds after which the record is forgotten (checked on every read: TTL deletes late). */
  readonly expiresAt: number;
  /** The first response, sealed (see `sealResponse`), once done. */
  readonly response?: string;
}

/** Port: idempotency records (DynamoDB in functions/adapters/dynamo-idempotency-records.ts). */
export interface IdempotencyRecords {
  /**
   * Writes `record` under `id` unless a live record holds it (one that has not expired, and is
   * done or still within its lease): undefined when written, else that live record.
   */
  claim(id: string, record: IdempotencyRecord, nowSeconds: number): Promise<IdempotencyRecord | undefined>;
  /** Marks the claim of `owner` done with its sealed response; false when `owner` no longer holds it. */
  complete(id: string, owner: string, response: string): Promise<boolean>;
  /** Forgets the claim of `owner` (nothing happens if another request holds it now). */
  release(id: string, owner: string): Promise<void>;
}

/** A retry with the same key while the first request still runs. */
export class IdempotencyConflictError extends HttpError {
  constructor() {
    super(409, 'A request with this Idempotency-Key is still in progress; retry it in a moment', { 'Retry-After': '1' });
  }
}

/** The same key with another request. */
export class IdempotencyMismatchError extends HttpError {
  constructor() {
    super(422, 'This Idempotency-Key was already used with a different request');
  }
}

/** The store's id of an account's key: the key itself is never stored (only its hash). */
export function idempotencyRecordId(accountId: string, key: string): string {
  return `idem#${accountId}#${createHash('sha256').update(key).digest('base64url')}`;
}

/** The account a record id belongs to (what its deletion finds it by: docs/account-deletion.md). */
export function idempotencyRecordAccount(id: string): string | undefined {
  return /^idem#([^#]+)#/.exec(id)?.[1];
}

export type ClaimResult =
  | { readonly kind: 'claimed'; readonly id: string; readonly owner: string }
  | { readonly kind: 'replay'; readonly response: KeptResponse };

/**
 * Claims `key` of `accountId` for a request with `fingerprint`: `claimed` (run it, then
 * `completeClaim` or `releaseClaim`), `replay` (answer the kept response), or throws the 409 or
 * 422 of the draft.
 */
export async function claimIdempotencyKey(
  records: IdempotencyRecords,
  scope: { readonly accountId: string; readonly key: string },
  fingerprint: string,
  nowMs: number,
): Promise<ClaimResult> {
  const now = Math.floor(nowMs / 1000);
  const id = idempotencyRecordId(scope.accountId, scope.key);
  const owner = randomBytes(16).toString('base64url');
  const record: IdempotencyRecord = {
    fingerprint,
    state: 'in-flight',
    owner,
    leaseUntil: now + IN_FLIGHT_LEASE_SECONDS,
    expiresAt: now + IDEMPOTENCY_WINDOW_SECONDS,
  };
  const held = await records.claim(id, record, now);
  if (!held) return { kind: 'claimed', id, owner };
  if (held.fingerprint !== fingerprint) throw new IdempotencyMismatchError();
  if (held.state === 'done' && held.response !== undefined) return { kind: 'replay', response: openResponse(held.response, scope) };
  throw new IdempotencyConflictError();
}

/** Keeps the first response of a claimed key (sealed) for its replays. */
export function completeClaim(
  records: IdempotencyRecords,
  claim: { readonly id: string; readonly owner: string },
  scope: { readonly accountId: string; readonly key: string },
  response: KeptResponse,
): Promise<boolean> {
  return records.complete(claim.id, claim.owner, sealResponse(response, scope));
}

const SEAL_INFO = 'imager idempotency response v1';

/** The response key: derived from the client's idempotency key, which the store never sees. */
function sealingKey(scope: { readonly accountId: string; readonly key: string }): Buffer {
  return Buffer.from(hkdfSync('sha256', scope.key, scope.accountId, SEAL_INFO, 32));
}

/**
 * Seals a kept response with AES-256-GCM under a key derived from the idempotency key. The first
 * response of an upload carries its `delete_url` (a capability stored elsewhere only as a hash):
 * sealed, the stored copy is of no use to anyone without the client's idempotency key, and a
 * replay can still give the client exactly what the first answer did.
 */
export function sealResponse(response: KeptResponse, scope: { readonly accountId: string; readonly key: string }): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(scope), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64');
}

export function openResponse(sealed: string, scope: { readonly accountId: string; readonly key: string }): KeptResponse {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(scope), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(bytes.byteLength - 16));
  const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.byteLength - 16)), decipher.final()]).toString('utf8');
  return JSON.parse(text) as KeptResponse;
}
