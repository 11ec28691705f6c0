import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  FlushStageAuthorizersCacheCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account, KeyRecord } from '../../functions/adapters/dynamo-key-store';
import { hashApiKey, KEY_PATTERN } from '../../functions/core/api-keys';
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
  it('creates the API Gateway key with the same value, attaches it to the plan and stores only the hash', async () => {
    const { admin: keys, store } = admin();
    const created = await keys.create('alice', NOW);
    expect(created.key).toMatch(KEY_PATTERN);
    expect(created.key.startsWith('imgr_')).toBe(true);
    expect(created).toMatchObject({ account: 'alice', createdAt: NOW.toISOString(), keyId: expect.stringMatching(/^key_/) });

    const createKey = apigw.commandCalls(CreateApiKeyCommand);
    expect(createKey).toHaveLength(1);
    expect(createKey[0].args[0].input).toMatchObject({ value: created.key, enabled: true });
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
  it('detaches and disables the API Gateway key and flushes the authorizer cache', async () => {
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
    expect(apigw.commandCalls(UpdateApiKeyCommand)[0].args[0].input).toEqual({
      apiKey: 'apigw-key-1',
      patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }],
    });
    expect(apigw.commandCalls(FlushStageAuthorizersCacheCommand)[0].args[0].input).toEqual({ restApiId: 'api456', stageName: 'v1' });
  });

  it('tolerates a key already detached from the plan', async () => {
    const { admin: keys } = admin();
    const created = await keys.create('alice', NOW);
    apigw.on(DeleteUsagePlanKeyCommand).rejects(Object.assign(new Error('gone'), { name: 'NotFoundException' }));
    await expect(keys.revoke(created.keyId, NOW)).resolves.toMatchObject({ status: 'revoked' });
    expect(apigw.commandCalls(UpdateApiKeyCommand)).toHaveLength(1);
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
      apiGatewayKeyId: undefined,
    });
    expect(await keys.list()).toEqual([
      { keyId: created.keyId, account: 'bob', accountId: created.accountId, createdAt: NOW.toISOString(), status: 'active' },
    ]);
    await keys.revoke(created.keyId, NOW);
    expect((await keys.list())[0]).toMatchObject({ status: 'revoked', revokedAt: NOW.toISOString() });
    expect(apigw.calls()).toHaveLength(0);
  });
});
