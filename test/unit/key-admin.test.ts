import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  FlushStageAuthorizersCacheCommand,
  GetUsagePlansCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account, KeyRecord } from '../../functions/adapters/dynamo-key-store';
import { hashApiKey, KEY_PATTERN } from '../../functions/core/api-keys';
import { ApiGatewayUsagePlanKeys } from '../../functions/adapters/api-gateway-usage-keys';
import { KeyAdmin, KeyAdminError } from '../../scripts/key-admin';

/** The keys table in memory, with the DynamoKeyStore contract. */
class FakeKeyStore {
  readonly accounts = new Map<string, Account>();
  readonly keys: KeyRecord[] = [];
  putError: unknown;

  async ensureAccount(name: string, newAccountId: string, now = new Date()): Promise<Account> {
    const existing = this.accounts.get(name);
    if (existing) return existing;
    const account = { accountId: newAccountId, name, createdAt: now.toISOString() };
    this.accounts.set(name, account);
    return account;
  }

  async putKey(record: KeyRecord): Promise<boolean> {
    if (this.putError !== undefined) throw this.putError;
    if (this.keys.some((k) => k.keyHash === record.keyHash)) return false;
    this.keys.push(record);
    return true;
  }

  async revoke(keyId: string, now = new Date()): Promise<KeyRecord | undefined> {
    const index = this.keys.findIndex((k) => k.keyId === keyId);
    if (index < 0) return undefined;
    const record = this.keys[index];
    this.keys[index] = { ...record, revokedAt: record.revokedAt ?? now.toISOString() };
    return record;
  }

  async listKeys(): Promise<KeyRecord[]> {
    return [...this.keys];
  }

  async setUsageIdentifier(keyHash: string, usageIdentifier: string, apiGatewayKeyId: string | undefined): Promise<boolean> {
    const index = this.keys.findIndex((k) => k.keyHash === keyHash);
    if (index < 0 || this.keys[index].usageIdentifier) return false;
    this.keys[index] = { ...this.keys[index], usageIdentifier, ...(apiGatewayKeyId ? { apiGatewayKeyId } : {}) };
    return true;
  }

  async clearApiGatewayKeyId(keyHash: string): Promise<void> {
    const index = this.keys.findIndex((k) => k.keyHash === keyHash);
    const { apiGatewayKeyId: _dropped, ...rest } = this.keys[index];
    this.keys[index] = rest;
  }
}

/** Every input API Gateway received, as one string: where a leaked key would show. */
const everythingSentToApiGateway = (): string => JSON.stringify(apigw.calls().map((call) => call.args[0].input));

/** The key and pieces of it (a truncated or re-encoded copy would still leak it). */
function expectNotSent(key: string): void {
  const sent = everythingSentToApiGateway();
  expect(sent.length).toBeGreaterThan(2);
  for (const piece of [key, key.slice(5, 25), key.slice(-20), hashApiKey(key)]) expect(sent).not.toContain(piece);
}

const apigw = mockClient(APIGatewayClient);
const GATEWAY = { usagePlanId: 'plan123', restApiId: 'api456', stageName: 'v1' };
const NOW = new Date('2026-11-26T12:00:00.000Z');

function admin(store = new FakeKeyStore(), withGateway = true) {
  const client = new APIGatewayClient({ region: 'us-east-1' });
  return { store, admin: new KeyAdmin(store, withGateway ? { client, ...GATEWAY } : undefined) };
}

beforeEach(() => {
  apigw.reset();
  apigw.on(CreateApiKeyCommand).resolves({ id: 'apigw-key-1' });
  apigw.on(CreateUsagePlanKeyCommand).resolves({ id: 'apigw-key-1', type: 'API_KEY' });
  apigw.on(DeleteUsagePlanKeyCommand).resolves({});
  apigw.on(DeleteApiKeyCommand).resolves({});
  apigw.on(UpdateApiKeyCommand).resolves({});
  apigw.on(FlushStageAuthorizersCacheCommand).resolves({});
});
afterEach(() => {
  apigw.reset();
});

