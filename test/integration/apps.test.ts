import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio } from 'thumbhash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadImage } from '../../client/index';
import { createKey } from '../support/accounts';
import { SIMILAR_MAX_DISTANCE } from '../../functions/core/similarity';
import { download, expectError, fixture, type ImageBody, successData } from '../support/http';
import { sendToS3, settled, startUpload } from '../support/large-upload';
import { complete, sendAllParts, startMultipart } from '../support/multipart-upload';
import { startTestApi, type TestApi } from '../support/local-api';
import { newEmail, type SignedIn, signUpAndIn } from '../support/session';
import { unzipEntries } from '../support/zip';

/**
 * Apps on Imager (docs/apps.md) through the local API: metadata at upload, large upload and
 * PATCH, listed by pair; the analysis after publishing (ThumbHash, dominant colour, perceptual
 * hash); duplicates by sha256 and similar images; and an account export downloaded and
 * compared byte for byte with what each image's `url` serves.
 */
interface AppImage extends ImageBody {
  readonly metadata: Record<string, string>;
  readonly thumbhash: string | null;
  readonly dominant_color: string | null;
  readonly duplicate_of?: string;
}

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ IMAGER_THROTTLE_RATE: '1000', IMAGER_THROTTLE_BURST: '1000', IMAGER_AUTH_CACHE_SECONDS: '0' });
});
afterAll(async () => {
  await api.stop();
});

async function upload(bytes: Uint8Array, options: Parameters<typeof uploadImage>[3] = {}, key?: string): Promise<{ status: number; image: AppImage }> {
  const { data, response } = await uploadImage(api.client(key), new Blob([bytes]), 'photo', options);
  expect([200, 201]).toContain(response.status);
  return { status: response.status, image: data!.data as AppImage };
}

async function get(id: string, key?: string): Promise<AppImage> {
  const response = await api.call(`/api/images/${id}`, key === undefined ? {} : { key });
  expect(response.status).toBe(200);
  return successData<AppImage>(response);
}

/** Every page of `GET /api/images?metadata.<key>=<value>`, `limit` a page. */
async function listByPair(key: string, value: string, limit: number): Promise<AppImage[][]> {
  const pages: AppImage[][] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ [`metadata.${key}`]: value, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const response = await api.call(`/api/images?${query}`);
    expect(response.status).toBe(200);
    const page = await successData<{ images: AppImage[]; next_cursor: string | null }>(response);
    pages.push(page.images);
    cursor = page.next_cursor;
  } while (cursor);
  return pages;
}

/** A picture of its own (a gradient with a shape), so that no other test's images look like it. */
async function picture(seed: number, width = 320, height = 200): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="hsl(${seed * 47}, 70%, 40%)"/><stop offset="1" stop-color="hsl(${seed * 47 + 120}, 70%, 70%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="${60 + ((seed * 37) % 200)}" cy="${50 + ((seed * 23) % 100)}" r="${30 + (seed % 5) * 8}" fill="#fff"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

