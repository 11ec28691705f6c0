import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../support/accounts';
import { download, expectError, expectRateLimitHeaders, fixture, type ImageBody } from '../support/http';
import { sendToS3, settled, startUpload } from '../support/large-upload';
import { uploadImage } from '../../client/index';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';

interface ListBody {
  readonly images: ImageBody[];
  readonly next_cursor: string | null;
}

let api: TestApi;
let bobKey: string;
const devImages: ImageBody[] = [];
const bobImages: ImageBody[] = [];

async function upload(key: string, file = 'sample.png'): Promise<ImageBody> {
  const { data, response } = await uploadImage(api.client(key), new Blob([fixture(file)]), file);
  expect(response.status).toBe(201);
  // The listing shows the image without the one-time delete link the upload answered.
  const { delete_url: deleteUrl, ...image } = data!.data as ImageBody & { delete_url: string };
  expect(deleteUrl).toMatch(/\/delete\/[A-Za-z0-9_-]{43}$/);
  return image;
}

/** GET /api/images through the typed client; `query` as in a URL (`?limit=20&cursor=...`). */
async function list(query: string, key?: string): Promise<{ response: Response; body: ListBody }> {
  const search = new URLSearchParams(query);
  const limit = search.get('limit');
  const cursor = search.get('cursor');
  const { data, response } = await api.client(key).GET('/api/images', {
    params: { query: { ...(limit === null ? {} : { limit: Number(limit) }), ...(cursor === null ? {} : { cursor }) } },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expectRateLimitHeaders(response);
  return { response, body: data!.data as ListBody };
}

/**
 * The order the API promises: newest first, ties broken by id (the by-account sort key). Each
 * image as its upload showed it, with what the analysis added since (its placeholder and colour,
 * `null` in the upload's answer: docs/apps.md).
 */
function newestFirst(images: readonly ImageBody[]): ImageBody[] {
  const key = (image: ImageBody): string => `${image.created_at}#${image.id}`;
  return [...images]
    .sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0))
    .map((image) => ({ ...image, thumbhash: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/), dominant_color: expect.stringMatching(/^#[0-9a-f]{6}$/) }));
}

beforeAll(async () => {
  // 45+ requests in a burst are well over the default usage-plan burst (40): lift the
  // throttle, which is not what this file tests.
  api = await startTestApi({ IMAGER_THROTTLE_RATE: '1000', IMAGER_THROTTLE_BURST: '1000' });
  bobKey = (await createKey('bob')).key;
  for (let i = 0; i < 45; i += 1) devImages.push(await upload(api.devKey, i % 2 ? 'sample.gif' : 'sample.png'));
  for (let i = 0; i < 2; i += 1) bobImages.push(await upload(bobKey));
  // Each image is analysed moments after its upload answered (docs/apps.md): let that finish.
  await api.idle();
});
afterAll(async () => {
  await api.stop();
});

describe('GET /api/images', () => {
  it('pages through 45 images with limit=20: 20, 20, 5, newest first, no duplicates, only the caller\'s', async () => {
    const pages: ListBody[] = [];
    let query = '?limit=20';
    for (;;) {
      const { body } = await list(query);
      pages.push(body);
      if (body.next_cursor === null) break;
      expect(pages.length).toBeLessThan(3);
      query = `?limit=20&cursor=${encodeURIComponent(body.next_cursor)}`;
    }
    expect(pages.map((page) => page.images.length)).toEqual([20, 20, 5]);
    expect(pages.map((page) => page.next_cursor === null)).toEqual([false, false, true]);

    const listed = pages.flatMap((page) => page.images);
    expect(new Set(listed.map((image) => image.id)).size).toBe(45);
    // Exactly the caller's images, each as upload showed it, newest first.
    expect(listed).toEqual(newestFirst(devImages));
    for (let i = 1; i < listed.length; i += 1) expect(listed[i - 1].created_at >= listed[i].created_at).toBe(true);
    // The cursor is opaque: no table keys or account ids in it.
    for (const cursor of pages.map((page) => page.next_cursor).filter((c): c is string => c !== null)) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(cursor, 'base64url').toString('utf8')).not.toMatch(/acct_|account|created_key/);
    }
  });

  it('defaults to 20 per page; limit=100 returns all 45 with no cursor', async () => {
    const first = await list('');
    expect(first.body.images).toEqual(newestFirst(devImages).slice(0, 20));
    expect(first.body.next_cursor).not.toBeNull();

    const all = await list('?limit=100');
    expect(all.body.images).toEqual(newestFirst(devImages));
    expect(all.body.next_cursor).toBeNull();
  });

  it('another account sees only its own images', async () => {
    const { body } = await list('?limit=100', bobKey);
    expect(body.images).toEqual(newestFirst(bobImages));
    expect(body.next_cursor).toBeNull();
  });

  it.each(['0', '101', 'abc', '-1', '1.5', '1e2'])('limit=%s -> 400', async (limit) => {
    const response = await api.call(`/api/images?limit=${limit}`);
    expectRateLimitHeaders(response);
    await expectError(response, 400, 'limit must be an integer from 1 to 100');
  });

  it('a tampered cursor -> 400 "Invalid cursor"', async () => {
    const { body } = await list('?limit=20');
    const cursor = body.next_cursor!;
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v: number; p: string };
    const reencode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const tampered = [
      cursor.slice(0, -3), // cut short
      `${cursor}!`, // not base64url
      reencode({ ...decoded, v: 2 }), // unknown version
      reencode({ ...decoded, p: `${decoded.p}#extra` }), // position of the wrong shape
      reencode({ v: 1, p: { S: decoded.p } }), // a raw DynamoDB key instead
      reencode({ ...decoded, p: decoded.p.replace(/#.*/, '') }), // id dropped
      'x'.repeat(600), // oversized
    ];
    for (const bad of tampered) {
      await expectError(await api.call(`/api/images?cursor=${encodeURIComponent(bad)}`), 400, 'Invalid cursor');
    }
  });
});

describe('DELETE /api/images/{id}', () => {
  it('204 with no body; then get, view and list say 404 / absent; object and record are gone; twice -> 404', async () => {
    const image = await upload(api.devKey);
    const before = await storageState();
    expect(before.objects).toContain(`images/${image.id}`);
    expect(before.records.map((record) => record.id)).toContain(image.id);

    const { response } = await api.client().DELETE('/api/images/{image_id}', { params: { path: { image_id: image.id } } });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('content-length') ?? '0').toBe('0');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expectRateLimitHeaders(response);

    await expectError(await api.call(`/api/images/${image.id}`), 404, 'Image not found');
    await expectError(await api.call(`/image/${image.id}`, { key: null }), 404, 'Image not found');
    const { body } = await list('?limit=100');
    expect(body.images.map((listed) => listed.id)).not.toContain(image.id);

    const after = await storageState();
    expect(after.objects).toEqual(before.objects.filter((key) => key !== `images/${image.id}`));
    expect(after.records).toEqual(before.records.filter((record) => record.id !== image.id));

    const again = await api.call(`/api/images/${image.id}`, { method: 'DELETE' });
    expectRateLimitHeaders(again);
    await expectError(again, 404, 'Image not found');
    await expectError(await api.call('/api/images/not-an-image-id', { method: 'DELETE' }), 404, 'Image not found');
  });

  it('deletes a large upload\'s published object too (finalize already emptied uploads/)', async () => {
    const bytes = fixture('sample.jpg');
    const started = await startUpload(api, { size: bytes.byteLength });
    expect((await sendToS3(started.upload, bytes)).status).toBe(200);
    const image = await settled(api, started.id);
    expect(image.state).toBe('ready');
    expect((await download(image.url)).response.status).toBe(200);
    const before = (await storageState()).objects;
    expect(before).toContain(`images/${image.id}`);
    expect(before).not.toContain(`uploads/${image.id}`);

    expect((await api.call(`/api/images/${image.id}`, { method: 'DELETE' })).status).toBe(204);
    const state = await storageState();
    expect(state.objects.filter((key) => key.includes(image.id))).toEqual([]);
    expect(state.records.map((record) => record.id)).not.toContain(image.id);
    await expectError(await api.call(`/image/${image.id}`, { key: null }), 404, 'Image not found');
  });

  it("another account's image: 404 and nothing deleted", async () => {
    const target = bobImages[0];
    await expectError(await api.call(`/api/images/${target.id}`, { method: 'DELETE' }), 404, 'Image not found');
    const state = await storageState();
    expect(state.objects).toContain(`images/${target.id}`);
    expect((await api.call(`/api/images/${target.id}`, { key: bobKey })).status).toBe(200);
  });
});
