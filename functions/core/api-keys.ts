import { createHash, randomBytes } from 'node:crypto';

/** Every key we issue starts with this, so leaked keys are easy to recognise and scan for. */
export const KEY_PREFIX = 'imgr_';

/** What API Gateway accepts as an API key value, and what a bearer key may be (RegExp source). */
const KEY_SHAPE = '[A-Za-z0-9_-]{20,128}';

/**
 * A session token: a JWT in compact form (header, claims, signature; the first two are JSON
 * objects, so their base64url starts with `eyJ`). The console sends its Cognito ID token on the
 * image routes (docs/accounts-and-console.md); the bounds are far above what Cognito issues.
 */
const SESSION_TOKEN_SHAPE = 'eyJ[A-Za-z0-9_-]{1,2048}\\.eyJ[A-Za-z0-9_-]{1,8192}\\.[A-Za-z0-9_-]{16,1024}';

/** The shape API Gateway accepts as an API key value, and what a bearer key may be. */
export const KEY_PATTERN = /* @__PURE__ */ new RegExp(`^${KEY_SHAPE}$`);

const SESSION_TOKEN_PATTERN = /* @__PURE__ */ new RegExp(`^${SESSION_TOKEN_SHAPE}$`);

/**
 * The Authorization header API Gateway lets through to the TOKEN authorizer (its identity
 * validation expression, as RegExp source): an API key or a session token; anything else is a
 * 401 before any function runs. The local gateway applies the same expression (a plain group,
 * no regex feature API Gateway might not have).
 */
export const BEARER_PATTERN = `^[Bb]earer (${KEY_SHAPE}|${SESSION_TOKEN_SHAPE})$`;

/** A new secret key: the prefix and 256 random bits. Shown once, stored only as its hash. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** A short public identifier for a key, used to list and revoke it. */
export function generateKeyId(): string {
  return 'key_' + randomBytes(9).toString('base64url');
}

export function generateAccountId(): string {
  return 'acct_' + randomBytes(12).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The key in `Authorization: Bearer <key>`, or undefined when the header is anything else. */
export function parseBearer(header: string | undefined | null): string | undefined {
  const bearer = bearerToken(header);
  return bearer?.kind === 'key' ? bearer.token : undefined;
}

/** What a bearer token is: an API key, or a session's JWT (the console's Cognito ID token). */
export type BearerToken = { readonly kind: 'key' | 'session'; readonly token: string };

/** The token in `Authorization: Bearer <token>` and what kind it is, or undefined for anything else. */
export function bearerToken(header: string | undefined | null): BearerToken | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!match) return undefined;
  if (KEY_PATTERN.test(match[1])) return { kind: 'key', token: match[1] };
  return SESSION_TOKEN_PATTERN.test(match[1]) ? { kind: 'session', token: match[1] } : undefined;
}

/** Port: key records by hash (the keys table). */
export interface KeyLookup {
  findByHash(keyHash: string): Promise<StoredKey | undefined>;
}

/**
 * What an Authorization header comes to: the active key it names, or a refusal. `looked` holds
 * what the keys table gave for a key-shaped token (undefined: unknown), for the log; a header
 * without a key-shaped token is refused without a lookup.
 */
export type Authentication =
  | { readonly allowed: true; readonly key: string; readonly record: StoredKey }
  | { readonly allowed: false; readonly looked?: { readonly record: StoredKey | undefined } };

/** Authenticates an `Authorization: Bearer <key>` header against the stored key hashes. */
export async function authenticate(keys: KeyLookup, header: string | undefined | null): Promise<Authentication> {
  const key = parseBearer(header);
  if (!key) return { allowed: false };
  const record = await keys.findByHash(hashApiKey(key));
  if (!record || record.revokedAt) return { allowed: false, looked: { record } };
  return { allowed: true, key, record };
}

/**
 * A new usage identifier: the value API Gateway meters an account under (`usageIdentifierKey`,
 * the value of the account's API Gateway key, functions/core/account-meters.ts). Random and
 * server-side, so no AWS API or console that shows API key values (`apigateway:GetApiKeys` with
 * includeValues) reveals a customer's secret (docs/api.md).
 */
export function generateUsageIdentifier(): string {
  // API Gateway documents key values as alphanumeric, 20 to 128 characters: 'usage' + 48 hex.
  return 'usage' + randomBytes(24).toString('hex');
}

