import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../support/accounts';
import { expectError, expectRateLimitHeaders, fixture, imageForm, type ImageBody, successData } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';

let api: TestApi;
beforeAll(async () => {
  // The local gateway caches authorizer results per token like API Gateway (60 s by default),
  // so a key revoked after it was used keeps working until its entry expires. With the cache
  // off, the revocation test sees the revocation on the next request instead of waiting out
  // the TTL. The cache itself is tested in gateway.test.ts with a fake clock.
  api = await startTestApi({ IMAGER_AUTH_CACHE_SECONDS: '0' });
});
afterAll(async () => {
  await api.stop();
});

interface ListBody {
  readonly images: ImageBody[];
  readonly next_cursor: string | null;
}

async function uploadAs(key: string): Promise<ImageBody> {
  const response = await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('sample.gif'), 'a.gif'), key });
  expect(response.status).toBe(201);
  return successData(response);
}

describe('bearer keys', () => {
  const UNKNOWN_KEY = `imgr_${'A'.repeat(43)}`;

  it.each<{ name: string; headers: Record<string, string> }>([
    { name: 'no Authorization header', headers: {} },
    { name: '"Bearer" with nothing', headers: { Authorization: 'Bearer' } },
    { name: '"Bearer " and spaces', headers: { Authorization: 'Bearer   ' } },
    { name: 'the Basic scheme', headers: { Authorization: 'Basic ZGV2OnNlY3JldA==' } },
    { name: 'a bare key without a scheme', headers: { Authorization: UNKNOWN_KEY } },
    { name: 'a key with characters no key has', headers: { Authorization: 'Bearer imgr_not/a+key==1234567890' } },
    { name: 'an unknown key', headers: { Authorization: `Bearer ${UNKNOWN_KEY}` } },
  ])('$name -> 401 on every /api route, nothing stored', async ({ headers }) => {
    const before = await storageState();
    const attempts = [
      api.call('/api/images', { key: null, headers }),
      api.call('/api/images/AAAAAAAAAAAAAAAAAAAAAA', { key: null, headers }),
      api.call('/api/images/AAAAAAAAAAAAAAAAAAAAAA', { key: null, headers, method: 'DELETE' }),
      api.call('/api/images/uploads', { key: null, headers, method: 'POST' }),
      api.call('/api/images/upload', { key: null, headers, method: 'POST', body: imageForm(fixture('sample.png'), 'a.png') }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      await expectError(response, 401, 'Missing or invalid API key');
    }
    expect(await storageState()).toEqual(before);
  });

  it('the dev key itself is accepted (the control for the cases above)', async () => {
    const response = await api.call('/api/images');
    expect(response.status).toBe(200);
    expectRateLimitHeaders(response);
  });

  it('a new key works at once; once revoked it gets 401', async () => {
    const carol = await createKey('carol');
    expect(carol.key).toMatch(/^imgr_[A-Za-z0-9_-]{43}$/);
    const before = await api.call('/api/images', { key: carol.key });
    expect(before.status).toBe(200);
    expectRateLimitHeaders(before);

    const summary = await revokeKey(carol.keyId);
    expect(summary.status).toBe('revoked');

    await expectError(await api.call('/api/images', { key: carol.key }), 401, 'Missing or invalid API key');
    await expectError(
      await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('sample.png'), 'a.png'), key: carol.key }),
      401,
      'Missing or invalid API key',
    );
    // Other keys are unaffected.
    expect((await api.call('/api/images')).status).toBe(200);
  });

  it("another account's image is 404 on GET and DELETE and absent from its list", async () => {
    const bob = await createKey('bob');
    const devImage = await uploadAs(api.devKey);
    const bobImage = await uploadAs(bob.key);

    const get = await api.call(`/api/images/${devImage.id}`, { key: bob.key });
    expectRateLimitHeaders(get);
    await expectError(get, 404, 'Image not found');
    await expectError(await api.call(`/api/images/${devImage.id}`, { key: bob.key, method: 'DELETE' }), 404, 'Image not found');
    await expectError(await api.call(`/api/images/${bobImage.id}`, { key: api.devKey }), 404, 'Image not found');

    // The refused delete removed nothing.
    const state = await storageState();
    expect(state.objects).toContain(`images/${devImage.id}`);
    expect(state.records.map((record) => record.id)).toContain(devImage.id);
    expect((await api.call(`/api/images/${devImage.id}`)).status).toBe(200);

    const bobList = await successData<ListBody>(await api.call('/api/images?limit=100', { key: bob.key }));
    expect(bobList.images.map((image) => image.id)).toEqual([bobImage.id]);
    const devList = await successData<ListBody>(await api.call('/api/images?limit=100'));
    expect(devList.images.map((image) => image.id)).toContain(devImage.id);
    expect(devList.images.map((image) => image.id)).not.toContain(bobImage.id);

    // A second key of the same account sees the account's images (rotation).
    const bob2 = await createKey('bob');
    expect(bob2.accountId).toBe(bob.accountId);
    expect((await api.call(`/api/images/${bobImage.id}`, { key: bob2.key })).status).toBe(200);
  });
});
