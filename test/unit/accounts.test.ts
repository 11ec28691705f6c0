import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  accountOverview,
  issueAccountKey,
  type KeyRecordStore,
  listAccountKeys,
  revokeAccountKey,
  type StoredKey,
  type UsagePlanKeys,
  type UserAccountStore,
} from '../../functions/core/account-keys';
import type { AccountMeter, MeterStore } from '../../functions/core/account-meters';
import { KEY_REQUEST_BODY, KeyNotFoundError, MAX_ACTIVE_KEYS, parseKeyName, type SessionUser, sessionWindowId, TooManyKeysError, type UserAccount } from '../../functions/core/accounts';
import { hashApiKey } from '../../functions/core/api-keys';
import type { Window } from '../../functions/core/hourly-quota';
import { BadRequestError } from '../../functions/core/errors';
import { createCreateAccountKeyHandler } from '../../functions/create-account-key';
import { createRevokeAccountKeyHandler } from '../../functions/revoke-account-key';
import { jsonBody } from '../../functions/transport/body';
import { sessionUserFrom } from '../../functions/transport/request';

/** The keys table (keys, account records, meters), in memory, with the same contracts as the DynamoDB adapters. */
class MemoryStores implements KeyRecordStore, UserAccountStore, MeterStore {
  readonly keys = new Map<string, StoredKey>();
  readonly accounts = new Map<string, { accountId: string; email: string; createdAt: string; keys: Record<string, string>; active: Record<string, string> }>();
  readonly meters = new Map<string, AccountMeter>();
  apiGatewayKeys = 0;
  failPut = false;
  /** Runs before a meter is stored (a concurrent request getting there first). */
  beforePutMeter: (() => void) | undefined;

  async putKey(record: StoredKey): Promise<boolean> {
    if (this.failPut) throw Object.assign(new Error('down'), { name: 'ServiceUnavailable' });
    if (this.keys.has(record.keyHash)) return false;
    this.keys.set(record.keyHash, { ...record });
    return true;
  }
  async revoke(keyId: string, now = new Date()): Promise<StoredKey | undefined> {
    const record = [...this.keys.values()].find((key) => key.keyId === keyId);
    if (!record) return undefined;
    this.keys.set(record.keyHash, { ...record, revokedAt: record.revokedAt ?? now.toISOString() });
    return record;
  }
  async findByHashes(hashes: readonly string[]): Promise<StoredKey[]> {
    return hashes.map((hash) => this.keys.get(hash)).filter((key): key is StoredKey => key !== undefined);
  }
  async findMeter(accountId: string): Promise<AccountMeter | undefined> {
    return this.meters.get(accountId);
  }
  async putMeter(meter: AccountMeter): Promise<boolean> {
    this.beforePutMeter?.();
    if (this.meters.has(meter.accountId)) return false;
    this.meters.set(meter.accountId, meter);
    return true;
  }
  async countApiGatewayKey(): Promise<number> {
    this.apiGatewayKeys += 1;
    return this.apiGatewayKeys;
  }
  async ensure(user: SessionUser, newAccountId: string, now: Date): Promise<UserAccount> {
    if (!this.accounts.has(user.sub)) this.accounts.set(user.sub, { accountId: newAccountId, email: user.email, createdAt: now.toISOString(), keys: {}, active: {} });
    return this.view(user.sub);
  }
  async find(sub: string): Promise<UserAccount | undefined> {
    return this.accounts.has(sub) ? this.view(sub) : undefined;
  }
  view(sub: string): UserAccount {
    const account = this.accounts.get(sub)!;
    return { accountId: account.accountId, sub, email: account.email, createdAt: account.createdAt, keys: { ...account.keys }, activeKeys: { ...account.active } };
  }
  async reserveKeySlot(sub: string, keyId: string, keyHash: string, max: number): Promise<boolean> {
    const account = this.accounts.get(sub)!;
    if (Object.keys(account.active).length >= max) return false;
    account.keys[keyId] = keyHash;
    account.active[keyId] = keyHash;
    return true;
  }
  async releaseKeySlot(sub: string, keyId: string, forget: boolean): Promise<void> {
    const account = this.accounts.get(sub)!;
    delete account.active[keyId];
    if (forget) delete account.keys[keyId];
  }
}