describe('metadata', () => {
  it('is kept at upload, listed by pair from its index, newest first, in pages, and changed by PATCH', async () => {
    const tagged: AppImage[] = [];
    for (let i = 0; i < 5; i += 1) tagged.push((await upload(await picture(100 + i), { metadata: { user: '42', n: String(i) } })).image);
    const other = (await upload(await picture(110), { metadata: { user: '7' } })).image;
    await upload(await picture(111));
    expect(tagged[0].metadata).toEqual({ user: '42', n: '0' });
    expect((await get(other.id)).metadata).toEqual({ user: '7' });

    const pages = await listByPair('user', '42', 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((image) => image.id)).toEqual(tagged.map((image) => image.id).reverse());

    // PATCH replaces the whole metadata: the image leaves user=42 and joins user=7.
    const response = await api.call(`/api/images/${tagged[1].id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { user: '7', album: 'x' } }),
    });
    expect(response.status).toBe(200);
    expect((await successData<AppImage>(response)).metadata).toEqual({ user: '7', album: 'x' });
    expect((await listByPair('user', '42', 100)).flat().map((image) => image.id)).not.toContain(tagged[1].id);
    expect((await listByPair('user', '7', 100)).flat().map((image) => image.id).sort()).toEqual([tagged[1].id, other.id].sort());
    expect((await listByPair('album', 'x', 100)).flat().map((image) => image.id)).toEqual([tagged[1].id]);

    // Another account's images never show up under the same pair.
    const bobKey = (await createKey('bob-apps')).key;
    await upload(await picture(112), { metadata: { user: '42' } }, bobKey);
    expect((await listByPair('user', '42', 100)).flat()).toHaveLength(4);

    // Deleted: gone from the pair's list too.
    expect((await api.call(`/api/images/${tagged[0].id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await listByPair('user', '42', 100)).flat().map((image) => image.id)).not.toContain(tagged[0].id);
  });

  it('is kept on a large upload from the start, and through finalize', async () => {
    const started = await api.call('/api/images/uploads', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { user: 'large' } }),
    });
    expect(started.status).toBe(201);
    const pending = await successData<AppImage & { upload: Parameters<typeof sendToS3>[0] }>(started);
    expect(pending.metadata).toEqual({ user: 'large' });
    expect((await listByPair('user', 'large', 10)).flat().map((image) => image.id)).toEqual([pending.id]);
    expect((await sendToS3(pending.upload, await picture(120))).ok).toBe(true);
    const ready = (await settled(api, pending.id)) as AppImage;
    expect(ready).toMatchObject({ state: 'ready', metadata: { user: 'large' } });
  });

  it.each([
    ['not JSON', 'user=42', 'The form field "metadata" must be a JSON object of strings'],
    ['a key with capitals', JSON.stringify({ User: '1' }), /metadata keys are 1 to 40 characters/],
    ['a number value', JSON.stringify({ user: 42 }), 'metadata.user must be a string'],
    ['21 pairs', JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))), 'metadata holds at most 20 pairs'],
    ['a value of 257 characters', JSON.stringify({ user: 'x'.repeat(257) }), 'metadata.user is longer than 256 characters'],
  ])('refuses %s with 400 and stores nothing', async (_name, text, message) => {
    const form = new FormData();
    form.append('metadata', text);
    form.append('image', new Blob([fixture('sample.png')]), 'sample.png');
    await expectError(await api.call('/api/images/upload', { method: 'POST', body: form }), 400, message);
  });

  it('filters by one pair at a time', async () => {
    await expectError(await api.call('/api/images?metadata.a=1&metadata.b=2'), 400, 'Filter by one metadata pair at a time');
  });
});