describe('KeyAdmin.create against a stack', () => {
  it('creates the API Gateway key with a random usage identifier (never the key), attaches it to the plan, stores only the hash', async () => {
    const { admin: keys, store } = admin();
    const created = await keys.create('alice', NOW);
    expect(created.key).toMatch(KEY_PATTERN);
    expect(created.key.startsWith('imgr_')).toBe(true);
    expect(created).toMatchObject({ account: 'alice', createdAt: NOW.toISOString(), keyId: expect.stringMatching(/^key_/) });

    const createKey = apigw.commandCalls(CreateApiKeyCommand);
    expect(createKey).toHaveLength(1);
    const usageIdentifier = store.keys[0].usageIdentifier!;
    expect(usageIdentifier).toMatch(/^usage[0-9a-f]{48}$/);
    expect(createKey[0].args[0].input).toMatchObject({ value: usageIdentifier, enabled: true });
    expectNotSent(created.key);
    const attach = apigw.commandCalls(CreateUsagePlanKeyCommand);
    expect(attach).toHaveLength(1);
    expect(attach[0].args[0].input).toEqual({ usagePlanId: 'plan123', keyId: 'apigw-key-1', keyType: 'API_KEY' });
    expect(apigw.commandCalls(DeleteApiKeyCommand)).toHaveLength(0);

    expect(store.keys).toEqual([
      {
        keyId: created.keyId,
        keyHash: hashApiKey(created.key),
        accountId: created.accountId,
        accountName: 'alice',
        createdAt: NOW.toISOString(),
        usageIdentifier,
        apiGatewayKeyId: 'apigw-key-1',
      },
    ]);
    // The secret appears nowhere in what was stored (nor any of its halves).
    const stored = JSON.stringify({ keys: store.keys, accounts: [...store.accounts.values()] });
    expect(stored).not.toContain(created.key);
    expect(stored).not.toContain(created.key.slice(5, 25));
    expect(stored).not.toContain(created.key.slice(-20));
  });

  it('reuses the account for a second key of the same name', async () => {
    const { admin: keys } = admin();
    const first = await keys.create('alice', NOW);
    const second = await keys.create('alice', NOW);
    expect(second.accountId).toBe(first.accountId);
    expect(second.key).not.toBe(first.key);
    expect(second.keyId).not.toBe(first.keyId);
  });

  it('deletes the API key when attaching it to the usage plan fails', async () => {
    const { admin: keys, store } = admin();
    const failure = Object.assign(new Error('Too many keys'), { name: 'LimitExceededException' });
    apigw.on(CreateUsagePlanKeyCommand).rejects(failure);
    await expect(keys.create('alice', NOW)).rejects.toThrow('Too many keys');
    const deleted = apigw.commandCalls(DeleteApiKeyCommand);
    expect(deleted).toHaveLength(1);
    expect(deleted[0].args[0].input).toEqual({ apiKey: 'apigw-key-1' });
    expect(store.keys).toEqual([]);
  });

  it('removes the usage plan key and the API key when the store write fails', async () => {
    const { admin: keys, store } = admin();
    store.putError = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    await expect(keys.create('alice', NOW)).rejects.toThrow('Service Unavailable');
    const detach = apigw.commandCalls(DeleteUsagePlanKeyCommand);
    expect(detach).toHaveLength(1);
    expect(detach[0].args[0].input).toEqual({ usagePlanId: 'plan123', keyId: 'apigw-key-1' });
    const deleted = apigw.commandCalls(DeleteApiKeyCommand);
    expect(deleted).toHaveLength(1);
    expect(deleted[0].args[0].input).toEqual({ apiKey: 'apigw-key-1' });
    expect(store.keys).toEqual([]);
  });

  it('still rethrows the store error when the cleanup itself fails', async () => {
    const { admin: keys, store } = admin();
    store.putError = new Error('store down');
    apigw.on(DeleteUsagePlanKeyCommand).rejects(new Error('cleanup failed'));
    await expect(keys.create('alice', NOW)).rejects.toThrow('store down');
    expect(apigw.commandCalls(DeleteApiKeyCommand)).toHaveLength(1);
  });

  it.each(['', 'has space', 'a/b', 'x'.repeat(65)])('refuses the account name "%s" before touching anything', async (name) => {
    const { admin: keys, store } = admin();
    await expect(keys.create(name, NOW)).rejects.toBeInstanceOf(KeyAdminError);
    expect(apigw.calls()).toHaveLength(0);
    expect(store.accounts.size).toBe(0);
  });
});

