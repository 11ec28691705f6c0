import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetAuthorizersCommand,
  GetUsagePlansCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account, KeyRecord } from '../../functions/adapters/dynamo-key-store';
import type { AccountMeter } from '../../functions/core/account-meters';
import { hashApiKey, KEY_PATTERN } from '../../functions/core/api-keys';
import { ApiGatewayUsagePlanKeys, METERS_PLAN_TAG } from '../../functions/adapters/api-gateway-usage-keys';
import { KeyAdmin, KeyAdminError } from '../../scripts/key-admin';

/** The tag the account meters' plan carries (lib/api.ts). */
const METERS = { [METERS_PLAN_TAG.key]: METERS_PLAN_TAG.value };

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

  async repointUsageIdentifier(keyHash: string, from: string | undefined, to: string): Promise<boolean> {
    const index = this.keys.findIndex((k) => k.keyHash === keyHash);
    if (index < 0 || this.keys[index].usageIdentifier !== from) return false;
    this.keys[index] = { ...this.keys[index], usageIdentifier: to };
    return true;
  }

  readonly meters = new Map<string, AccountMeter>();
  meterPutError: unknown;
  apiGatewayKeys = 0;

  async findMeter(accountId: string): Promise<AccountMeter | undefined> {
    return this.meters.get(accountId);
  }

  async putMeter(meter: AccountMeter): Promise<boolean> {
    if (this.meterPutError !== undefined) throw this.meterPutError;
    if (this.meters.has(meter.accountId)) return false;
    this.meters.set(meter.accountId, meter);
    return true;
  }

  async countApiGatewayKey(): Promise<number> {
    this.apiGatewayKeys += 1;
    return this.apiGatewayKeys;
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
  const waits: number[] = [];
  const said: string[] = [];
  const options = { wait: async (ms: number) => void waits.push(ms), say: (message: string) => void said.push(message) };
  return { store, waits, said, admin: new KeyAdmin(store, withGateway ? { client, ...GATEWAY } : undefined, options) };
}

beforeEach(() => {
  apigw.reset();
  apigw.on(CreateApiKeyCommand).resolves({ id: 'apigw-key-1' });
  apigw.on(CreateUsagePlanKeyCommand).resolves({ id: 'apigw-key-1', type: 'API_KEY' });
  apigw.on(DeleteUsagePlanKeyCommand).resolves({});
  apigw.on(DeleteApiKeyCommand).resolves({});
  apigw.on(UpdateApiKeyCommand).resolves({});
  apigw.on(GetAuthorizersCommand).resolves({ items: [{ id: 'cognito', type: 'COGNITO_USER_POOLS', authorizerResultTtlInSeconds: 300 }, { id: 'bearer', type: 'TOKEN', authorizerResultTtlInSeconds: 60 }] });
});
afterEach(() => {
  apigw.reset();
});

