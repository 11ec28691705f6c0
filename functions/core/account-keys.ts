import {
  type AccountKey,
  type ApiKeyView,
  type ImageTotalsReader,
  KEY_PREFIX_LENGTH,
  KeyNotFoundError,
  type KeyUsageReader,
  MAX_ACTIVE_KEYS,
  type SessionUser,
  sessionWindowId,
  sortKeys,
  toApiAccount,
  toApiKeyView,
  TooManyKeysError,
  type UserAccount,
} from './accounts';
import { accountMeter, type MeterDeps } from './account-meters';
import { generateAccountId, issueKey, type StoredKey } from './api-keys';
import { windowAt } from './hourly-quota';

/**
 * Issuing and revoking keys for a signed-in person. Keys are created by `issueKey`
 * (functions/core/api-keys.ts), the one key-creation path the operators' keys CLI uses too, so
 * a key made here is indistinguishable to the authorizer: stored as its hash, metered on AWS
 * under its account's random usage identifier (never the key). This module adds the name, the
 * visible prefix and the per-account limit (a slot reserved before anything is created).
 */

export type { StoredKey, UsagePlanKeys } from './api-keys';

/** The keys table, as far as the account routes use it (implemented by `DynamoKeyStore`). */
export interface KeyRecordStore {
  putKey(record: StoredKey): Promise<boolean>;
  revoke(keyId: string, now?: Date): Promise<StoredKey | undefined>;
  findByHashes(hashes: readonly string[]): Promise<StoredKey[]>;
}

/** The account records linked to Cognito users (implemented by `DynamoUserAccounts`). */
export interface UserAccountStore {
  /** The person's account, created on first use with `newAccountId` (idempotent, race-safe). */
  ensure(user: SessionUser, newAccountId: string, now: Date): Promise<UserAccount>;
  /** The person's account if they have one (strongly consistent: one made a moment ago is found). */
  find(sub: string): Promise<UserAccount | undefined>;
  /** Atomically records a new active key unless the account already has `max`; false when full. */
  reserveKeySlot(sub: string, keyId: string, keyHash: string, max: number): Promise<boolean>;
  /** Takes a key off the active set (revoked); `forget` also drops it from the account's list (never issued). */
  releaseKeySlot(sub: string, keyId: string, forget: boolean): Promise<void>;
}

export interface AccountKeyDeps {
  readonly keys: KeyRecordStore;
  readonly accounts: UserAccountStore;
  /** The account meters (and on AWS the usage plan their API Gateway keys go on). */
  readonly meters: MeterDeps;
  readonly log: { error(message: string, details: Record<string, unknown>): void };
}

export interface IssuedKey {
  readonly key: AccountKey;
  /** The secret: in the create response only, never stored. */
  readonly secret: string;
}

/** The signed-in person's account, created on their first call (idempotent, race-safe). */
export function accountOf(accounts: Pick<UserAccountStore, 'ensure'>, user: SessionUser, now: Date): Promise<UserAccount> {
  return accounts.ensure(user, generateAccountId(), now);
}

export interface AccountOverviewDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly usage: KeyUsageReader;
  readonly images: ImageTotalsReader;
  /** The hourly limit of each key. */
  readonly hourlyLimit: number;
}

/**
 * `GET /api/account`'s data: the account, this hour's requests over all its keys and its console
 * sessions (one window, like a key: docs/quotas.md) with the per-key limit and the reset time,
 * and its images.
 */
export async function accountOverview(deps: AccountOverviewDeps, user: SessionUser, nowMs: number): Promise<Record<string, unknown>> {
  const account = await accountOf(deps.accounts, user, new Date(nowMs));
  const window = windowAt(nowMs);
  const windows = [...Object.keys(account.keys), sessionWindowId(account.accountId)];
  const [usage, images] = await Promise.all([deps.usage.usage(windows, window), deps.images.get(account.accountId)]);
  let used = 0;
  for (const entry of usage.values()) used += entry.requestsThisHour;
  return toApiAccount(account, { limit: deps.hourlyLimit, used, window }, images);
}

export interface KeyViewsDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly keys: Pick<KeyRecordStore, 'findByHashes'>;
  readonly usage: KeyUsageReader;
}

