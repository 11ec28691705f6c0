import { BadRequestError, HttpError, NotFoundError } from './errors';
import type { Window } from './hourly-quota';

/**
 * Accounts of people who signed up (docs/accounts-and-console.md): the domain rules of the account routes, with no
 * AWS in them. Storage is behind the ports below; functions/runtime/wiring.ts plugs the DynamoDB adapters in.
 */

/** An account holds at most this many active keys (docs/accounts-and-console.md). */
export const MAX_ACTIVE_KEYS = 10;

/** Key names: 1 to 64 printable characters (no control characters), as typed by a person. */
export const MAX_KEY_NAME_LENGTH = 64;

/** How many characters of a key the console shows to recognise it (`imgr_` + 4). */
export const KEY_PREFIX_LENGTH = 9;

/** Who is signed in, from the claims of the verified Cognito ID token. */
export interface SessionUser {
  /** The Cognito user's `sub`: stable for the life of the user, the link to the Imager account. */
  readonly sub: string;
  readonly email: string;
}

/**
 * The person a verified Cognito ID token names (its claims, as API Gateway's Cognito authorizer
 * or our own verifier passes them), or undefined: no `sub` or email, or not an ID token (only ID
 * tokens carry the email; an access token here would mean a misconfigured authorizer).
 */
export function sessionUserOf(claims: Readonly<Record<string, unknown>>): SessionUser | undefined {
  const { sub, email, token_use: tokenUse } = claims;
  if (typeof sub !== 'string' || sub === '' || typeof email !== 'string' || email === '') return undefined;
  if (tokenUse !== undefined && tokenUse !== 'id') return undefined;
  return { sub, email };
}

/**
 * The hourly window the account's console sessions are counted in (docs/quotas.md): one per
 * account, like a key of it, whichever browser or tab the session is in. Never a key id
 * (`key_...`), so it can neither collide with one nor be revoked as one.
 */
export function sessionWindowId(accountId: string): string {
  return `console_${accountId}`;
}

/** The Imager account of a person, linked to their Cognito `sub`. */
export interface UserAccount {
  readonly accountId: string;
  readonly sub: string;
  readonly email: string;
  readonly createdAt: string;
  /** Every key the account ever created (active and revoked): key id -> key hash. */
  readonly keys: Readonly<Record<string, string>>;
  /** The keys counted against the limit: key id -> key hash. */
  readonly activeKeys: Readonly<Record<string, string>>;
}

/** A key as the account routes see it (never the secret). */
export interface AccountKey {
  readonly keyId: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** This hour's count and the last use of one key. */
export interface KeyUsage {
  readonly requestsThisHour: number;
  /** ISO time of the last request, at minute precision or better; undefined if never used. */
  readonly lastUsedAt?: string;
}

export interface ImageTotals {
  readonly count: number;
  readonly bytes: number;
}

/** Port: this hour's count and last use of keys (the counters table). */
export interface KeyUsageReader {
  usage(keyIds: readonly string[], window: Window): Promise<Map<string, KeyUsage>>;
}

/** Port: an account's running image totals. */
export interface ImageTotalsReader {
  get(accountId: string): Promise<ImageTotals>;
}

export class TooManyKeysError extends HttpError {
  constructor() {
    super(409, `An account can have at most ${MAX_ACTIVE_KEYS} active keys`);
  }
}

/** A session route of an account being (or already) deleted (docs/account-deletion.md). */
export class AccountDeletedError extends HttpError {
  constructor() {
    super(410, 'This account is being deleted');
  }
}

export class KeyNotFoundError extends NotFoundError {
  constructor() {
    super('Key not found');
  }
}

/** What a body of `POST /api/account/keys` that is not a JSON object is told. */
export const KEY_REQUEST_BODY = {
  notJson: 'Request body must be JSON: {"name": "..."}',
  notObject: 'Request body must be a JSON object: {"name": "..."}',
} as const;

/** The name in the body of `POST /api/account/keys` (`{"name": "..."}`): 1 to 64 printable characters. */
export function parseKeyName(request: Readonly<Record<string, unknown>>): string {
  const extra = Object.keys(request).filter((field) => field !== 'name');
  if (extra.length > 0) throw new BadRequestError(`Unknown field: ${extra[0]}`);
  const name = request.name;
  if (typeof name !== 'string') throw new BadRequestError('name must be a string');
  const trimmed = name.trim();
  // Count characters (code points), not UTF-16 units: "1 to 64 characters" as a person reads it.
  const length = [...trimmed].length;
  if (length < 1 || length > MAX_KEY_NAME_LENGTH) {
    throw new BadRequestError(`name must be 1 to ${MAX_KEY_NAME_LENGTH} characters`);
  }
  // Printable: no control, format (bidi overrides), surrogate, unassigned or line/paragraph separator characters.
  if (/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(trimmed)) {
    throw new BadRequestError('name must contain printable characters only');
  }
  return trimmed;
}

/** The public key id in a path: what `generateKeyId` makes (`key_` + 12 base64url characters). */
export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && /^key_[A-Za-z0-9_-]{12}$/.test(value);
}

/** The API shape of a key (docs/accounts-and-console.md). */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly status: 'active' | 'revoked';
  readonly requests_this_hour: number;
}

export function toApiKeyView(key: AccountKey, usage: KeyUsage | undefined): ApiKeyView {
  return {
    id: key.keyId,
    name: key.name,
    prefix: key.prefix,
    created_at: key.createdAt,
    last_used_at: usage?.lastUsedAt ?? null,
    status: key.revokedAt ? 'revoked' : 'active',
    requests_this_hour: usage?.requestsThisHour ?? 0,
  };
}

/** `GET /api/account`'s data. */
export function toApiAccount(
  account: UserAccount,
  usage: { limit: number; used: number; window: Window },
  images: ImageTotals,
): Record<string, unknown> {
  return {
    account_id: account.accountId,
    email: account.email,
    created_at: account.createdAt,
    usage: {
      hourly_limit: usage.limit,
      requests_this_hour: usage.used,
      reset_at: new Date(usage.window.end * 1000).toISOString(),
    },
    images: { count: Math.max(0, images.count), bytes: Math.max(0, images.bytes) },
  };
}

/** Newest first, then by id, so the list order is stable. */
export function sortKeys<T extends AccountKey>(keys: readonly T[]): T[] {
  return [...keys].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.keyId.localeCompare(b.keyId));
}