describe('KeyAdmin.create against a stack', () => {
  it("makes the account's meter with its first key: an API Gateway key holding a random usage identifier (never the key), attached to the plan; the key stored as its hash", async () => {
    const { admin: keys, store } = admin();
    const created = await keys.create('alice', NOW);
    expect(created.key).toMatch(KEY_PATTERN);
    expect(created.key.startsWith('imgr_')).toBe(true);
    expect(created).toMatchObject({ account: 'alice', createdAt: NOW.toISOString(), keyId: expect.stringMatching(/^key_/) });

    const createKey = apigw.commandCalls(CreateApiKeyCommand);
    expect(createKey).toHaveLength(1);
    const meter = store.meters.get(created.accountId)!;
    expect(meter).toEqual({ accountId: created.accountId, usageIdentifier: expect.stringMatching(/^usage[0-9a-f]{48}$/), apiGatewayKeyId: 'apigw-key-1', createdAt: NOW.toISOString() });
    expect(createKey[0].args[0].input).toMatchObject({ name: `imager-${created.accountId}`, value: meter.usageIdentifier, enabled: true });
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
        usageIdentifier: meter.usageIdentifier,
      },
    ]);
    expect(store.apiGatewayKeys).toBe(1);
    // The secret appears nowhere in what was stored (nor any of its halves).
    const stored = JSON.stringify({ keys: store.keys, accounts: [...store.accounts.values()], meters: [...store.meters.values()] });
    expect(stored).not.toContain(created.key);
    expect(stored).not.toContain(created.key.slice(5, 25));
    expect(stored).not.toContain(created.key.slice(-20));
  });

  it('reuses the account and its meter for more keys of the same name: no further API Gateway key', async () => {
    const { admin: keys, store } = admin();
    const first = await keys.create('alice', NOW);
    apigw.resetHistory();
    const more = [await keys.create('alice', NOW), await keys.create('alice', NOW)];
    for (const second of more) {
      expect(second.accountId).toBe(first.accountId);
      expect(second.key).not.toBe(first.key);
      expect(second.keyId).not.toBe(first.keyId);
    }
    expect(apigw.calls()).toHaveLength(0);
    expect(new Set(store.keys.map((k) => k.usageIdentifier)).size).toBe(1);
    // Another account: its own meter.
    await keys.create('bob', NOW);
    expect(apigw.commandCalls(CreateApiKeyCommand)).toHaveLength(1);
    expect(store.meters.size).toBe(2);
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
    expect(store.meters.size).toBe(0);
  });

  it('removes the usage plan key and the API key when the meter cannot be stored', async () => {
    const { admin: keys, store } = admin();
    store.meterPutError = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    await expect(keys.create('alice', NOW)).rejects.toThrow('Service Unavailable');
    const detach = apigw.commandCalls(DeleteUsagePlanKeyCommand);
    expect(detach).toHaveLength(1);
    expect(detach[0].args[0].input).toEqual({ usagePlanId: 'plan123', keyId: 'apigw-key-1' });
    const deleted = apigw.commandCalls(DeleteApiKeyCommand);
    expect(deleted).toHaveLength(1);
    expect(deleted[0].args[0].input).toEqual({ apiKey: 'apigw-key-1' });
    expect(store.keys).toEqual([]);
  });

  it('still rethrows the store error when the cleanup itself fails, and says what was left behind', async () => {
    const { admin: keys, store, said } = admin();
    store.meterPutError = new Error('store down');
    apigw.on(DeleteUsagePlanKeyCommand).rejects(new Error('cleanup failed'));
    await expect(keys.create('alice', NOW)).rejects.toThrow('store down');
    expect(apigw.commandCalls(DeleteApiKeyCommand)).toHaveLength(1);
    expect(said.join('\n')).toContain('API Gateway key left behind');
  });

  it('keeps the meter when the key record cannot be stored (it is the account\'s, the next key uses it)', async () => {
    const { admin: keys, store } = admin();
    store.putError = new Error('store down');
    await expect(keys.create('alice', NOW)).rejects.toThrow('store down');
    expect(store.meters.size).toBe(1);
    expect(apigw.commandCalls(DeleteApiKeyCommand)).toHaveLength(0);
    store.putError = undefined;
    apigw.resetHistory();
    await keys.create('alice', NOW);
    expect(apigw.calls()).toHaveLength(0);
  });

  it('warns at 80% of the 10,000 API keys a region allows (the alarm\'s threshold), as it makes a meter', async () => {
    const { admin: keys, store, said } = admin();
    store.apiGatewayKeys = 7_997;
    await keys.create('alice', NOW);
    expect(said).toEqual([]);
    await keys.create('bob', NOW);
    expect(said).toEqual([expect.stringContaining('8000 API Gateway keys')]);
    expect(said[0]).toContain('docs/quotas.md');
  });

  it.each(['', 'has space', 'a/b', 'x'.repeat(65)])('refuses the account name "%s" before touching anything', async (name) => {
    const { admin: keys, store } = admin();
    await expect(keys.create(name, NOW)).rejects.toBeInstanceOf(KeyAdminError);
    expect(apigw.calls()).toHaveLength(0);
    expect(store.accounts.size).toBe(0);
  });
});

describe('KeyAdmin.revoke against a stack', () => {
  it('marks the key revoked and calls no API Gateway API: no key deleted (the meter is the account\'s), no cache flushed', async () => {
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
    expect(apigw.calls()).toHaveLength(0);
    expect(store.meters.get(created.accountId)?.apiGatewayKeyId).toBe('apigw-key-1');
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
      usageIdentifier: store.meters.get(created.accountId)!.usageIdentifier,
    });
    expect(store.meters.get(created.accountId)!.apiGatewayKeyId).toBeUndefined();
    expect(await keys.list()).toEqual([
      { keyId: created.keyId, account: 'bob', accountId: created.accountId, createdAt: NOW.toISOString(), status: 'active' },
    ]);
    await keys.revoke(created.keyId, NOW);
    expect((await keys.list())[0]).toMatchObject({ status: 'revoked', revokedAt: NOW.toISOString() });
    expect(apigw.calls()).toHaveLength(0);
  });
});