describe('KeyAdmin.revoke against a stack', () => {
  it('detaches and DELETES the API Gateway key (it stops counting toward 10,000) and flushes the authorizer cache', async () => {
    const { admin: keys, store } = admin();
    const created = await keys.create('alice', NOW);
    apigw.resetHistory();
    const later = new Date('2026-11-26T13:00:00.000Z');
    const revoked = await keys.revoke(created.keyId, later);
    expect(revoked).toEqual({
      keyId: created.keyId,
      account: 'alice',
      accountId: created.accountId,
      createdAt: NOW.toISOString(),
      status: 'revoked',
      revokedAt: later.toISOString(),
    });
    expect(store.keys[0].revokedAt).toBe(later.toISOString());
    expect(apigw.commandCalls(DeleteUsagePlanKeyCommand)[0].args[0].input).toEqual({ usagePlanId: 'plan123', keyId: 'apigw-key-1' });
    expect(apigw.commandCalls(DeleteApiKeyCommand).map((c) => c.args[0].input)).toEqual([{ apiKey: 'apigw-key-1' }]);
    expect(apigw.commandCalls(UpdateApiKeyCommand)).toHaveLength(0);
    expect(apigw.commandCalls(FlushStageAuthorizersCacheCommand)[0].args[0].input).toEqual({ restApiId: 'api456', stageName: 'v1' });
    expect(store.keys[0].apiGatewayKeyId).toBeUndefined();
    expectNotSent(created.key);
  });

  it('tolerates a key already detached from the plan', async () => {
    const { admin: keys } = admin();
    const created = await keys.create('alice', NOW);
    apigw.on(DeleteUsagePlanKeyCommand).rejects(Object.assign(new Error('gone'), { name: 'NotFoundException' }));
    apigw.on(DeleteApiKeyCommand).rejects(Object.assign(new Error('gone'), { name: 'NotFoundException' }));
    await expect(keys.revoke(created.keyId, NOW)).resolves.toMatchObject({ status: 'revoked' });
    expect(apigw.commandCalls(DeleteApiKeyCommand)).toHaveLength(1);
  });

  it('refuses an unknown key id with KeyAdminError and calls no API', async () => {
    const { admin: keys } = admin();
    await expect(keys.revoke('key_nope', NOW)).rejects.toBeInstanceOf(KeyAdminError);
    expect(apigw.calls()).toHaveLength(0);
  });
});

describe('KeyAdmin in local mode (no gateway)', () => {
  it('creates, lists and revokes keys without ever calling API Gateway', async () => {
    const { admin: keys, store } = admin(new FakeKeyStore(), false);
    const created = await keys.create('bob', NOW);
    expect(store.keys[0]).toEqual({
      keyId: created.keyId,
      keyHash: hashApiKey(created.key),
      accountId: created.accountId,
      accountName: 'bob',
      createdAt: NOW.toISOString(),
      usageIdentifier: expect.stringMatching(/^usage[0-9a-f]{48}$/),
    });
    expect(await keys.list()).toEqual([
      { keyId: created.keyId, account: 'bob', accountId: created.accountId, createdAt: NOW.toISOString(), status: 'active' },
    ]);
    await keys.revoke(created.keyId, NOW);
    expect((await keys.list())[0]).toMatchObject({ status: 'revoked', revokedAt: NOW.toISOString() });
    expect(apigw.calls()).toHaveLength(0);
  });
});

describe('keys made before usage identifiers (migration)', () => {
  const OLD_KEY = 'imgr_oldkeyoldkeyoldkeyoldkeyoldkeyoldkey00';
  const REVOKED_OLD_KEY = 'imgr_revokedrevokedrevokedrevokedrevoked11';
  function legacyStore(): FakeKeyStore {
    const store = new FakeKeyStore();
    // As the previous version stored them: no usage identifier, an API key whose value was the key.
    store.keys.push(
      { keyId: 'key_old', keyHash: hashApiKey(OLD_KEY), accountId: 'acct_a', accountName: 'alice', createdAt: NOW.toISOString(), apiGatewayKeyId: 'apigw-old' },
      { keyId: 'key_gone', keyHash: hashApiKey(REVOKED_OLD_KEY), accountId: 'acct_a', accountName: 'alice', createdAt: NOW.toISOString(), revokedAt: NOW.toISOString(), apiGatewayKeyId: 'apigw-revoked' },
    );
    return store;
  }

  it('migrate: a new API key holding a fresh usage identifier, the record updated, the cache flushed, then the old API key deleted', async () => {
    const { admin: keys, store } = admin(legacyStore());
    apigw.on(CreateApiKeyCommand).resolves({ id: 'apigw-new' });
    expect(await keys.migrate()).toEqual({ migrated: 1, cleanedUp: 1, alreadyDone: 0 });

    const migrated = store.keys.find((k) => k.keyId === 'key_old')!;
    expect(migrated.usageIdentifier).toMatch(/^usage[0-9a-f]{48}$/);
    expect(migrated.apiGatewayKeyId).toBe('apigw-new');
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input.value).toBe(migrated.usageIdentifier);
    expect(apigw.commandCalls(CreateUsagePlanKeyCommand)[0].args[0].input).toEqual({ usagePlanId: 'plan123', keyId: 'apigw-new', keyType: 'API_KEY' });
    // Both API keys that held a raw key are gone: the migrated one's and the revoked one's.
    expect(apigw.commandCalls(DeleteApiKeyCommand).map((c) => c.args[0].input.apiKey).sort()).toEqual(['apigw-old', 'apigw-revoked']);
    expect(store.keys.find((k) => k.keyId === 'key_gone')!.apiGatewayKeyId).toBeUndefined();
    // The flush comes before the old key is deleted: cached answers still name the old key.
    const order = apigw.calls().map((call) => call.args[0].constructor.name);
    expect(order.indexOf('FlushStageAuthorizersCacheCommand')).toBeLessThan(order.lastIndexOf('DeleteApiKeyCommand'));
    expectNotSent(OLD_KEY);

    // Running it again changes nothing.
    apigw.resetHistory();
    expect(await keys.migrate()).toEqual({ migrated: 0, cleanedUp: 0, alreadyDone: 1 });
    expect(apigw.calls()).toHaveLength(0);
  });

  it('the authorizer meters a not-yet-migrated key under the key itself (its old API key), a migrated one under its identifier', async () => {
    const { createAuthorizer } = await import('../../functions/authorizer');
    const store = legacyStore();
    const authorize = createAuthorizer({ keys: { findByHash: async (hash) => store.keys.find((k) => k.keyHash === hash) } });
    const event = { type: 'TOKEN' as const, authorizationToken: `Bearer ${OLD_KEY}`, methodArn: 'arn:aws:execute-api:r:1:api/v1/GET/api/images' };
    expect((await authorize(event)).usageIdentifierKey).toBe(OLD_KEY);
    await admin(store).admin.migrate();
    const after = (await authorize(event)).usageIdentifierKey;
    expect(after).toBe(store.keys[0].usageIdentifier);
    expect(after).not.toContain(OLD_KEY.slice(5, 25));
  });

  it('local mode (no gateway): migrate only gives identifiers', async () => {
    const { admin: keys, store } = admin(legacyStore(), false);
    expect(await keys.migrate()).toEqual({ migrated: 1, cleanedUp: 0, alreadyDone: 0 });
    expect(store.keys[0].usageIdentifier).toMatch(/^usage[0-9a-f]{48}$/);
    expect(apigw.calls()).toHaveLength(0);
  });
});