describe('analysis: ThumbHash, dominant colour', () => {
  it.each([
    ['a landscape JPEG', 'sample.jpg'],
    ['a JPEG shown rotated (EXIF orientation 6)', 'orient6.jpg'],
    ['a PNG with alpha', 'alpha.png'],
    ['an animated GIF', 'anim.gif'],
    ['a BMP', 'sample.bmp'],
  ])('%s: null at first, then a ThumbHash that decodes to its displayed aspect ratio and a #rrggbb colour', async (_name, file) => {
    const { image } = await upload(fixture(file));
    const analysed = await analysedImage(image.id);
    expect(analysed.dominant_color).toMatch(/^#[0-9a-f]{6}$/);
    expectAspectRatio(analysed);
  });

  it('is on a large upload too, once finalized', async () => {
    const started = await startUpload(api);
    expect((await sendToS3(started.upload, await picture(130, 200, 400))).ok).toBe(true);
    await settled(api, started.id);
    const analysed = await analysedImage(started.id);
    expect(analysed).toMatchObject({ width: 200, height: 400 });
    expectAspectRatio(analysed);
  });
});

describe('every way of publishing', () => {
  it('a resumable (multipart) upload keeps its metadata, is analysed once finalized, and is a duplicate later uploads name', async () => {
    const bytes = await picture(170, 240, 360);
    const started = await startMultipart(api, bytes.byteLength, { metadata: { user: 'parts' } });
    expect((started as unknown as AppImage).metadata).toEqual({ user: 'parts' });
    expect((await listByPair('user', 'parts', 10)).flat().map((image) => image.id)).toEqual([started.id]);
    expect((await complete(api, started.id, await sendAllParts(api, started, bytes))).status).toBe(202);
    expect(await settled(api, started.id)).toMatchObject({ state: 'ready', metadata: { user: 'parts' } });
    const analysed = await analysedImage(started.id);
    expect(analysed).toMatchObject({ width: 240, height: 360 });
    expectAspectRatio(analysed);
    // Finalize put it in the by-SHA index: the same bytes sent directly name it.
    const again = await upload(bytes);
    expect(again.image.duplicate_of).toBe(started.id);
    expect((await upload(bytes, { onDuplicate: 'return' })).image.id).toBe(started.id);
  });

  it('a presigned upload keeps visibility and metadata together, and one PATCH changes both', async () => {
    const started = await api.call('/api/images/uploads', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { user: 'private-large' }, visibility: 'private' }),
    });
    expect(started.status).toBe(201);
    const pending = await successData<AppImage & { visibility: string; upload: Parameters<typeof sendToS3>[0] }>(started);
    expect(pending).toMatchObject({ metadata: { user: 'private-large' }, visibility: 'private' });
    expect((await sendToS3(pending.upload, await picture(171))).ok).toBe(true);
    await settled(api, pending.id);
    expect((await analysedImage(pending.id)).dominant_color).toMatch(/^#[0-9a-f]{6}$/);

    const patched = await api.call(`/api/images/${pending.id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { user: 'opened' }, visibility: 'public' }),
    });
    expect(patched.status).toBe(200);
    expect(await successData<AppImage & { visibility: string }>(patched)).toMatchObject({ metadata: { user: 'opened' }, visibility: 'public' });
    expect((await listByPair('user', 'private-large', 10)).flat()).toEqual([]);
    expect((await listByPair('user', 'opened', 10)).flat().map((image) => image.id)).toEqual([pending.id]);
    expect((await download(pending.url)).response.status).toBe(200);
  });
});

/**
 * The ThumbHash decodes to the image's displayed aspect ratio, within what ThumbHash keeps of
 * it: its sides are stored as whole numbers of 1/7 of the longer one (at most 1/7, under 15%).
 */
function expectAspectRatio(image: AppImage): void {
  const ratio = thumbHashToApproximateAspectRatio(Buffer.from(image.thumbhash!, 'base64'));
  const shown = image.width! / image.height!;
  expect(Math.abs(ratio - shown) / shown, `${ratio} for ${image.width}x${image.height}`).toBeLessThan(0.15);
}

/** The image once its analysis has run (the S3 event's handler, awaited through `idle`). */
async function analysedImage(id: string): Promise<AppImage> {
  await api.idle();
  const image = await get(id);
  expect(image.thumbhash, `${id} analysed`).not.toBeNull();
  return image;
}

describe('duplicates', () => {
  it('names the earlier image in duplicate_of, and with on_duplicate=return answers it (200) instead of storing another', async () => {
    const bytes = await picture(140);
    const first = (await upload(bytes)).image;
    expect(first.duplicate_of).toBeUndefined();
    const second = await upload(bytes);
    expect(second.status).toBe(201);
    expect(second.image.duplicate_of).toBe(first.id);
    expect(second.image.id).not.toBe(first.id);

    const returned = await upload(bytes, { onDuplicate: 'return' });
    expect(returned.status).toBe(200);
    expect([first.id, second.image.id]).toContain(returned.image.id);
    expect(returned.image.sha256).toBe(first.sha256);
    // Different bytes are stored as usual, with or without the option.
    const fresh = await upload(await picture(141), { onDuplicate: 'return' });
    expect(fresh.status).toBe(201);
    expect(fresh.image.duplicate_of).toBeUndefined();
  });

  it('refuses an unknown on_duplicate', async () => {
    const form = new FormData();
    form.append('image', new Blob([fixture('sample.png')]), 'sample.png');
    await expectError(await api.call('/api/images/upload?on_duplicate=skip', { method: 'POST', body: form }), 400, 'on_duplicate must be "store" or "return"');
  });
});

describe('similar images', () => {
  it('lists the re-encoded, resized and converted copies of a photo, nearest first, and not other photos', async () => {
    // A real photo (Wikimedia Commons, via the AVIF test files): the hash is made for photos.
    const original = fixture('real/kimono.mirror-vertical.rotate270.crop.avif');
    const base = (await upload(original)).image;
    const copies = [
      (await upload(await sharp(original).jpeg({ quality: 35 }).toBuffer())).image,
      (await upload(await sharp(original).resize(320).toBuffer())).image,
      (await upload(await sharp(original).webp({ quality: 50 }).toBuffer())).image,
    ];
    const unrelated = [(await upload(fixture('p3.jpg'))).image.id, (await upload(fixture('real/quebec_3layer_op2.avif'))).image.id];
    await api.idle();
    const response = await api.call(`/api/images/${base.id}/similar`);
    expect(response.status).toBe(200);
    const body = await successData<{ analyzed: boolean; max_distance: number; similar: Array<{ distance: number; image: AppImage }> }>(response);
    expect(body.analyzed).toBe(true);
    expect(body.max_distance).toBe(SIMILAR_MAX_DISTANCE);
    const found = body.similar.map((match) => match.image.id);
    for (const copy of copies) expect(found).toContain(copy.id);
    for (const id of unrelated) expect(found).not.toContain(id);
    expect(found).not.toContain(base.id);
    const distances = body.similar.map((match) => match.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(Math.max(...distances)).toBeLessThanOrEqual(SIMILAR_MAX_DISTANCE);
  });

  it('lists the caller\'s own images only: its private copy with a signed url, never another account\'s copy, private or not', async () => {
    const original = fixture('real/kimono.mirror-vertical.rotate270.crop.avif');
    const carolKey = (await createKey('carol-similar')).key;
    const daveKey = (await createKey('dave-similar')).key;
    const carols = (await upload(original, {}, carolKey)).image;
    const carolsPrivate = (await upload(await sharp(original).jpeg({ quality: 40 }).toBuffer(), { visibility: 'private' }, carolKey)).image;
    // Dave holds the very same pictures: the same bytes, the same hashes, another account.
    const davesPrivate = (await upload(await sharp(original).jpeg({ quality: 40 }).toBuffer(), { visibility: 'private' }, daveKey)).image;
    const davesPublic = (await upload(original, {}, daveKey)).image;
    await api.idle();
    const similarOf = async (id: string, key: string) =>
      (await successData<{ similar: Array<{ image: AppImage & { visibility: string } }> }>(await api.call(`/api/images/${id}/similar`, { key }))).similar.map((match) => match.image);

    const forCarol = await similarOf(carols.id, carolKey);
    expect(forCarol.map((image) => image.id)).toEqual([carolsPrivate.id]);
    expect(forCarol[0].visibility).toBe('private');
    expect(new URL(forCarol[0].url).searchParams.get('sig')).toMatch(/./);
    const forDave = await similarOf(davesPublic.id, daveKey);
    expect(forDave.map((image) => image.id)).toEqual([davesPrivate.id]);
    // Another account's image (its own, private or not) is a 404 here, as everywhere.
    await expectError(await api.call(`/api/images/${davesPrivate.id}/similar`, { key: carolKey }), 404, 'Image not found');
  });

  it('answers 404 for an image that is not yours', async () => {
    await expectError(await api.call('/api/images/AAAAAAAAAAAAAAAAAAAAAA/similar'), 404, 'Image not found');
  });
});

describe('export', () => {
  let person: SignedIn;
  const asPerson = (path: string, init: RequestInit = {}) =>
    api.call(path, { ...init, key: null, headers: { Authorization: `Bearer ${person.idToken}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) } });

  beforeAll(async () => {
    person = await signUpAndIn(api, newEmail('export'));
  });

  it('builds a zip of the originals, byte for byte what each url serves, with their records, behind a link', async () => {
    const created = await asPerson('/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'export' }) });
    const key = (await successData<{ key: string }>(created)).key;
    const images: AppImage[] = [];
    for (const file of ['sample.jpg', 'sample.png', 'sample.gif', 'orient6.jpg']) images.push((await upload(fixture(file), { metadata: { file } }, key)).image);
    images.push((await upload(await picture(160), {}, key)).image);

    const started = await asPerson('/api/account/export', { method: 'POST' });
    expect(started.status).toBe(202);
    const exported = await successData<{ id: string; state: string; url: string | null }>(started);
    expect(started.headers.get('location')).toBe(`/api/account/export/${exported.id}`);
    expect(exported).toMatchObject({ state: 'pending', url: null });
    await api.idle();

    const status = await successData<{ id: string; state: string; url: string; image_count: number; size: number; url_expires_at: string }>(
      await asPerson(`/api/account/export/${exported.id}`),
    );
    expect(status).toMatchObject({ state: 'ready', image_count: images.length });
    expect(Date.parse(status.url_expires_at) - Date.now()).toBeLessThanOrEqual(3600_000);
    const zip = await fetch(status.url);
    expect(zip.status).toBe(200);
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.byteLength).toBe(status.size);
    const entries = await unzipEntries(bytes);

    const records = JSON.parse(entries.get('records.json')!.toString('utf8')) as { images: Array<AppImage & { file: string }> };
    expect(records.images.map((image) => image.id).sort()).toEqual(images.map((image) => image.id).sort());
    for (const image of images) {
      const record = records.images.find((r) => r.id === image.id)!;
      expect(record).toMatchObject({ sha256: image.sha256, metadata: image.metadata, url: image.url });
      const served = await download(image.url);
      expect(served.response.status).toBe(200);
      expect(entries.get(record.file)?.equals(served.bytes), record.file).toBe(true);
    }
    expect(entries.size).toBe(images.length + 1);

    // Private images are the account's own: in its export, marked private.
    const secret = (await upload(await picture(161), { visibility: 'private' }, key)).image;
    const again = await successData<{ id: string }>(await asPerson('/api/account/export', { method: 'POST' }));
    await api.idle();
    const second = await successData<{ state: string; url: string }>(await asPerson(`/api/account/export/${again.id}`));
    expect(second.state).toBe('ready');
    const secondEntries = await unzipEntries(Buffer.from(await (await fetch(second.url)).arrayBuffer()));
    const secondRecords = JSON.parse(secondEntries.get('records.json')!.toString('utf8')) as { images: Array<AppImage & { file: string; visibility: string }> };
    expect(secondRecords.images.find((image) => image.id === secret.id)).toMatchObject({ visibility: 'private', sha256: secret.sha256 });

    // Listed, and another person cannot see it.
    const list = await successData<{ exports: Array<{ id: string }> }>(await asPerson('/api/account/export'));
    expect(list.exports.map((e) => e.id)).toContain(exported.id);
    const other = await signUpAndIn(api, newEmail('other'));
    const foreign = await api.call(`/api/account/export/${exported.id}`, { key: null, headers: { Authorization: `Bearer ${other.idToken}` } });
    await expectError(foreign, 404, 'Export not found');
    // And its own export holds nothing of this account, the private image least of all.
    const otherExport = await successData<{ id: string }>(
      await api.call('/api/account/export', { method: 'POST', key: null, headers: { Authorization: `Bearer ${other.idToken}` } }),
    );
    await api.idle();
    const otherStatus = await successData<{ state: string; image_count: number; url: string }>(
      await api.call(`/api/account/export/${otherExport.id}`, { key: null, headers: { Authorization: `Bearer ${other.idToken}` } }),
    );
    expect(otherStatus).toMatchObject({ state: 'ready', image_count: 0 });
    const otherEntries = await unzipEntries(Buffer.from(await (await fetch(otherStatus.url)).arrayBuffer()));
    expect([...otherEntries.keys()]).toEqual(['records.json']);
  });
});