describe('keys made before account meters (migration)', () => {
  const OLD_KEY = 'imgr_oldkeyoldkeyoldkeyoldkeyoldkeyoldkey00';
  const OWN_KEY = 'imgr_ownownownownownownownownownownownown00';
  const REVOKED_OLD_KEY = 'imgr_revokedrevokedrevokedrevokedrevoked11';
  const OWN_USAGE_ID = 'usage_ofitsownofitsownofitsownofitsown0';
  function legacyStore(): FakeKeyStore {
    const store = new FakeKeyStore();
    // As earlier versions stored them: no usage identifier (the API key held the key itself), a
    // usage identifier of its own (and its own API key), and a revoked key whose API key is left.
    store.keys.push(
      { keyId: 'key_old', keyHash: hashApiKey(OLD_KEY), accountId: 'acct_a', accountName: 'alice', createdAt: NOW.toISOString(), apiGatewayKeyId: 'apigw-old' },
      { keyId: 'key_own', keyHash: hashApiKey(OWN_KEY), accountId: 'acct_a', accountName: 'alice', createdAt: NOW.toISOString(), usageIdentifier: OWN_USAGE_ID, apiGatewayKeyId: 'apigw-own' },
      { keyId: 'key_gone', keyHash: hashApiKey(REVOKED_OLD_KEY), accountId: 'acct_a', accountName: 'alice', createdAt: NOW.toISOString(), revokedAt: NOW.toISOString(), apiGatewayKeyId: 'apigw-revoked' },
    );
    return store;
  }

  it("migrate: every active key onto its account's one meter, then, once the authorizer cache's TTL has passed, their own API keys deleted (no flush)", async () => {
    const { admin: keys, store, waits } = admin(legacyStore());
    apigw.on(CreateApiKeyCommand).resolves({ id: 'apigw-meter' });
    const order: string[] = [];
    apigw.on(DeleteApiKeyCommand).callsFake((input: { apiKey: string }) => void order.push(`delete ${input.apiKey} after ${waits.length} wait(s)`));
    expect(await keys.migrate()).toEqual({ migrated: 2, retired: 3, alreadyDone: 0 });

    const meter = store.meters.get('acct_a')!;
    expect(meter.apiGatewayKeyId).toBe('apigw-meter');
    for (const keyId of ['key_old', 'key_own']) {
      const migrated = store.keys.find((k) => k.keyId === keyId)!;
      expect(migrated.usageIdentifier).toBe(meter.usageIdentifier);
      expect(migrated.apiGatewayKeyId).toBeUndefined();
    }
    // One API key for the account, holding the meter's identifier.
    expect(apigw.commandCalls(CreateApiKeyCommand).map((c) => c.args[0].input.value)).toEqual([meter.usageIdentifier]);
    // The revoked key's API key goes at once; the active keys' after the TTL of the TOKEN authorizer.
    expect(waits).toEqual([60_000]);
    expect(order).toEqual(['delete apigw-revoked after 0 wait(s)', 'delete apigw-old after 1 wait(s)', 'delete apigw-own after 1 wait(s)']);
    expect(store.keys.find((k) => k.keyId === 'key_gone')!.apiGatewayKeyId).toBeUndefined();
    expect(apigw.commandCalls(UpdateApiKeyCommand)).toHaveLength(0);
    expectNotSent(OLD_KEY);
    expectNotSent(OWN_KEY);

    // Running it again changes nothing.
    apigw.resetHistory();
    expect(await keys.migrate()).toEqual({ migrated: 0, retired: 0, alreadyDone: 2 });
    expect(apigw.calls()).toHaveLength(0);
    expect(waits).toHaveLength(1);
  });

  it('an interrupted migrate (records moved, old API keys not yet deleted) finishes on the next run', async () => {
    const { admin: keys, store, waits } = admin(legacyStore());
    apigw.on(DeleteApiKeyCommand, { apiKey: 'apigw-old' }).rejects(new Error('throttled'));
    await expect(keys.migrate()).rejects.toThrow('throttled');
    expect(store.keys.find((k) => k.keyId === 'key_old')!.apiGatewayKeyId).toBe('apigw-old');
    apigw.on(DeleteApiKeyCommand, { apiKey: 'apigw-old' }).resolves({});
    apigw.resetHistory();
    expect(await keys.migrate()).toEqual({ migrated: 0, retired: 2, alreadyDone: 0 });
    expect(apigw.commandCalls(DeleteApiKeyCommand).map((c) => c.args[0].input.apiKey).sort()).toEqual(['apigw-old', 'apigw-own']);
    expect(apigw.commandCalls(CreateApiKeyCommand)).toHaveLength(0);
    expect(waits).toEqual([60_000, 60_000]);
  });

  it('the authorizer meters a not-yet-migrated key as before (the key itself, or its own identifier), a migrated one under its account\'s meter', async () => {
    const { createAuthorizer } = await import('../../functions/authorizer');
    const store = legacyStore();
    const authorize = createAuthorizer({ keys: { findByHash: async (hash) => store.keys.find((k) => k.keyHash === hash) } });
    const event = (key: string) => ({ type: 'TOKEN' as const, authorizationToken: `Bearer ${key}`, methodArn: 'arn:aws:execute-api:r:1:api/v1/GET/api/images' });
    expect((await authorize(event(OLD_KEY))).usageIdentifierKey).toBe(OLD_KEY);
    expect((await authorize(event(OWN_KEY))).usageIdentifierKey).toBe(OWN_USAGE_ID);
    await admin(store).admin.migrate();
    const meter = store.meters.get('acct_a')!.usageIdentifier;
    expect((await authorize(event(OLD_KEY))).usageIdentifierKey).toBe(meter);
    expect((await authorize(event(OWN_KEY))).usageIdentifierKey).toBe(meter);
    expect(meter).not.toContain(OLD_KEY.slice(5, 25));
  });

  it('local mode (no gateway): migrate only moves the records, and waits for nothing', async () => {
    const { admin: keys, store, waits } = admin(legacyStore(), false);
    expect(await keys.migrate()).toEqual({ migrated: 2, retired: 0, alreadyDone: 0 });
    expect(store.keys[0].usageIdentifier).toBe(store.meters.get('acct_a')!.usageIdentifier);
    expect(apigw.calls()).toHaveLength(0);
    expect(waits).toEqual([]);
  });
});

