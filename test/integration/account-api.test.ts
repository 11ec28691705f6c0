import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ACTIVE_KEYS } from '../../functions/core/accounts';
import { expectError, fixture, imageForm, JSON_TYPE } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { newEmail, type SignedIn, signUpAndIn } from '../support/session';

/**
 * The account routes (docs/accounts-and-console.md) through the local gateway, whose session check verifies the
 * Cognito ID token against cognito-local's JWKS the way API Gateway's Cognito authorizer does.
 */
let api: TestApi;
let alice: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  // No authorizer cache here: revocation and token checks are seen at once.
  api = await startTestApi({ IMAGER_AUTH_CACHE_SECONDS: '0' });
  [alice, bob] = await Promise.all([signUpAndIn(api, newEmail('alice')), signUpAndIn(api, newEmail('bob'))]);
});

afterAll(async () => {
  await api.stop();
});

function asUser(user: SignedIn | string, path: string, init: RequestInit = {}): Promise<Response> {
  const token = typeof user === 'string' ? user : user.idToken;
  return api.call(path, { ...init, key: null, headers: { Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers } });
}

async function data<T = any>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe(JSON_TYPE);
  const body = JSON.parse(text);
  expect(body.status).toBe('success');
  return body.data as T;
}

async function createKey(user: SignedIn, name: string): Promise<any> {
  return data(await asUser(user, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name }) }), 201);
}

/** A token with the emulator's own signing key (so only the claims are wrong). */
async function signedLikeTheEmulator(claims: Record<string, unknown>, expiresAt: number): Promise<string> {
  const require = createRequire(import.meta.url);
  const { jwk } = JSON.parse(readFileSync(require.resolve('cognito-local/lib/keys/cognitoLocal.private.json'), 'utf8')) as { jwk: Record<string, string> };
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' }).setIssuedAt(expiresAt - 3600).setExpirationTime(expiresAt).sign(key);
}

