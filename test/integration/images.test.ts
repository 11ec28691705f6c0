import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  published,
  download,
  expectError,
  expectRateLimitHeaders,
  fixture,
  type ImageBody,
  SAMPLES,
  sha256,
} from '../support/http';
import { uploadImage } from '../../client/index';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

const IMAGE_FIELDS = ['content_type', 'created_at', 'dominant_color', 'format', 'height', 'id', 'metadata', 'sha256', 'size', 'state', 'thumbhash', 'url', 'visibility', 'width'];
/** The upload's answer has the image's one-time delete link besides (docs/api.md#delete-links). */
const UPLOADED_FIELDS = [...IMAGE_FIELDS, 'delete_url'].sort();

/** Multipart upload through the typed client (client/index.ts). */
async function upload(bytes: Buffer, filename: string, type = 'application/octet-stream'): Promise<{ response: Response; data: ImageBody }> {
  const { data, error, response } = await uploadImage(api.client(), new Blob([bytes], { type }), filename);
  expect(error).toBeUndefined();
  expect(response.status).toBe(201);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(data?.status).toBe('success');
  return { response, data: data!.data as ImageBody };
}

describe('direct upload of every allowed format', () => {
  it.each(SAMPLES)('$format: 201, same details on GET, the download is exactly the published bytes', async ({ format, file, contentType }) => {
    const bytes = fixture(file);
    const { response, data } = await upload(bytes, file);

    expect(Object.keys(data).sort()).toEqual(UPLOADED_FIELDS);
    expect(data.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(data).toMatchObject({
      url: `${api.url}/image/${data.id}`,
      width: 64,
      height: 48,
      format,
      content_type: contentType,
      size: published(bytes).size,
      sha256: published(bytes).sha256,
      state: 'ready',
    });
    expect(new Date(data.created_at).toISOString()).toBe(data.created_at);
    expect(response.headers.get('location')).toBe(`/api/images/${data.id}`);
    expectRateLimitHeaders(response);

    // The bytes and the record are both stored, under the account of the dev key.
    const state = await storageState();
    expect(state.objects).toContain(`images/${data.id}`);
    expect(state.records.find((record) => record.id === data.id)).toMatchObject({
      state: 'ready',
      objectKey: `images/${data.id}`,
      format,
      size: published(bytes).size,
    });

    const get = await api.client().GET('/api/images/{image_id}', { params: { path: { image_id: data.id } } });
    expect(get.response.status).toBe(200);
    expectRateLimitHeaders(get.response);
    const { delete_url: deleteUrl, ...shown } = data as ImageBody & { delete_url: string };
    expect(deleteUrl).toMatch(new RegExp(`^${api.url}/api/images/${data.id}/delete/[A-Za-z0-9_-]{43}$`));
    expect(get.data?.data).toEqual(shown);

    // The public URL needs no key and serves the published bytes themselves, as the CDN does.
    expect(data.url).toBe(`${api.url}/image/${data.id}`);
    const { response: object, bytes: served } = await download(data.url);
    expect(object.status).toBe(200);
    expect(object.headers.get('x-content-type-options')).toBe('nosniff');
    expect(object.headers.get('content-type')).toBe(contentType);
    expect(served.byteLength).toBe(data.size);
    expect(sha256(served)).toBe(data.sha256);
  });

  it('sniffs the format from the bytes: a PNG sent as image/jpeg named .jpg is stored as png', async () => {
    const bytes = fixture('sample.png');
    const { data } = await upload(bytes, 'photo.jpg', 'image/jpeg');
    expect(data).toMatchObject({ format: 'png', content_type: 'image/png', width: 64, height: 48, size: published(bytes).size });

    const { response, bytes: served } = await download(data.url);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(sha256(served)).toBe(published(bytes).sha256);
  });

  it('an unknown image id is 404 "Image not found" on GET and on the public link', async () => {
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';
    const get = await api.call(`/api/images/${unknown}`);
    expectRateLimitHeaders(get);
    await expectError(get, 404, 'Image not found');
    await expectError(await api.call(`/image/${unknown}`, { key: null }), 404, 'Image not found');
    // Not even a well-formed id: same answer, nothing leaks about the id format.
    await expectError(await api.call('/api/images/..%2F..%2Fetc'), 404, 'Image not found');
  });
});

describe('real files viewers show, uploaded as they are (test/fixtures/real)', () => {
  it.each([
    // ImageMagick's own sample images, `convert -delay 10 rose: granite: -loop 0 anim.gif`: the second frame (granite, 128x128) is larger than rose's 70x46 screen.
    ['imagemagick-rose-granite.gif', 'gif', 70, 46, 2],
    ['moon_impact.gif', 'gif', 116, 100, 14],
    ['BigTIFFMotorola.tif', 'tiff', 64, 64, 1],
    ['kimono.mirror-vertical.rotate270.crop.avif', 'avif', 385, 330, 1],
  ] as const)('%s: 201 at the size shown (%s %ix%i), and the served bytes decode with every frame', async (file, format, width, height, frames) => {
    const bytes = fixture(`real/${file}`);
    const { data } = await upload(bytes, file);
    expect(data).toMatchObject({ format, width, height, size: published(bytes).size, sha256: published(bytes).sha256, state: 'ready' });

    const { response, bytes: served } = await download(data.url);
    expect(response.status).toBe(200);
    expect(sha256(served)).toBe(data.sha256);
    const meta = await sharp(served, { animated: true }).metadata();
    expect(meta.pages ?? 1).toBe(frames);
    const shown = frames > 1 ? { width: meta.width, height: meta.pageHeight } : meta.autoOrient;
    expect(shown).toEqual({ width, height });
    // Every frame decodes (stacked, each `height` high); libheif applies the AVIF's crop and turn itself.
    const { info } = await sharp(served, { animated: true }).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width, height: height * frames });
  });

  it('an OS/2 bitmap: 201 at 127x64 (not the 4,194,431 x 524,289 its 16-bit header reads as 32-bit), stored as sent', async () => {
    const bytes = fixture('real/pal8os2.bmp');
    const { data } = await upload(bytes, 'pal8os2.bmp');
    expect(data).toMatchObject({ format: 'bmp', width: 127, height: 64, size: bytes.byteLength, sha256: sha256(bytes) });
    const { bytes: served } = await download(data.url);
    expect(served.equals(bytes)).toBe(true);
  });

  it("Pillow's decompression_bomb_extents.gif: 413, its frames span more than the pixel limit", async () => {
    const bytes = fixture('real/decompression_bomb_extents.gif');
    const { response, error } = await uploadImage(api.client(), new Blob([bytes]), 'bomb.gif');
    expect(response.status).toBe(413);
    expect(error).toEqual({ status: 'error', message: 'Image frames span 65635x65635 pixels; the limit is 100000000 pixels' });
  });
});