describe('ApiGatewayUsagePlanKeys without a plan id (the console functions)', () => {
  it("finds the account meters' plan serving its stage by its tag across pages (the console sessions' plan serves it too), once, and uses it to attach and detach", async () => {
    apigw.on(GetUsagePlansCommand, { position: undefined }).resolves({
      items: [
        { id: 'other', tags: METERS, apiStages: [{ apiId: 'api456', stage: 'v2' }] },
        { id: 'sessions', apiStages: [{ apiId: 'api456', stage: 'v1' }] },
      ],
      position: 'page2',
    });
    apigw.on(GetUsagePlansCommand, { position: 'page2' }).resolves({ items: [{ id: 'plan789', tags: { ...METERS, other: 'x' }, apiStages: [{ apiId: 'api456', stage: 'v1' }] }] });
    const plan = new ApiGatewayUsagePlanKeys(new APIGatewayClient({ region: 'us-east-1' }), { restApiId: 'api456', stageName: 'v1' });
    expect(await plan.add('usage_abc', { accountId: 'acct_alice' })).toBe('apigw-key-1');
    await plan.remove('apigw-key-1');
    expect(apigw.commandCalls(GetUsagePlansCommand)).toHaveLength(2);
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input.value).toBe('usage_abc');
    // Ids only in API Gateway: a person's account name is their email address.
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input.name).toBe('imager-acct_alice');
    expect(apigw.commandCalls(CreateUsagePlanKeyCommand)[0].args[0].input).toEqual({ usagePlanId: 'plan789', keyId: 'apigw-key-1', keyType: 'API_KEY' });
    expect(apigw.commandCalls(DeleteUsagePlanKeyCommand)[0].args[0].input).toEqual({ usagePlanId: 'plan789', keyId: 'apigw-key-1' });
    expect(apigw.commandCalls(DeleteApiKeyCommand)[0].args[0].input).toEqual({ apiKey: 'apigw-key-1' });
  });

  it('creates nothing when no plan with that tag serves the stage, and looks again on the next call', async () => {
    apigw.on(GetUsagePlansCommand).resolves({ items: [{ id: 'sessions', apiStages: [{ apiId: 'api456', stage: 'v1' }] }] });
    const plan = new ApiGatewayUsagePlanKeys(new APIGatewayClient({ region: 'us-east-1' }), { restApiId: 'api456', stageName: 'v1' });
    await expect(plan.add('usage_abc', { accountId: 'acct_alice' })).rejects.toThrow('no usage plan tagged imager-usage-plan=account-meters serves api456/v1');
    await expect(plan.add('usage_abc', { accountId: 'acct_alice' })).rejects.toThrow('no usage plan tagged');
    expect(apigw.commandCalls(GetUsagePlansCommand)).toHaveLength(2);
    expect(apigw.commandCalls(CreateApiKeyCommand)).toHaveLength(0);
  });
});
