import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand, GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import { CognitoIdentityProviderClient, InitiateAuthCommand, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METERS_PLAN_TAG } from '../../functions/adapters/api-gateway-usage-keys';
import { expectError, expectRateLimitHeaders, fixture, imageForm, successData } from '../support/http';
import { bmp24 } from '../support/images';
import { startTestApi, type TestApi } from '../support/local-api';
import { partOf, putPart, type SignedPart, type StartedMultipart } from '../support/multipart-upload';
import { newEmail, type SignedIn, signUpAndIn, TEST_PASSWORD } from '../support/session';

/**
 * The console's session on the image routes (docs/accounts-and-console.md), through the real local
 * API: the key authorizer verifies cognito-local's ID tokens with the code it runs on AWS, and a
 * session counts as a key of its person's account (one hourly window, the rate-limit headers).
 *
 * The local API runs here with REST_API_ID set, so the functions that may call API Gateway have
 * their client, answered by aws-sdk-client-mock: every control-plane call is counted.
 */
/** Above the 100 image requests of the sign-in rounds below, each person having a window of their own. */
const HOURLY = 120;
let api: TestApi;
let dana: SignedIn;
let eve: SignedIn;
const apigw = mockClient(APIGatewayClient);

beforeAll(async () => {
  apigw.on(GetUsagePlansCommand).resolves({ items: [{ id: 'plan-keys', tags: { [METERS_PLAN_TAG.key]: METERS_PLAN_TAG.value }, apiStages: [{ apiId: 'local-api', stage: 'v1' }] }] });
  apigw.on(CreateApiKeyCommand).resolves({ id: 'apigw-meter' });
  apigw.on(CreateUsagePlanKeyCommand).resolves({});
  // No authorizer cache: each request is the authorizer's decision.
  api = await startTestApi({ IMAGER_AUTH_CACHE_SECONDS: '0', IMAGER_HOURLY_LIMIT: String(HOURLY), REST_API_ID: 'local-api', STAGE_NAME: 'v1', IMAGER_STACK_NAME: 'Imager' });
  [dana, eve] = await Promise.all([signUpAndIn(api, newEmail('dana')), signUpAndIn(api, newEmail('eve'))]);
});

afterAll(async () => {
  await api?.stop();
  delete process.env.REST_API_ID;
  delete process.env.STAGE_NAME;
  delete process.env.IMAGER_STACK_NAME;
  apigw.restore();
});

function withSession(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return api.call(path, { ...init, key: null, headers: { Authorization: `Bearer ${token}`, ...init.headers } });
}

function cognito(): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint: api.cognito.endpoint, region: api.cognito.region, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
}

/** A token with the emulator's own signing key (so only the claims are wrong). */
async function signedLikeTheEmulator(claims: Record<string, unknown>, expiresAt: number): Promise<string> {
  const require = createRequire(import.meta.url);
  const { jwk } = JSON.parse(readFileSync(require.resolve('cognito-local/lib/keys/cognitoLocal.private.json'), 'utf8')) as { jwk: Record<string, string> };
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' }).setIssuedAt(expiresAt - 3600).setExpirationTime(expiresAt).sign(key);
}