/** The tag every API Gateway key Imager creates carries, valued with its stack's name (lib/api.ts scopes deletion by it). */
export const API_KEY_STACK_TAG = 'imager:stack';

/** A stored key: never the key itself, only its SHA-256 hash. */
export interface StoredKey {
  readonly keyId: string;
  readonly keyHash: string;
  readonly accountId: string;
  readonly accountName: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  /**
   * What the authorizer returns as `usageIdentifierKey`: the account's meter (every key of an
   * account carries the same one, so the authorizer needs one read). Keys made before account
   * meters carry one of their own, and keys made before usage identifiers none (the authorizer
   * then falls back to the key itself) until `keys migrate` moves them onto the account's meter.
   */
  readonly usageIdentifier?: string;
  /**
   * Keys made before account meters only: the key's own API Gateway key, deleted by
   * `keys migrate` (docs/api.md#keys). Keys made since have none.
   */
  readonly apiGatewayKeyId?: string;
  /** The name a person gave the key in the console (keys made by the CLI have none). */
  readonly name?: string;
  /** The first characters of the key (`imgr_` + 4), so a person can tell keys apart; console keys only. */
  readonly prefix?: string;
}

/** Port: the usage plan's API keys (API Gateway on AWS; nothing in local mode). */
export interface UsagePlanKeys {
  /**
   * Creates an API key whose value is `usageIdentifier`, attaches it to the plan, returns its id.
   * Labelled with ids only: account names of people are their email addresses, which do not
   * belong in API Gateway's key names.
   */
  add(usageIdentifier: string, label: { readonly accountId: string }): Promise<string>;
  /** Detaches and deletes an API key (one already gone is fine), so it stops counting toward the 10,000. */
  remove(apiGatewayKeyId: string): Promise<void>;
}

export interface KeyIssuingDeps {
  readonly store: { putKey(record: StoredKey): Promise<boolean> };
  /**
   * The usage identifier the account is metered under (its meter, made with its first key:
   * `accountMeter` in functions/core/account-meters.ts).
   */
  readonly meter: (accountId: string) => Promise<string>;
}

/** What the console adds to a key; the CLI passes none of it. */
export interface IssueOptions {
  /** The name a person gave the key. */
  readonly name?: string;
  /** Keep the key's first this-many characters in the record (shown to tell keys apart). */
  readonly prefixLength?: number;
  /**
   * Claims room for the key (the console's per-account limit) before anything is created; a
   * throw stops the issue with nothing to undo.
   */
  readonly reserve?: (key: { readonly keyId: string; readonly keyHash: string }) => Promise<void>;
  /** Undoes `reserve` when the key could not be issued after it. */
  readonly release?: (keyId: string) => Promise<void>;
  /** Where a failed `release` is reported (the original error is what the caller sees). */
  readonly log?: { error(message: string, details: Record<string, unknown>): void };
}

export class KeyCollisionError extends Error {
  constructor() {
    super('key collision; try again');
  }
}

/**
 * Issues a key for an account: the one place keys are created (`npm run keys`, the console).
 * The secret is returned once and stored only as its hash, with the account's usage identifier
 * (never the secret). No API Gateway key is made per key: the account's meter, made with its
 * first key, meters them all (docs/quotas.md#api-gateway-keys-one-per-account).
 */
export async function issueKey(
  deps: KeyIssuingDeps,
  account: { readonly accountId: string; readonly name: string },
  now = new Date(),
  options: IssueOptions = {},
): Promise<{ key: string; record: StoredKey }> {
  const key = generateApiKey();
  const keyId = generateKeyId();
  const keyHash = hashApiKey(key);
  await options.reserve?.({ keyId, keyHash });
  try {
    const record: StoredKey = {
      keyId,
      keyHash,
      accountId: account.accountId,
      accountName: account.name,
      createdAt: now.toISOString(),
      usageIdentifier: await deps.meter(account.accountId),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.prefixLength !== undefined ? { prefix: key.slice(0, options.prefixLength) } : {}),
    };
    if (!(await deps.store.putKey(record))) throw new KeyCollisionError();
    return { key, record };
  } catch (error) {
    // Never leave a slot taken by nothing.
    if (options.release) {
      await options.release(keyId).catch((cleanup: unknown) => options.log?.error('key slot left reserved', { keyId, error: cleanup }));
    }
    throw error;
  }
}
