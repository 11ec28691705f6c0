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

const IMAGE_FIELDS = ['content_type', 'created_at', 'format', 'height', 'id', 'sha256', 'size', 'state', 'url', 'visibility', 'width'];

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

    expect(Object.keys(data).sort()).toEqual(IMAGE_FIELDS);
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
    expect(get.data?.data).toEqual(data);

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