describe('the console session on the image routes', () => {
  it('is refused (401) until its person has an account, which the first account call makes', async () => {
    await expectError(await withSession(dana.idToken, '/api/images'), 401, 'Missing or invalid API key');
    expect((await withSession(dana.idToken, '/api/account')).status).toBe(200);
    expect((await withSession(dana.idToken, '/api/images')).status).toBe(200);
    expect((await withSession(eve.idToken, '/api/account')).status).toBe(200);
  });

  it("uploads, lists, gets and deletes as its account: a key of the account sees the same images, another person's session gets 404", async () => {
    const uploaded = await withSession(dana.idToken, '/api/images/upload', { method: 'POST', body: imageForm(fixture('sample.png'), 'sample.png') });
    expect(uploaded.status).toBe(201);
    expectRateLimitHeaders(uploaded);
    const image = await successData(uploaded);
    const listed = await successData<{ images: Array<{ id: string }> }>(await withSession(dana.idToken, '/api/images'));
    expect(listed.images.map((i) => i.id)).toContain(image.id);
    expect((await withSession(dana.idToken, `/api/images/${image.id}`)).status).toBe(200);

    const created = await successData<{ key: string }>(
      await withSession(dana.idToken, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'laptop' }), headers: { 'Content-Type': 'application/json' } }),
    );
    expect((await api.call(`/api/images/${image.id}`, { key: created.key })).status).toBe(200);
    await expectError(await withSession(eve.idToken, `/api/images/${image.id}`), 404, 'Image not found');
    await expectError(await withSession(eve.idToken, `/api/images/${image.id}`, { method: 'DELETE' }), 404, 'Image not found');

    expect((await withSession(dana.idToken, `/api/images/${image.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await api.call(`/api/images/${image.id}`, { key: created.key }), 404, 'Image not found');
  });

  it("takes the resumable routes and PATCH too: start, sign, list, complete, abort and visibility as its account; another person's session gets 404", async () => {
    const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    const bytes = bmp24(1600, 1400); // 6.4 MiB: two parts
    const startedResponse = await withSession(dana.idToken, '/api/images/uploads', json('POST', { size: bytes.byteLength, multipart: true }));
    expect(startedResponse.status).toBe(201);
    expectRateLimitHeaders(startedResponse);
    const started = await successData<StartedMultipart>(startedResponse);
    expect(started.upload).toMatchObject({ method: 'multipart', part_count: 2 });

    const { parts } = await successData<{ parts: SignedPart[] }>(await withSession(dana.idToken, `/api/images/${started.id}/upload/parts`, json('POST', {})));
    expect(parts.map((part) => part.part_number)).toEqual([1, 2]);
    const etags = [];
    for (const part of parts) {
      const put = await putPart(part, partOf(bytes, started.upload.part_size, part.part_number));
      expect(put.status).toBe(200);
      etags.push({ part_number: part.part_number, etag: put.headers.get('etag')! });
    }
    const listed = await successData<{ parts: Array<{ part_number: number }> }>(await withSession(dana.idToken, `/api/images/${started.id}/upload/parts`));
    expect(listed.parts.map((part) => part.part_number)).toEqual([1, 2]);

    // Another person's session: none of these routes sees dana's upload.
    await expectError(await withSession(eve.idToken, `/api/images/${started.id}/upload/parts`, json('POST', {})), 404, 'Image not found');
    await expectError(await withSession(eve.idToken, `/api/images/${started.id}/upload/parts`), 404, 'Image not found');
    await expectError(await withSession(eve.idToken, `/api/images/${started.id}/upload/complete`, json('POST', { parts: etags })), 404, 'Image not found');
    await expectError(await withSession(eve.idToken, `/api/images/${started.id}/upload`, { method: 'DELETE' }), 404, 'Image not found');
    await expectError(await withSession(eve.idToken, `/api/images/${started.id}`, json('PATCH', { visibility: 'private' })), 404, 'Image not found');

    expect((await withSession(dana.idToken, `/api/images/${started.id}/upload/complete`, json('POST', { parts: etags }))).status).toBe(202);
    let image = await successData<{ state: string; visibility?: string }>(await withSession(dana.idToken, `/api/images/${started.id}`));
    for (let attempt = 0; image.state === 'pending' && attempt < 100; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      image = await successData(await withSession(dana.idToken, `/api/images/${started.id}`));
    }
    expect(image.state).toBe('ready');
    const patched = await withSession(dana.idToken, `/api/images/${started.id}`, json('PATCH', { visibility: 'private' }));
    expect(patched.status).toBe(200);
    expect(await successData(patched)).toMatchObject({ id: started.id, visibility: 'private' });

    // An upload abandoned with the session: aborted, then gone.
    const abandoned = await successData<StartedMultipart>(await withSession(dana.idToken, '/api/images/uploads', json('POST', { size: bytes.byteLength, multipart: true })));
    expect((await withSession(dana.idToken, `/api/images/${abandoned.id}/upload`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await withSession(dana.idToken, `/api/images/${abandoned.id}`), 404, 'Image not found');
    expect((await withSession(dana.idToken, `/api/images/${started.id}`, { method: 'DELETE' })).status).toBe(204);
  }, 60_000);

  it.each([
    ['expired', (claims: Record<string, unknown>) => claims, -60],
    ['for another app client', (claims: Record<string, unknown>) => ({ ...claims, aud: 'another-client' }), 3600],
    ['from another issuer', (claims: Record<string, unknown>) => ({ ...claims, iss: 'http://127.0.0.1:1/other-pool' }), 3600],
    ['an access token', (claims: Record<string, unknown>) => ({ ...claims, token_use: 'access' }), 3600],
  ])('refuses a token %s with 401, before any function of the route runs', async (_what, change, lifetime) => {
    const claims = decodeJwt(dana.idToken) as Record<string, unknown>;
    const token = await signedLikeTheEmulator(change(claims), Math.floor(Date.now() / 1000) + lifetime);
    const refused = await withSession(token, '/api/images');
    await expectError(refused, 401, 'Missing or invalid API key');
    expect(refused.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('refuses a forged signature and a malformed token with 401', async () => {
    const [header, payload] = dana.idToken.split('.');
    await expectError(await withSession(`${header}.${payload}.${'A'.repeat(342)}`, '/api/images'), 401, 'Missing or invalid API key');
    await expectError(await withSession(`${header}.${payload}`, '/api/images'), 401, 'Missing or invalid API key');
  });
});

describe("a session is metered like a key of its account: the account's console window", () => {
  it('counts down in the rate-limit headers, shared by every session of the person, shows in the account usage, and answers 429 past the hourly limit', async () => {
    const person = await signUpAndIn(api, newEmail('frank'));
    const before = await successData<{ usage: { requests_this_hour: number } }>(await withSession(person.idToken, '/api/account'));
    expect(before.usage.requests_this_hour).toBe(0);
    // A second sign-in (another tab or browser) of the same person: a new token, the same window.
    const client = cognito();
    const second = (await client.send(new InitiateAuthCommand({ ClientId: api.cognito.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: person.email, PASSWORD: TEST_PASSWORD } })))
      .AuthenticationResult!.IdToken!;
    client.destroy();
    expect(second).not.toBe(person.idToken);

    // Back to back, faster than a key's throttle (20 rps, burst 40) allows: the sessions' meter is
    // on a plan without throttle or quota; the hourly window is what holds the account.
    const remaining: number[] = [];
    for (let i = 0; i < HOURLY; i += 1) {
      const response = await withSession(i % 2 === 0 ? person.idToken : second, '/api/images');
      expect(response.status).toBe(200);
      expectRateLimitHeaders(response);
      expect(response.headers.get('x-ratelimit-limit')).toBe(String(HOURLY));
      remaining.push(Number(response.headers.get('x-ratelimit-remaining')));
    }
    expect(remaining).toEqual(Array.from({ length: HOURLY }, (_, i) => HOURLY - 1 - i));
    const over = await withSession(second, '/api/images');
    await expectError(over, 429, 'Rate limit exceeded');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');

    const after = await successData<{ usage: { requests_this_hour: number; hourly_limit: number } }>(await withSession(person.idToken, '/api/account'));
    expect(after.usage).toMatchObject({ requests_this_hour: HOURLY, hourly_limit: HOURLY });
    // A key of the account has a window of its own, and the console is not one of its keys.
    const created = await successData<{ key: string }>(
      await withSession(person.idToken, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'ci' }), headers: { 'Content-Type': 'application/json' } }),
    );
    const keyed = await api.call('/api/images', { key: created.key });
    expect(keyed.status).toBe(200);
    expect(keyed.headers.get('x-ratelimit-remaining')).toBe(String(HOURLY - 1));
    const keys = await successData<{ keys: Array<{ name: string }> }>(await withSession(person.idToken, '/api/account/keys'));
    expect(keys.keys.map((k) => k.name)).toEqual(['ci']);
  }, 60_000);
});

describe('the API Gateway control plane', () => {
  it('100 sign-ins, each using its session on image and account routes, then signing out: no API Gateway call', async () => {
    const person = await signUpAndIn(api, newEmail('grace'));
    expect((await withSession(person.idToken, '/api/account')).status).toBe(200);
    apigw.resetHistory();
    const client = cognito();
    try {
      for (let round = 0; round < 100; round += 1) {
        const signedIn = (
          await client.send(new InitiateAuthCommand({ ClientId: api.cognito.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: person.email, PASSWORD: TEST_PASSWORD } }))
        ).AuthenticationResult!;
        expect((await withSession(signedIn.IdToken!, '/api/images?limit=1')).status).toBe(200);
        expect((await withSession(signedIn.IdToken!, '/api/account/keys')).status).toBe(200);
        // The console's sign-out: Cognito's RevokeToken, and nothing else.
        await client.send(new RevokeTokenCommand({ ClientId: api.cognito.clientId, Token: signedIn.RefreshToken! }));
      }
    } finally {
      client.destroy();
    }
    expect(apigw.calls()).toHaveLength(0);
    // No key appeared for the console.
    const keys = await successData<{ keys: unknown[] }>(await withSession(person.idToken, '/api/account/keys'));
    expect(keys.keys).toEqual([]);
  }, 120_000);

  it("the account's first key makes its one API Gateway key; its next keys and revoking them make no call", async () => {
    const person = await signUpAndIn(api, newEmail('heidi'));
    apigw.resetHistory();
    const create = async (name: string) =>
      successData<{ id: string }>(await withSession(person.idToken, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name }), headers: { 'Content-Type': 'application/json' } }));
    const first = await create('first');
    expect(apigw.commandCalls(CreateApiKeyCommand)).toHaveLength(1);
    expect(apigw.commandCalls(CreateUsagePlanKeyCommand)).toHaveLength(1);
    apigw.resetHistory();
    const more = [await create('second'), await create('third')];
    for (const key of [first, ...more]) expect((await withSession(person.idToken, `/api/account/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(apigw.calls()).toHaveLength(0);
  });
});
