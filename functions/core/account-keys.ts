import {
  type AccountKey,
  KEY_PREFIX_LENGTH,
  KeyNotFoundError,
  MAX_ACTIVE_KEYS,
  type SessionUser,
  TooManyKeysError,
  type UserAccount,
} from './accounts';
import { generateApiKey, generateKeyId, hashApiKey } from './api-keys';

/**
 * Issuing and revoking keys for a signed-in person. This is the ONE place the account routes
 * create a key; it uses the same generators and the same key store (`putKey`, `revoke`) as the
 * operators' keys CLI, so a key made here is indistinguishable to the authorizer.
 */

/** A stored key as the key store holds it (the shape of `DynamoKeyStore`'s `KeyRecord`). */
export interface StoredKey {
  readonly keyId: string;
  readonly keyHash: string;
  readonly accountId: string;
  readonly accountName: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly apiGatewayKeyId?: string;
  readonly name?: string;
  readonly prefix?: string;
}

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
  /** Atomically records a new active key unless the account already has `max`; false when full. */
  reserveKeySlot(sub: string, keyId: string, keyHash: string, max: number): Promise<boolean>;
  /** Takes a key off the active set (revoked); `forget` also drops it from the account's list (never issued). */
  releaseKeySlot(sub: string, keyId: string, forget: boolean): Promise<void>;
}

/**
 * On AWS every key is also an API Gateway API key on the usage plan (SPEC §2); locally there is
 * no such thing and this is absent.
 */
export interface UsagePlanKeys {
  /** Creates the API Gateway key with this value on the usage plan; returns its id. */
  register(keyId: string, key: string, accountId: string): Promise<string>;
  /** Undoes `register` for a key that was never stored. */
  unregister(apiGatewayKeyId: string): Promise<void>;
  /** Detaches and disables a revoked key and flushes the authorizer cache, so it stops at once. */
  revoke(apiGatewayKeyId: string): Promise<void>;
}

export interface AccountKeyDeps {
  readonly keys: KeyRecordStore;
  readonly accounts: UserAccountStore;
  readonly usagePlan?: UsagePlanKeys;
  readonly log: { error(message: string, details: Record<string, unknown>): void };
}

export interface IssuedKey {
  readonly key: AccountKey;
  /** The secret: in the create response only, never stored. */
  readonly secret: string;
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
  const secret = generateApiKey();
  const keyId = generateKeyId();
  const keyHash = hashApiKey(secret);

  if (!(await deps.accounts.reserveKeySlot(account.sub, keyId, keyHash, MAX_ACTIVE_KEYS))) {
    // Keys revoked with the operators' CLI are still in the active set: settle those, then retry once.
    if (!(await releaseRevokedSlots(deps, account)) || !(await deps.accounts.reserveKeySlot(account.sub, keyId, keyHash, MAX_ACTIVE_KEYS))) {
      throw new TooManyKeysError();
    }
  }

  let apiGatewayKeyId: string | undefined;
  try {
    if (deps.usagePlan) apiGatewayKeyId = await deps.usagePlan.register(keyId, secret, account.accountId);
    const record: StoredKey = {
      keyId,
      keyHash,
      accountId: account.accountId,
      accountName: accountNameFor(account),
      createdAt: now.toISOString(),
      apiGatewayKeyId,
      name,
      prefix: secret.slice(0, KEY_PREFIX_LENGTH),
    };
    if (!(await deps.keys.putKey(record))) throw new Error('key hash collision');
    return { secret, key: { keyId, name, prefix: record.prefix!, createdAt: record.createdAt } };
  } catch (error) {
    // Never leave a metered API Gateway key the authorizer does not know, nor a slot taken by nothing.
    if (deps.usagePlan && apiGatewayKeyId) {
      await deps.usagePlan.unregister(apiGatewayKeyId).catch((cleanup: unknown) =>
        deps.log.error('API Gateway key left behind', { keyId, apiGatewayKeyId, error: cleanup }),
      );
    }
    await deps.accounts.releaseKeySlot(account.sub, keyId, true).catch((cleanup: unknown) =>
      deps.log.error('key slot left reserved', { keyId, error: cleanup }),
    );
    throw error;
  }
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
 * holds it, so key ids of other accounts are not revealed. Revoking twice is harmless.
 */
export async function revokeAccountKey(deps: AccountKeyDeps, account: UserAccount, keyId: string, now = new Date()): Promise<void> {
  if (!Object.hasOwn(account.keys, keyId)) throw new KeyNotFoundError();
  const record = await deps.keys.revoke(keyId, now);
  if (!record || record.accountId !== account.accountId) throw new KeyNotFoundError();
  await deps.accounts.releaseKeySlot(account.sub, keyId, false);
  if (!record.revokedAt && deps.usagePlan && record.apiGatewayKeyId) await deps.usagePlan.revoke(record.apiGatewayKeyId);
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