describe('ApiGatewayUsagePlanKeys without a plan id (the console functions)', () => {
  it('finds the plan serving its stage across pages, once, and uses it to attach and detach', async () => {
    apigw.on(GetUsagePlansCommand, { position: undefined }).resolves({
      items: [{ id: 'other', apiStages: [{ apiId: 'api456', stage: 'v2' }] }],
      position: 'page2',
    });
    apigw.on(GetUsagePlansCommand, { position: 'page2' }).resolves({ items: [{ id: 'plan789', apiStages: [{ apiId: 'api456', stage: 'v1' }] }] });
    const plan = new ApiGatewayUsagePlanKeys(new APIGatewayClient({ region: 'us-east-1' }), { restApiId: 'api456', stageName: 'v1' });
    expect(await plan.add('usage_abc', { keyId: 'key_1', accountId: 'acct_alice' })).toBe('apigw-key-1');
    await plan.remove('apigw-key-1');
    expect(apigw.commandCalls(GetUsagePlansCommand)).toHaveLength(2);
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input.value).toBe('usage_abc');
    // Ids only in API Gateway: a person's account name is their email address.
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input.name).toBe('imager-acct_alice-key_1');
    expect(apigw.commandCalls(CreateUsagePlanKeyCommand)[0].args[0].input).toEqual({ usagePlanId: 'plan789', keyId: 'apigw-key-1', keyType: 'API_KEY' });
    expect(apigw.commandCalls(DeleteUsagePlanKeyCommand)[0].args[0].input).toEqual({ usagePlanId: 'plan789', keyId: 'apigw-key-1' });
    expect(apigw.commandCalls(DeleteApiKeyCommand)[0].args[0].input).toEqual({ apiKey: 'apigw-key-1' });
  });

  it('creates nothing when no plan serves the stage, and looks again on the next call', async () => {
    apigw.on(GetUsagePlansCommand).resolves({ items: [] });
    const plan = new ApiGatewayUsagePlanKeys(new APIGatewayClient({ region: 'us-east-1' }), { restApiId: 'api456', stageName: 'v1' });
    await expect(plan.add('usage_abc', { keyId: 'key_1', accountId: 'acct_alice' })).rejects.toThrow('no usage plan serves api456/v1');
    await expect(plan.add('usage_abc', { keyId: 'key_1', accountId: 'acct_alice' })).rejects.toThrow('no usage plan serves');
    expect(apigw.commandCalls(GetUsagePlansCommand)).toHaveLength(2);
    expect(apigw.commandCalls(CreateApiKeyCommand)).toHaveLength(0);
  });
});