/** Every key of the person's account, newest first, with this hour's use; never the secrets. */
export async function accountKeyViews(deps: KeyViewsDeps, user: SessionUser, nowMs: number): Promise<ApiKeyView[]> {
  const account = await accountOf(deps.accounts, user, new Date(nowMs));
  const [keys, usage] = await Promise.all([listAccountKeys(deps, account), deps.usage.usage(Object.keys(account.keys), windowAt(nowMs))]);
  return sortKeys(keys).map((key) => toApiKeyView(key, usage.get(key.keyId)));
}

/** The account name recorded on keys of console accounts (the CLI records the name it was given). */
export function accountNameFor(account: UserAccount): string {
  return account.email;
}

/**
 * Creates a named key for the account. The active-key limit is enforced by one conditional
 * write on the account record, so two concurrent creates can never make an eleventh key.
 */
export async function issueAccountKey(deps: AccountKeyDeps, account: UserAccount, name: string, now = new Date()): Promise<IssuedKey> {
  const { key, record } = await issueKey(
    { store: deps.keys, meter: async (accountId) => (await accountMeter(deps.meters, accountId, now)).usageIdentifier },
    { accountId: account.accountId, name: accountNameFor(account) },
    now,
    {
      name,
      log: deps.log,
      prefixLength: KEY_PREFIX_LENGTH,
      reserve: async ({ keyId, keyHash }) => {
        if (await deps.accounts.reserveKeySlot(account.sub, keyId, keyHash, MAX_ACTIVE_KEYS)) return;
        // Keys revoked with the operators' CLI are still in the active set: settle those, then retry once.
        if (!(await releaseRevokedSlots(deps, account)) || !(await deps.accounts.reserveKeySlot(account.sub, keyId, keyHash, MAX_ACTIVE_KEYS))) {
          throw new TooManyKeysError();
        }
      },
      release: (keyId) => deps.accounts.releaseKeySlot(account.sub, keyId, true),
    },
  );
  return { secret: key, key: { keyId: record.keyId, name, prefix: record.prefix!, createdAt: record.createdAt } };
}

/** Releases active slots whose keys are revoked (by the CLI) or were never stored; true if any was freed. */
async function releaseRevokedSlots(deps: AccountKeyDeps, account: UserAccount): Promise<boolean> {
  const active = Object.entries(account.activeKeys);
  const records = await deps.keys.findByHashes(active.map(([, hash]) => hash));
  const live = new Set(records.filter((record) => !record.revokedAt).map((record) => record.keyId));
  let freed = false;
  for (const [keyId] of active) {
    if (live.has(keyId)) continue;
    await deps.accounts.releaseKeySlot(account.sub, keyId, !records.some((record) => record.keyId === keyId));
    freed = true;
  }
  return freed;
}

/**
 * Revokes one of the account's keys. A key id the account does not hold is "not found", whoever
 * holds it, so key ids of other accounts are not revealed. Revoking twice is harmless. Nothing
 * changes in API Gateway (the account's meter stays for its other keys) and no cache is flushed:
 * the authorizer refuses the key from its next call, so on AWS it stops working within the
 * authorizer cache's TTL (docs/api.md#keys).
 */
export async function revokeAccountKey(deps: Pick<AccountKeyDeps, 'keys' | 'accounts'>, account: UserAccount, keyId: string, now = new Date()): Promise<void> {
  if (!Object.hasOwn(account.keys, keyId)) throw new KeyNotFoundError();
  const record = await deps.keys.revoke(keyId, now);
  if (!record || record.accountId !== account.accountId) throw new KeyNotFoundError();
  await deps.accounts.releaseKeySlot(account.sub, keyId, false);
}

/** The account's keys as stored (active and revoked). */
export async function listAccountKeys(deps: { readonly keys: Pick<KeyRecordStore, 'findByHashes'> }, account: UserAccount): Promise<AccountKey[]> {
  const records = await deps.keys.findByHashes(Object.values(account.keys));
  return records
    .filter((record) => record.accountId === account.accountId)
    .map((record) => ({
      keyId: record.keyId,
      name: record.name ?? record.keyId,
      prefix: record.prefix ?? '',
      createdAt: record.createdAt,
      revokedAt: record.revokedAt,
    }));
}