describe('session check (the Cognito authorizer, locally)', () => {
  it('lets a valid ID token through', async () => {
    const account = await data(await asUser(alice, '/api/account'));
    expect(account.email).toBe(alice.email);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a garbage token', 'Bearer not-a-jwt'],
    ['an API key instead of a session', 'Bearer imgr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('answers 401 in the envelope for %s', async (_what, header) => {
    const response = await api.call('/api/account', { key: null, headers: header ? { Authorization: header } : {} });
    await expectError(response, 401, 'Missing or invalid API key');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers 401 for a forged token: right claims, signed with another key under the emulator\'s key id', async () => {
    const claims = decodeJwt(alice.idToken);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' }).sign(privateKey);
    await expectError(await asUser(forged, '/api/account'), 401, 'Missing or invalid API key');
    // And a token whose payload was edited after signing (another sub).
    const [header, , signature] = alice.idToken.split('.');
    const edited = Buffer.from(JSON.stringify({ ...claims, sub: decodeJwt(bob.idToken).sub })).toString('base64url');
    await expectError(await asUser(`${header}.${edited}.${signature}`, '/api/account'), 401, 'Missing or invalid API key');
  });

  it('answers 401 for an expired token, a wrong audience, a wrong issuer and an access token (all properly signed)', async () => {
    const claims = decodeJwt(alice.idToken);
    const now = Math.floor(Date.now() / 1000);
    const { exp: _exp, iat: _iat, ...rest } = claims;
    const expired = await signedLikeTheEmulator(rest, now - 60);
    await expectError(await asUser(expired, '/api/account'), 401, 'Missing or invalid API key');
    const otherClient = await signedLikeTheEmulator({ ...rest, aud: 'another-app-client' }, now + 600);
    await expectError(await asUser(otherClient, '/api/account'), 401, 'Missing or invalid API key');
    const otherPool = await signedLikeTheEmulator({ ...rest, iss: `${api.cognito.endpoint}/local_OtherPool` }, now + 600);
    await expectError(await asUser(otherPool, '/api/account'), 401, 'Missing or invalid API key');
    // Control: the same signing with the right claims passes, so the refusals above are the claims'.
    const good = await signedLikeTheEmulator(rest, now + 600);
    expect((await asUser(good, '/api/account')).status).toBe(200);
    await expectError(await asUser(alice.accessToken, '/api/account'), 401, 'Missing or invalid API key');
  });
});

describe('GET /api/account', () => {
  it('creates the account on the first call, once, even when calls race', async () => {
    const carol = await signUpAndIn(api, newEmail('carol'));
    const answers = await Promise.all(Array.from({ length: 6 }, () => asUser(carol, '/api/account').then((r) => data(r))));
    const ids = new Set(answers.map((account) => account.account_id));
    expect(ids.size).toBe(1);
    const [account] = answers;
    expect(Object.keys(account).sort()).toEqual(['account_id', 'created_at', 'email', 'images', 'usage']);
    expect(account.account_id).toMatch(/^acct_/);
    expect(account.email).toBe(carol.email);
    expect(new Date(account.created_at).toISOString()).toBe(account.created_at);
    expect(account.usage.hourly_limit).toBe(1000);
    expect(account.usage.requests_this_hour).toBe(0);
    const reset = new Date(account.usage.reset_at).getTime();
    expect(reset % 3_600_000).toBe(0);
    expect(reset).toBeGreaterThan(Date.now());
    expect(account.images).toEqual({ count: 0, bytes: 0 });
  });

  it("counts this hour's requests of all the account's keys, and its images and bytes", async () => {
    const dave = await signUpAndIn(api, newEmail('dave'));
    const one = await createKey(dave, 'one');
    const two = await createKey(dave, 'two');
    const png = fixture('sample.png');
    const uploaded = await api.call('/api/images/upload', { method: 'POST', key: one.key, body: imageForm(png, 'a.png') });
    expect(uploaded.status).toBe(201);
    const image = ((await uploaded.json()) as any).data;
    expect((await api.call('/api/images', { key: one.key })).status).toBe(200);
    expect((await api.call('/api/images', { key: two.key })).status).toBe(200);
    const second = await api.call('/api/images/upload', { method: 'POST', key: two.key, body: imageForm(fixture('sample.gif'), 'b.gif') });
    const gif = ((await second.json()) as any).data;

    let account = await data(await asUser(dave, '/api/account'));
    expect(account.usage.requests_this_hour).toBe(4);
    expect(account.images).toEqual({ count: 2, bytes: image.size + gif.size });

    const keys = (await data(await asUser(dave, '/api/account/keys'))).keys;
    const byName = Object.fromEntries(keys.map((key: any) => [key.name, key]));
    expect(byName.one.requests_this_hour).toBe(2);
    expect(byName.two.requests_this_hour).toBe(2);
    for (const key of keys) {
      expect(Date.now() - new Date(key.last_used_at).getTime()).toBeLessThan(60_000);
    }

    expect((await api.call(`/api/images/${image.id}`, { method: 'DELETE', key: one.key })).status).toBe(204);
    account = await data(await asUser(dave, '/api/account'));
    expect(account.images).toEqual({ count: 1, bytes: gif.size });
    // Deleting again changes nothing (the record is gone: no second decrement).
    expect((await api.call(`/api/images/${image.id}`, { method: 'DELETE', key: one.key })).status).toBe(404);
    expect((await data(await asUser(dave, '/api/account'))).images).toEqual({ count: 1, bytes: gif.size });
  });
});

describe('keys', () => {
  it('creates a named key (201, Location, the secret once) that works as a bearer key at once', async () => {
    const response = await asUser(alice, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'laptop' }) });
    const key = await data(response, 201);
    expect(response.headers.get('location')).toBe(`/api/account/keys/${key.id}`);
    expect(Object.keys(key).sort()).toEqual(['created_at', 'id', 'key', 'last_used_at', 'name', 'prefix', 'requests_this_hour', 'status']);
    expect(key).toMatchObject({ name: 'laptop', status: 'active', last_used_at: null, requests_this_hour: 0 });
    expect(key.id).toMatch(/^key_[A-Za-z0-9_-]{12}$/);
    expect(key.key).toMatch(/^imgr_/);
    expect(key.prefix).toBe(key.key.slice(0, 9));
    expect((await api.call('/api/images', { key: key.key })).status).toBe(200);

    const listed = (await data(await asUser(alice, '/api/account/keys'))).keys;
    const mine = listed.find((k: any) => k.id === key.id);
    expect(Object.keys(mine).sort()).toEqual(['created_at', 'id', 'last_used_at', 'name', 'prefix', 'requests_this_hour', 'status']);
    expect(JSON.stringify(listed)).not.toContain(key.key);
    expect(mine.requests_this_hour).toBe(1);
    expect(mine.last_used_at).not.toBeNull();
  });

  it.each([
    ['an empty name', JSON.stringify({ name: '' }), 'name must be 1 to 64 characters'],
    ['65 characters', JSON.stringify({ name: 'k'.repeat(65) }), 'name must be 1 to 64 characters'],
    ['a control character', JSON.stringify({ name: 'a\tb' }), 'name must contain printable characters only'],
    ['no name', '{}', 'name must be a string'],
    ['not JSON', 'name=laptop', 'Request body must be JSON: {"name": "..."}'],
  ])('refuses %s with 400 and creates nothing', async (_what, body, message) => {
    const before = (await data(await asUser(bob, '/api/account/keys'))).keys.length;
    await expectError(await asUser(bob, '/api/account/keys', { method: 'POST', body }), 400, message);
    expect((await data(await asUser(bob, '/api/account/keys'))).keys).toHaveLength(before);
  });

  it(`allows ${MAX_ACTIVE_KEYS} active keys, answers 409 for the next (also when asked at once), and one more after a revoke`, async () => {
    const erin = await signUpAndIn(api, newEmail('erin'));
    const created = await Promise.all(Array.from({ length: MAX_ACTIVE_KEYS + 3 }, (_, i) => asUser(erin, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name: `k${i}` }) })));
    const statuses = created.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(MAX_ACTIVE_KEYS);
    expect(statuses.filter((s) => s === 409)).toHaveLength(3);
    const refused = created.find((r) => r.status === 409)!;
    await expectError(refused, 409, 'An account can have at most 10 active keys');
    const keys = (await data(await asUser(erin, '/api/account/keys'))).keys;
    expect(keys).toHaveLength(MAX_ACTIVE_KEYS);

    expect((await asUser(erin, `/api/account/keys/${keys[0].id}`, { method: 'DELETE' })).status).toBe(204);
    await createKey(erin, 'after revoke');
    await expectError(await asUser(erin, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'twelfth' }) }), 409, 'An account can have at most 10 active keys');
  });

  it("answers 404 for another account's key id and for unknown ids, and leaves the key working", async () => {
    const bobs = await createKey(bob, 'bobs');
    await expectError(await asUser(alice, `/api/account/keys/${bobs.id}`, { method: 'DELETE' }), 404, 'Key not found');
    await expectError(await asUser(alice, '/api/account/keys/key_AAAAAAAAAAAA', { method: 'DELETE' }), 404, 'Key not found');
    await expectError(await asUser(alice, '/api/account/keys/whatever', { method: 'DELETE' }), 404, 'Key not found');
    expect((await api.call('/api/images', { key: bobs.key })).status).toBe(200);
    expect((await data(await asUser(alice, '/api/account/keys'))).keys.map((k: any) => k.id)).not.toContain(bobs.id);
  });

  it('revokes a key (204): it is listed as revoked and the API refuses it (no authorizer cache here)', async () => {
    const key = await createKey(alice, 'to revoke');
    expect((await api.call('/api/images', { key: key.key })).status).toBe(200);
    const revoked = await asUser(alice, `/api/account/keys/${key.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    expect(await revoked.text()).toBe('');
    await expectError(await api.call('/api/images', { key: key.key }), 401, 'Missing or invalid API key');
    const listed = (await data(await asUser(alice, '/api/account/keys'))).keys.find((k: any) => k.id === key.id);
    expect(listed.status).toBe('revoked');
    // Again: still 204, nothing changes.
    expect((await asUser(alice, `/api/account/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('console files', () => {
  it('serves config.json with the emulator endpoint, the pool and the app client', async () => {
    const response = await fetch(`${api.url}/config.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      apiUrl: '',
      region: api.cognito.region,
      userPoolId: api.cognito.userPoolId,
      clientId: api.cognito.clientId,
      cognitoEndpoint: api.cognito.endpoint,
      maxImageBytes: 4 * 1024 * 1024,
      maxLargeImageBytes: 50 * 1024 * 1024,
    });
  });

  it('keeps unknown /api paths and path escapes as 404s in the envelope', async () => {
    await expectError(await fetch(`${api.url}/api/nothing-here`), 404, 'Not found');
    await expectError(await fetch(`${api.url}/..%2f..%2fpackage.json`), 404, 'Not found');
    await expectError(await fetch(`${api.url}/assets/%2e%2e/%2e%2e/package.json`), 404, 'Not found');
  });
});