/** The usage plan port as API Gateway behaves for it: records calls, keeps the values it was given. */
class RecordingPlan implements UsagePlanKeys {
  readonly calls: string[] = [];
  /** API Gateway key id -> its value (the usage identifier). */
  readonly values = new Map<string, string>();
  failAdd = false;
  private made = 0;
  async add(usageIdentifier: string, label: { accountId: string }): Promise<string> {
    this.calls.push(`add ${label.accountId}`);
    if (this.failAdd) throw new Error('api gateway down');
    this.made += 1;
    const id = `agw-${label.accountId}-${this.made}`;
    this.values.set(id, usageIdentifier);
    return id;
  }
  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.values.delete(id);
  }
}

const alice: SessionUser = { sub: 'sub-alice', email: 'alice@example.com' };
const bob: SessionUser = { sub: 'sub-bob', email: 'bob@example.com' };
const silent = { error: () => undefined };

function setup(usagePlan?: UsagePlanKeys) {
  const stores = new MemoryStores();
  const gauge: number[] = [];
  const metrics = { apiGatewayKeys: (count: number) => void gauge.push(count), flush: async () => undefined };
  return { stores, gauge, deps: { keys: stores, accounts: stores, meters: { meters: stores, usagePlan, metrics, log: silent }, log: silent } };
}

function event(user: SessionUser | null, init: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    body: null,
    isBase64Encoded: false,
    pathParameters: null,
    requestContext: { requestId: 'r1', authorizer: user ? { claims: { sub: user.sub, email: user.email, token_use: 'id' } } : null },
    ...init,
  } as unknown as APIGatewayProxyEvent;
}

