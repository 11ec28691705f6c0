import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, fixture, imageForm, JSON_TYPE } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { newEmail, type SignedIn, signUpAndIn, TEST_PASSWORD } from '../support/session';

/**
 * DELETE /api/account through the local API (docs/account-deletion.md): the password confirms,
 * keys stop at once, asking twice is the same deletion, and what it leaves is checked in
 * test/integration/account-deletion-crash.test.ts (killed halfway, every table and prefix).
 */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ IMAGER_AUTH_CACHE_SECONDS: '0' });
});

afterAll(async () => {
  await api.stop();
});

function asUser(user: SignedIn, path: string, init: RequestInit = {}): Promise<Response> {
  return api.call(path, { ...init, key: null, headers: { Authorization: `Bearer ${user.idToken}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers } });
}

async function data<T = any>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe(JSON_TYPE);
  return JSON.parse(text).data as T;
}

async function withKeyAndImage(user: SignedIn): Promise<{ key: string; imageId: string }> {
  const created = await data(await asUser(user, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'laptop' }) }), 201);
  const upload = await data(await api.call('/api/images/upload', { method: 'POST', key: created.key, body: imageForm(fixture('sample.png'), 'a.png', 'image/png') }), 201);
  return { key: created.key, imageId: upload.id };
}

function signIn(email: string, password: string) {
  const client = new CognitoIdentityProviderClient({ endpoint: api.cognito.endpoint, region: api.cognito.region, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
  return client
    .send(new InitiateAuthCommand({ ClientId: api.cognito.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }))
    .finally(() => client.destroy());
}

describe('DELETE /api/account', () => {
  it('refuses a wrong or missing password with a 4xx envelope and deletes nothing', async () => {
    const user = await signUpAndIn(api, newEmail('wrong'));
    const { key, imageId } = await withKeyAndImage(user);
    await expectError(await asUser(user, '/api/account', { method: 'DELETE', body: JSON.stringify({ password: 'Not-The-Password-1' }) }), 403, 'Password is incorrect');
    await expectError(await asUser(user, '/api/account', { method: 'DELETE', body: JSON.stringify({}) }), 400, 'password must be a non-empty string');
    await expectError(await asUser(user, '/api/account', { method: 'DELETE', body: JSON.stringify({ password: TEST_PASSWORD, extra: 1 }) }), 400, 'Unknown field: extra');
    await expectError(await asUser(user, '/api/account', { method: 'DELETE' }), 400, 'Request body must be JSON: {"password": "..."}');
    await api.idle();
    expect((await data(await asUser(user, '/api/account/deletion'), 200)).state).toBe('none');
    expect((await data(await asUser(user, '/api/account'), 200)).images.count).toBe(1);
    expect((await api.call(`/api/images/${imageId}`, { key })).status).toBe(200);
    expect((await api.call(`/image/${imageId}`, { key: null, redirect: 'follow' })).status).toBe(200);
  });

  it('stops the keys and the console session at once, answers the same when asked again, and finishes: user, images and account gone', async () => {
    const user = await signUpAndIn(api, newEmail('leaving'));
    const { key, imageId } = await withKeyAndImage(user);
    // The session on the image routes works until the deletion, with an Idempotency-Key record kept.
    expect((await asUser(user, `/api/images/${imageId}`)).status).toBe(200);
    const kept = await api.call('/api/images/upload', { method: 'POST', key, headers: { 'Idempotency-Key': 'leaving-1' }, body: imageForm(fixture('sample.png'), 'b.png', 'image/png') });
    expect(kept.status).toBe(201);
    await api.idle();
    const first = await asUser(user, '/api/account', { method: 'DELETE', body: JSON.stringify({ password: TEST_PASSWORD }) });
    expect(first.headers.get('location')).toBe('/api/account/deletion');
    const started = await data(first, 202);
    expect(started).toMatchObject({ state: 'deleting', step: expect.any(String), steps_total: 10 });
    // Before the job has done anything more: the key and the session are already refused.
    await expectError(await api.call(`/api/images/${imageId}`, { key }), 401, /./);
    await expectError(await asUser(user, `/api/images/${imageId}`), 401, /./);
    await expectError(await asUser(user, '/api/images'), 401, /./);
    // Asked again (at once, and after the job): the same deletion, no error, nothing new.
    const again = await data(await asUser(user, '/api/account', { method: 'DELETE', body: JSON.stringify({ password: TEST_PASSWORD }) }), 202);
    expect(again.started_at).toBe(started.started_at);
    await api.idle();
    const done = await data(await asUser(user, '/api/account/deletion'), 200);
    expect(done).toMatchObject({ state: 'deleted', step: null, steps_done: 10, steps_total: 10 });
    const afterwards = await data(await asUser(user, '/api/account', { method: 'DELETE', body: JSON.stringify({ password: TEST_PASSWORD }) }), 202);
    expect(afterwards).toEqual(done);
    await api.idle();
    // Every other account route: 410, and no account is made again from the still-valid token.
    await expectError(await asUser(user, '/api/account'), 410, 'This account is being deleted');
    await expectError(await asUser(user, '/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'again' }) }), 410, 'This account is being deleted');
    await expect(signIn(user.email, TEST_PASSWORD)).rejects.toMatchObject({ name: expect.stringMatching(/NotAuthorizedException|UserNotFoundException/) });
    expect((await api.call(`/image/${imageId}`, { key: null, redirect: 'follow' })).status).toBe(404);
    expect(api.edgeStore.get(imageId)).toBe('x');
    // And the session stays refused on the image routes once the account is a tombstone.
    await expectError(await asUser(user, '/api/images'), 401, /./);
  });
});
