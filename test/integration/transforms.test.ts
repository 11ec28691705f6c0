import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variantStats } from '../../functions/core/variants';
import { signUrl } from '../../functions/core/url-signing';
import { expectError, fixture, imageForm, successData, type ImageBody } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';

/**
 * Transforms (docs/transforms.md) over HTTP, the way a page uses it: `/image/<id>?w=&h=&fit=&format=&q=` on the local
 * API (which serves /image/ as CloudFront would). Variants render once, with the transform
 * function's code, are stored in the S3 emulator, and are then served like originals. The sizes
 * here are outside the unsigned presets (docs/edge.md), so each URL is signed with the dev
 * account's secret (test/integration/edge.test.ts holds the presets and the signatures).
 */
const DEV_SECRET = 'transforms-test-dev-signing-secret';
const signed = (url: string): string => signUrl(url, { kid: 'dev', secret: DEV_SECRET });
let api: TestApi;
let photo: ImageBody;
let animation: ImageBody;

beforeAll(async () => {
  api = await startTestApi({ IMAGER_DEV_SIGNING_SECRET: DEV_SECRET });
  photo = await successData(await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('orient6.jpg'), 'photo.jpg') }));
  animation = await successData(await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('anim.gif'), 'anim.gif') }));
});
afterAll(async () => {
  await api?.stop();
});

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(signed(url), { headers });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('variants on the local API', () => {
  it('renders once, then serves the stored variant with the same headers as originals; equivalent URLs share it', async () => {
    const before = variantStats.rendered;
    const first = await get(`${photo.url}?w=24&format=webp`);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toBe('image/webp');
    expect(first.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.response.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.response.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
    expect(first.response.headers.get('vary')).toBeNull();
    const meta = await sharp(first.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 24, 32]); // EXIF orientation 6 applied
    expect(meta.exif).toBeUndefined();
    expect(variantStats.rendered).toBe(before + 1);

    for (const query of ['w=24&format=webp', 'format=webp&w=24', 'w=24&format=webp&q=80', 'w=24&fit=cover&format=webp']) {
      const again = await get(`${photo.url}?${query}`);
      expect(again.response.status, query).toBe(200);
      expect(Buffer.compare(again.bytes, first.bytes), query).toBe(0);
      expect(again.response.headers.get('etag'), query).toBe(first.response.headers.get('etag'));
    }
    expect(variantStats.rendered).toBe(before + 1);
    expect((await storageState()).objects).toContain(`variants/${photo.id}/w24-hauto-inside-webp-q80`);

    const revalidated = await fetch(signed(`${photo.url}?format=webp&w=24`), { headers: { 'If-None-Match': first.response.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
  });

  it('format=auto follows Accept and answers Vary: Accept', async () => {
    const avif = await get(`${photo.url}?h=16&format=auto`, { Accept: 'image/avif,image/webp,*/*' });
    const webp = await get(`${photo.url}?h=16&format=auto`, { Accept: 'image/webp,*/*' });
    const plain = await get(`${photo.url}?h=16&format=auto`, { Accept: '*/*' });
    expect([avif.response.headers.get('content-type'), webp.response.headers.get('content-type'), plain.response.headers.get('content-type')]).toEqual([
      'image/avif',
      'image/webp',
      'image/jpeg',
    ]);
    for (const answer of [avif, webp, plain]) {
      expect(answer.response.headers.get('vary')).toBe('Accept');
      expect((await sharp(answer.bytes).metadata()).height).toBe(16);
    }
  });

  it('animated GIF stays animated as WebP, and becomes its first frame as JPEG', async () => {
    const webp = await get(`${animation.url}?w=30&format=webp`);
    const animated = await sharp(webp.bytes, { animated: true }).metadata();
    expect([animated.format, animated.width, animated.pageHeight, animated.pages]).toEqual(['webp', 30, 20, 3]);
    const jpeg = await get(`${animation.url}?w=30&format=jpeg`);
    const still = await sharp(jpeg.bytes, { animated: true }).metadata();
    expect([still.format, still.width, still.height, still.pages ?? 1]).toEqual(['jpeg', 30, 20, 1]);
  });

  it('every bad parameter is a 400 in the envelope and stores nothing', async () => {
    const before = (await storageState()).objects;
    const rendered = variantStats.rendered;
    for (const [query, message] of [
      ['w=24&w=24', 'Parameter w is repeated'],
      ['w=24&cb=1', 'Unknown parameter "cb"; allowed: w, h, fit, format, q'],
      ['w=0', 'Parameter w must be an integer from 1 to 4096'],
      ['w=4097', 'Parameter w must be an integer from 1 to 4096'],
      ['q=101', 'Parameter q must be an integer from 1 to 100'],
      ['fit=fill&w=1&h=1', 'Parameter fit must be one of inside, cover, contain'],
      ['format=gif', 'Parameter format must be one of jpeg, png, webp, avif, auto'],
    ] as const) {
      await expectError(await fetch(`${photo.url}?${query}`), 400, message);
    }
    expect((await storageState()).objects).toEqual(before);
    expect(variantStats.rendered).toBe(rendered);
  });

  it('unknown and deleted images: 404, and the delete takes the variants with it', async () => {
    await expectError(await fetch(signed(`${api.url}/image/NeverNeverNeverNever00?w=10`)), 404, 'Image not found');
    const doomed = await successData(await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('sample.png'), 'a.png') }));
    expect((await get(`${doomed.url}?w=10`)).response.status).toBe(200);
    expect((await api.call(`/api/images/${doomed.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await fetch(signed(`${doomed.url}?w=10`)), 404, 'Image not found');
    // The purge runs on the bucket's ObjectRemoved event: wait until the local API has handled it.
    await api.idle();
    expect((await storageState()).objects.filter((k) => k.startsWith(`variants/${doomed.id}/`))).toEqual([]);
  });
});