describe('key names', () => {
  const body = (name: unknown) => JSON.stringify({ name });
  // As the create route reads its body: the one JSON parser with the route's messages, then the name.
  const keyNameOf = (text: string | null, isBase64Encoded = false) => parseKeyName(jsonBody({ body: text, isBase64Encoded }, KEY_REQUEST_BODY));

  it('accepts 1 to 64 printable characters (counted as characters, trimmed)', () => {
    expect(keyNameOf(body('laptop'))).toBe('laptop');
    expect(keyNameOf(body('  CI runner #2  '))).toBe('CI runner #2');
    expect(keyNameOf(body('x'))).toBe('x');
    expect(keyNameOf(body('a'.repeat(64)))).toBe('a'.repeat(64));
    expect(keyNameOf(body('📷'.repeat(64)))).toBe('📷'.repeat(64));
    expect(keyNameOf(body('Café – Zürich 東京'))).toBe('Café – Zürich 東京');
    expect(keyNameOf(Buffer.from(body('b64')).toString('base64'), true)).toBe('b64');
  });

  it.each([
    ['no body', null, /must be JSON/],
    ['not JSON', '{name:', /must be JSON/],
    ['an array', '["laptop"]', /JSON object/],
    ['no name', '{}', /name must be a string/],
    ['a number', '{"name":5}', /name must be a string/],
    ['an unknown field', '{"name":"a","admin":true}', /Unknown field: admin/],
    ['empty', '{"name":""}', /1 to 64 characters/],
    ['only spaces', '{"name":"   "}', /1 to 64 characters/],
    ['65 characters', body('a'.repeat(65)), /1 to 64 characters/],
    ['a newline', body('lap\ntop'), /printable/],
    ['a NUL', body('lap\u0000top'), /printable/],
    ['a right-to-left override', body('lap\u202Etop'), /printable/],
    ['a zero-width space', body('lap\u200Btop'), /printable/],
  ])('refuses %s with a 400 that says why', (_what, input, message) => {
    let caught: unknown;
    try {
      keyNameOf(input as string | null);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadRequestError);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('session claims', () => {
  it('takes sub and email from the Cognito authorizer claims of an ID token', () => {
    expect(sessionUserFrom(event(alice))).toEqual(alice);
  });

  it('refuses missing claims, an access token and an empty sub', () => {
    expect(sessionUserFrom(event(null))).toBeUndefined();
    const access = event(alice);
    (access.requestContext.authorizer as { claims: Record<string, string> }).claims.token_use = 'access';
    expect(sessionUserFrom(access)).toBeUndefined();
    expect(sessionUserFrom(event({ sub: '', email: 'x@y.z' }))).toBeUndefined();
  });
});

describe('issuing keys', () => {
  it('stores the key as its hash with name and prefix, in the account, shown once', async () => {
    const { stores, deps } = setup();
    const account = await stores.ensure(alice, 'acct_alice', new Date());
    const issued = await issueAccountKey(deps, account, 'laptop', new Date('2026-11-30T12:00:00Z'));
    expect(issued.secret).toMatch(/^imgr_[A-Za-z0-9_-]{43}$/);
    const stored = stores.keys.get(hashApiKey(issued.secret))!;
    expect(stored).toMatchObject({ keyId: issued.key.keyId, accountId: 'acct_alice', name: 'laptop', prefix: issued.secret.slice(0, 9), createdAt: '2026-11-30T12:00:00.000Z' });
    expect(JSON.stringify([...stores.keys.values()])).not.toContain(issued.secret);
    expect(stores.view(alice.sub).activeKeys).toEqual({ [issued.key.keyId]: stored.keyHash });
  });

  it(`allows ${MAX_ACTIVE_KEYS} active keys, refuses the next with 409, and allows one again after a revoke`, async () => {
    const { stores, deps } = setup();
    await stores.ensure(alice, 'acct_alice', new Date());
    const ids: string[] = [];
    for (let i = 0; i < MAX_ACTIVE_KEYS; i += 1) ids.push((await issueAccountKey(deps, stores.view(alice.sub), `k${i}`)).key.keyId);
    const refused = issueAccountKey(deps, stores.view(alice.sub), 'eleventh');
    await expect(refused).rejects.toBeInstanceOf(TooManyKeysError);
    await expect(refused).rejects.toMatchObject({ statusCode: 409, message: 'An account can have at most 10 active keys' });
    expect(stores.keys.size).toBe(MAX_ACTIVE_KEYS);
    await revokeAccountKey(deps, stores.view(alice.sub), ids[3]);
    await expect(issueAccountKey(deps, stores.view(alice.sub), 'again')).resolves.toBeDefined();
  });

  it('counts a key revoked with the operators\' CLI as free (the slot is settled on the next create)', async () => {
    const { stores, deps } = setup();
    await stores.ensure(alice, 'acct_alice', new Date());
    const ids: string[] = [];
    for (let i = 0; i < MAX_ACTIVE_KEYS; i += 1) ids.push((await issueAccountKey(deps, stores.view(alice.sub), `k${i}`)).key.keyId);
    await stores.revoke(ids[0]); // what `npm run keys -- revoke` does: the record only
    await expect(issueAccountKey(deps, stores.view(alice.sub), 'after-cli')).resolves.toBeDefined();
    expect(Object.keys(stores.view(alice.sub).activeKeys)).not.toContain(ids[0]);
  });

  it("makes the account's meter with its first key: one API Gateway key holding a random usage identifier, reused by every later key", async () => {
    const plan = new RecordingPlan();
    const { stores, deps, gauge } = setup(plan);
    await stores.ensure(alice, 'acct_alice', new Date());
    const first = await issueAccountKey(deps, stores.view(alice.sub), 'laptop');
    const issued = [first];
    for (let i = 0; i < 4; i += 1) issued.push(await issueAccountKey(deps, stores.view(alice.sub), `more ${i}`));
    // One API Gateway key for the account, however many keys it makes.
    expect(plan.calls).toEqual(['add acct_alice']);
    const meter = stores.meters.get('acct_alice')!;
    expect(meter).toMatchObject({ accountId: 'acct_alice', apiGatewayKeyId: 'agw-acct_alice-1', usageIdentifier: expect.stringMatching(/^usage[0-9a-f]{48}$/) });
    expect(plan.values.get('agw-acct_alice-1')).toBe(meter.usageIdentifier);
    for (const { secret } of issued) {
      const stored = stores.keys.get(hashApiKey(secret))!;
      expect(stored.usageIdentifier).toBe(meter.usageIdentifier);
      // No API Gateway key of its own; API Gateway never holds a key.
      expect(stored.apiGatewayKeyId).toBeUndefined();
      expect([...plan.values.values()]).not.toContain(secret);
    }
    // The ceiling's gauge: the meters' API keys plus the console sessions' one.
    expect(gauge).toEqual([2]);

    // Another account: its own meter.
    await stores.ensure(bob, 'acct_bob', new Date());
    await issueAccountKey(deps, stores.view(bob.sub), 'ci');
    expect(plan.calls).toEqual(['add acct_alice', 'add acct_bob']);
    expect(gauge).toEqual([2, 3]);
  });

  it('leaves the meter in place and no key behind when storing the key fails', async () => {
    const plan = new RecordingPlan();
    const { stores, deps } = setup(plan);
    await stores.ensure(alice, 'acct_alice', new Date());
    stores.failPut = true;
    await expect(issueAccountKey(deps, stores.view(alice.sub), 'doomed')).rejects.toThrow('down');
    expect(Object.keys(stores.view(alice.sub).keys)).toEqual([]);
    expect(stores.keys.size).toBe(0);
    // The meter belongs to the account, not to the key: the next key uses it, no second API key.
    stores.failPut = false;
    await issueAccountKey(deps, stores.view(alice.sub), 'laptop');
    expect(plan.calls).toEqual(['add acct_alice']);
  });

  it('two first keys at once: one meter is stored, the other API Gateway key is deleted again, both keys use the stored meter', async () => {
    const plan = new RecordingPlan();
    const { stores, deps } = setup(plan);
    await stores.ensure(alice, 'acct_alice', new Date());
    // A concurrent first key stores its meter between our lookup and our put.
    stores.beforePutMeter = () => {
      stores.beforePutMeter = undefined;
      stores.meters.set('acct_alice', { accountId: 'acct_alice', usageIdentifier: 'usage_theirs', apiGatewayKeyId: 'agw-theirs', createdAt: new Date().toISOString() });
    };
    const issued = await issueAccountKey(deps, stores.view(alice.sub), 'laptop');
    expect(plan.calls).toEqual(['add acct_alice', 'remove agw-acct_alice-1']);
    expect(stores.keys.get(hashApiKey(issued.secret))!.usageIdentifier).toBe('usage_theirs');
    expect(stores.apiGatewayKeys).toBe(0);
  });

  it('releases the slot when the usage plan refuses the meter', async () => {
    const plan = new RecordingPlan();
    plan.failAdd = true;
    const { stores, deps } = setup(plan);
    const account = await stores.ensure(alice, 'acct_alice', new Date());
    await expect(issueAccountKey(deps, account, 'laptop')).rejects.toThrow('api gateway down');
    expect(stores.view(alice.sub).keys).toEqual({});
    expect(stores.keys.size).toBe(0);
    expect(stores.meters.size).toBe(0);
  });
});

describe('revoking keys', () => {
  it('is a table write only: no API Gateway call, no cache flush, the meter stays; a second revoke is harmless', async () => {
    const plan = new RecordingPlan();
    const { stores, deps } = setup(plan);
    const account = await stores.ensure(alice, 'acct_alice', new Date());
    const issued = await issueAccountKey(deps, account, 'laptop');
    const before = [...plan.calls];
    await revokeAccountKey(deps, stores.view(alice.sub), issued.key.keyId);
    await revokeAccountKey(deps, stores.view(alice.sub), issued.key.keyId);
    expect(plan.calls).toEqual(before);
    expect(plan.values.size).toBe(1);
    expect(stores.meters.get('acct_alice')).toBeDefined();
    const [listed] = await listAccountKeys(deps, stores.view(alice.sub));
    expect(listed.revokedAt).toBeDefined();
    expect(stores.view(alice.sub).activeKeys).toEqual({});
  });

  it("answers 404 for another account's key and leaves it active", async () => {
    const { stores, deps } = setup();
    await stores.ensure(alice, 'acct_alice', new Date());
    await stores.ensure(bob, 'acct_bob', new Date());
    const bobs = await issueAccountKey(deps, stores.view(bob.sub), 'bobs');
    await expect(revokeAccountKey(deps, stores.view(alice.sub), bobs.key.keyId)).rejects.toBeInstanceOf(KeyNotFoundError);
    expect(stores.keys.get(hashApiKey(bobs.secret))!.revokedAt).toBeUndefined();
  });
});

describe('usage this hour', () => {
  it("adds the account's console window (its sessions, one window like a key) to its keys' windows", async () => {
    const { stores, deps } = setup();
    await stores.ensure(alice, 'acct_alice', new Date());
    const issued = await issueAccountKey(deps, stores.view(alice.sub), 'laptop');
    const asked: string[][] = [];
    const usage = {
      async usage(keyIds: readonly string[], _window: Window) {
        asked.push([...keyIds]);
        return new Map([
          [issued.key.keyId, { requestsThisHour: 3 }],
          [sessionWindowId('acct_alice'), { requestsThisHour: 4 }],
        ]);
      },
    };
    const overview = await accountOverview({ accounts: stores, usage, images: { get: async () => ({ count: 0, bytes: 0 }) }, hourlyLimit: 1000 }, alice, Date.now());
    expect(asked).toEqual([[issued.key.keyId, 'console_acct_alice']]);
    expect(overview.usage).toMatchObject({ hourly_limit: 1000, requests_this_hour: 7 });
  });
});

describe('account key handlers', () => {
  it('answer 401 in the envelope when the route is reached without a session', async () => {
    const { deps } = setup();
    const response = await createCreateAccountKeyHandler(deps)(event(null, { body: '{"name":"x"}' }));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ status: 'error', message: 'Not signed in' });
  });

  it('create: 201 with Location and the key; 400 for a bad name, nothing stored', async () => {
    const { stores, deps } = setup();
    const handler = createCreateAccountKeyHandler(deps);
    const created = await handler(event(alice, { body: '{"name":"laptop"}' }));
    expect(created.statusCode).toBe(201);
    const data = JSON.parse(created.body).data;
    expect(created.headers?.Location).toBe(`/api/account/keys/${data.id}`);
    expect(Object.keys(data).sort()).toEqual(['created_at', 'id', 'key', 'last_used_at', 'name', 'prefix', 'requests_this_hour', 'status']);
    expect(data).toMatchObject({ name: 'laptop', status: 'active', last_used_at: null, requests_this_hour: 0 });
    const bad = await handler(event(alice, { body: JSON.stringify({ name: 'x'.repeat(65) }) }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).message).toBe('name must be 1 to 64 characters');
    expect(stores.keys.size).toBe(1);
  });

  it('revoke: 404 "Key not found" for a malformed or unknown id, 204 for its own key', async () => {
    const { stores, deps } = setup();
    const account = await stores.ensure(alice, 'acct_alice', new Date());
    const issued = await issueAccountKey(deps, account, 'laptop');
    const handler = createRevokeAccountKeyHandler(deps);
    for (const id of ['nope', 'key_AAAAAAAAAAAA', '../key']) {
      const response = await handler(event(alice, { pathParameters: { key_id: id } }));
      expect(response.statusCode, id).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ status: 'error', message: 'Key not found' });
    }
    const revoked = await handler(event(alice, { pathParameters: { key_id: issued.key.keyId } }));
    expect(revoked.statusCode).toBe(204);
  });
});
