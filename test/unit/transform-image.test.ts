import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3VariantObjects } from '../../functions/adapters/s3-variant-objects';
import { SharpRenderer } from '../../functions/adapters/sharp-renderer';
import { canonicalTransform, pairsFromSearch, parseTransform, type Transform } from '../../functions/core/transform-params';
import {
  getOrRenderVariant,
  type ImageRenderer,
  type RenderedImage,
  type StoredVariant,
  VARIANT_CACHE_CONTROL,
  type VariantObjects,
  variantStats,
} from '../../functions/core/variants';
import { createTransformImageHandler, MAX_INLINE_BYTES } from '../../functions/transform-image';
import transformImageJson from '../../events/transform-image.json';

const ID = 'AbCdEfGhIjKlMnOpQrStUv';
const JPEG = readFileSync(new URL('../fixtures/sample.jpg', import.meta.url));

/** An in-memory bucket: originals by id, variants by key, with what each put carried. */
class MemoryObjects implements VariantObjects {
  readonly originals = new Map<string, Uint8Array>();
  readonly variants = new Map<string, StoredVariant & { cacheControl: string }>();
  puts = 0;
  async getOriginal(imageId: string) {
    return this.originals.get(imageId);
  }
  async getVariant(key: string) {
    const v = this.variants.get(key);
    return v && { bytes: v.bytes, contentType: v.contentType };
  }
  async putVariant(key: string, variant: StoredVariant, cacheControl: string) {
    this.puts += 1;
    this.variants.set(key, { ...variant, cacheControl });
  }
}

/** Counts renders; answers fixed bytes of a chosen size. */
class CountingRenderer implements ImageRenderer {
  calls = 0;
  constructor(
    private readonly size = 100,
    private readonly fail?: Error,
  ) {}
  async render(_input: Uint8Array, t: Transform): Promise<RenderedImage> {
    this.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.fail) throw this.fail;
    return { bytes: new Uint8Array(this.size).fill(7), format: 'webp', contentType: 'image/webp', width: t.width ?? 1, height: 1, pages: 1 };
  }
}

function event(path: string, method = 'GET'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '1.2.3.4', userAgent: 'Amazon CloudFront' }, requestId: 'r1' },
  } as unknown as APIGatewayProxyEventV2;
}

function variantPath(search: string, accept?: string): string {
  return `/variants/${ID}/${canonicalTransform(parseTransform(pairsFromSearch(search), accept)!)}`;
}

describe('transform function (function URL handler)', () => {
  let objects: MemoryObjects;
  let renderer: CountingRenderer;
  beforeEach(() => {
    objects = new MemoryObjects();
    objects.originals.set(ID, JPEG);
    renderer = new CountingRenderer();
  });
  const handlerWith = (r: ImageRenderer = renderer, maxInlineBytes = MAX_INLINE_BYTES) =>
    createTransformImageHandler({ objects, renderer: r, maxInlineBytes });

  it('renders on the first request, stores it with its type and cache headers, then serves the stored copy', async () => {
    const handler = handlerWith();
    const path = variantPath('w=300&format=webp');
    const first = await handler(event(path));
    expect(first.statusCode).toBe(200);
    expect(first.isBase64Encoded).toBe(true);
    expect(first.headers).toMatchObject({
      'Content-Type': 'image/webp',
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Access-Control-Allow-Origin': '*',
      'Content-Length': '100',
    });
    const bytes = Buffer.from(first.body as string, 'base64');
    expect(first.headers?.ETag).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`);
    expect(renderer.calls).toBe(1);
    const stored = objects.variants.get(`variants/${ID}/w300-hauto-inside-webp-q80`);
    expect(stored).toMatchObject({ contentType: 'image/webp', cacheControl: VARIANT_CACHE_CONTROL });

    const before = variantStats.rendered;
    const second = await handler(event(path));
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers).toEqual(first.headers);
    expect(renderer.calls).toBe(1);
    expect(variantStats.rendered).toBe(before);
    expect(objects.puts).toBe(1);
  });

  it('counts a rendered variant once (metric variantRendered by output format), never a stored one', async () => {
    const rendered: string[] = [];
    let flushes = 0;
    const metrics = { variantRendered: (format: string) => void rendered.push(format), flush: async () => void (flushes += 1) };
    const handler = createTransformImageHandler({ objects, renderer, maxInlineBytes: MAX_INLINE_BYTES, metrics });
    const path = variantPath('w=300&format=webp');
    expect((await handler(event(path))).statusCode).toBe(200);
    expect((await handler(event(path))).statusCode).toBe(200);
    expect((await handler(event(`/variants/${'A'.repeat(22)}/w300-hauto-inside-webp-q80`))).statusCode).toBe(404);
    expect(rendered).toEqual(['webp']);
    expect(flushes).toBe(3);
  });

  it('equivalent queries name one variant: rendered once for all of them', async () => {
    const handler = handlerWith();
    const queries = ['w=300&format=webp', 'format=webp&w=300', 'w=300&format=webp&q=80', 'w=300&fit=cover&format=webp', 'format=auto&w=300'];
    const paths = new Set(queries.map((q) => variantPath(q, 'image/webp')));
    expect(paths.size).toBe(1);
    for (const q of queries) expect((await handler(event(variantPath(q, 'image/webp')))).statusCode).toBe(200);
    expect(renderer.calls).toBe(1);
  });

  it('concurrent misses for one variant render it once', async () => {
    const handler = handlerWith();
    const path = variantPath('w=64');
    const answers = await Promise.all([handler(event(path)), handler(event(path)), handler(event(path))]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(renderer.calls).toBe(1);
    expect(objects.puts).toBe(1);
  });

  it('unknown or deleted image: 404 in the envelope, nothing rendered or stored', async () => {
    const handler = handlerWith();
    const missing = await handler(event(`/variants/ZZZZZZZZZZZZZZZZZZZZZZ/w300-hauto-inside-webp-q80`));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body as string)).toEqual({ status: 'error', message: 'Image not found' });
    expect(missing.headers?.['Content-Type']).toBe('application/json; charset=utf-8');

    // Deleted (the purge removes the original's variants): the next request is a 404 again.
    await handler(event(variantPath('w=10')));
    objects.originals.delete(ID);
    objects.variants.clear();
    expect((await handler(event(variantPath('w=10')))).statusCode).toBe(404);
    expect(renderer.calls).toBe(1);
    expect(objects.variants.size).toBe(0);
  });

  it('never trusts the path: malformed names are 400, other paths and ids 404, other methods 405', async () => {
    const handler = handlerWith();
    for (const bad of ['w300-hauto-inside-webp', 'w0-hauto-inside-webp-q80', 'w300-hauto-cover-webp-q80', 'W300-hauto-inside-webp-q80', '..']) {
      const answer = await handler(event(`/variants/${ID}/${bad}`));
      expect(answer.statusCode, bad).toBe(400);
      expect(JSON.parse(answer.body as string)).toEqual({ status: 'error', message: 'Malformed variant name' });
    }
    // The failover for a missing original (S3 said 403/404): our 404 in the envelope.
    const original = await handler(event(`/images/${ID}`));
    expect(original.statusCode).toBe(404);
    expect(JSON.parse(original.body as string)).toEqual({ status: 'error', message: 'Image not found' });
    for (const path of [`/image/${ID}`, `/variants/${ID}`, `/variants/${ID}/a/b`, '/variants/short/w1-hauto-inside-webp-q80', '/']) {
      expect((await handler(event(path))).statusCode, path).toBe(404);
    }
    const post = await handler(event(variantPath('w=1'), 'POST'));
    expect(post.statusCode).toBe(405);
    expect(post.headers?.Allow).toBe('GET, HEAD');
    expect(renderer.calls).toBe(0);
  });

  it('HEAD answers the headers without a body', async () => {
    const answer = await handlerWith()(event(variantPath('w=20'), 'HEAD'));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe('');
    expect(answer.headers?.['Content-Length']).toBe('100');
  });

  it('a variant over the response limit is stored, then answered with a 307 (no-store) to the same public URL', async () => {
    const big = new CountingRenderer(5_000);
    const handler = handlerWith(big, 4_000);
    const answer = await handler(event(variantPath('w=300&h=200&fit=cover&format=avif&q=40')));
    expect(answer.statusCode).toBe(307);
    expect(answer.headers?.['Cache-Control']).toBe('no-store');
    const location = answer.headers?.Location as string;
    expect(location).toBe(`/image/${ID}?w=300&h=200&fit=cover&format=avif&q=40`);
    // The redirect names the same variant, which is now stored (S3 serves the retry).
    const query = location.split('?')[1]!;
    expect(variantPath(query)).toBe(variantPath('w=300&h=200&fit=cover&format=avif&q=40'));
    expect(objects.variants.get(`variants/${ID}/w300-h200-cover-avif-q40`)?.bytes.byteLength).toBe(5_000);
    // Every explicit form of a default-only variant redirects to a query that still parses.
    const plain = await handler(event(`/variants/${ID}/wauto-hauto-inside-original-qauto`));
    expect(plain.statusCode).toBe(307);
    expect(variantPath((plain.headers?.Location as string).split('?')[1]!)).toBe(`/variants/${ID}/wauto-hauto-inside-original-qauto`);
  });

  it('the 307 sends the viewer back with the query it came with (signature included), as the edge forwarded it in x-imager-query', async () => {
    const handler = handlerWith(new CountingRenderer(5_000), 4_000);
    const sent = 'w=300&kid=k1&exp=1767225600&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd';
    const withQuery = { ...event(variantPath('w=300')), headers: { 'x-imager-query': sent } } as APIGatewayProxyEventV2;
    const answer = await handler(withQuery);
    expect(answer.statusCode).toBe(307);
    expect(answer.headers?.Location).toBe(`/image/${ID}?${sent}`);
    // Anything but a plain query (a header injection, a path) is ignored: the variant's own query instead.
    for (const bad of ['w=300\r\nSet-Cookie: x=1', '/../uploads/x', '']) {
      const odd = await handler({ ...event(variantPath('w=300')), headers: { 'x-imager-query': bad } } as APIGatewayProxyEventV2);
      expect(odd.headers?.Location, bad).toBe(`/image/${ID}?w=300`);
    }
  });

  it('past the per-image cap of stored variants it refuses with 403 and renders nothing; stored ones are still served', async () => {
    const renderer = new CountingRenderer(10);
    const capped = createTransformImageHandler({
      objects: Object.assign(objects, { countVariants: async (_id: string, atMost: number) => Math.min(objects.variants.size, atMost) }),
      renderer,
      maxInlineBytes: MAX_INLINE_BYTES,
      maxVariants: 2,
    });
    expect((await capped(event(variantPath('w=10')))).statusCode).toBe(200);
    expect((await capped(event(variantPath('w=11')))).statusCode).toBe(200);
    const refused = await capped(event(variantPath('w=12')));
    expect(refused.statusCode).toBe(403);
    expect(refused.headers?.['Cache-Control']).toBe('no-store');
    expect(JSON.parse(refused.body as string)).toEqual({ status: 'error', message: 'This image already has 2 stored variants, the most allowed' });
    expect(renderer.calls).toBe(2);
    expect((await capped(event(variantPath('w=10')))).statusCode).toBe(200);
    expect(renderer.calls).toBe(2);
  });

  it('a render failure is a generic 500 with nothing stored; a sharp timeout is a 503 to retry', async () => {
    const broken = handlerWith(new CountingRenderer(10, new Error('VipsJpeg: premature end of input file /secret/path')));
    const failed = await broken(event(variantPath('w=10')));
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body as string)).toEqual({ status: 'error', message: 'Internal server error' });
    expect(objects.variants.size).toBe(0);

    const slow = handlerWith(new CountingRenderer(10, new Error('timeout: 42% complete')));
    const timedOut = await slow(event(variantPath('w=10')));
    expect(timedOut.statusCode).toBe(503);
    expect(timedOut.headers?.['Retry-After']).toBe('5');
    expect(objects.variants.size).toBe(0);
  });

  it('an accepted image whose pixels libvips cannot decode is a 422 in the envelope, nothing stored, the same on every try', async () => {
    // Three spatial layers: the upload checks read its header (360x182), libheif refuses its pixels (docs/transforms.md).
    objects.originals.set(ID, readFileSync(new URL('../fixtures/real/quebec_3layer_op2.avif', import.meta.url)));
    const handler = handlerWith(new SharpRenderer({ maxPixels: 100_000_000, renderTimeoutSeconds: 20 }));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const answer = await handler(event(variantPath('w=64&format=webp')));
      expect(answer.statusCode).toBe(422);
      expect(JSON.parse(answer.body as string)).toEqual({ status: 'error', message: 'Image cannot be transformed' });
      expect(answer.headers?.['Cache-Control']).toBeUndefined();
    }
    expect(objects.variants.size).toBe(0);
    // The original itself is a fine image to the renderer's probe: only its pixels fail.
    expect((await sharp(objects.originals.get(ID)!).metadata()).width).toBe(360);
  });

  it('events/transform-image.json (for sam local invoke) is a valid function URL event for it', async () => {
    const handler = handlerWith(new SharpRenderer({ maxPixels: 100_000_000, renderTimeoutSeconds: 20 }));
    const answer = await handler(transformImageJson as unknown as APIGatewayProxyEventV2);
    expect(answer.statusCode).toBe(200);
    const meta = await sharp(Buffer.from(answer.body as string, 'base64')).metadata();
    expect([meta.format, meta.width]).toEqual(['webp', 64]); // a 64 px original is never enlarged to 300
  });

  it('with the real renderer: the body decodes to the requested variant', async () => {
    const handler = handlerWith(new SharpRenderer({ maxPixels: 100_000_000, renderTimeoutSeconds: 20 }));
    const answer = await handler(event(variantPath('w=32&h=32&fit=cover&format=auto', 'image/avif,image/webp')));
    expect(answer.headers?.['Content-Type']).toBe('image/avif');
    const meta = await sharp(Buffer.from(answer.body as string, 'base64')).metadata();
    expect([meta.format, meta.compression, meta.width, meta.height]).toEqual(['heif', 'av1', 32, 32]);
  });
});

describe('getOrRenderVariant', () => {
  it('returns undefined (404) without rendering when there is no original', async () => {
    const objects = new MemoryObjects();
    const renderer = new CountingRenderer();
    const t = parseTransform(pairsFromSearch('w=1'), undefined)!;
    expect(await getOrRenderVariant({ objects, renderer }, ID, t)).toBeUndefined();
    expect(renderer.calls).toBe(0);
  });

  it('logs one line per render with the key and sizes', async () => {
    const objects = new MemoryObjects();
    objects.originals.set(ID, JPEG);
    const lines: Array<[string, Record<string, unknown>]> = [];
    const t = parseTransform(pairsFromSearch('w=5'), undefined)!;
    const deps = { objects, renderer: new CountingRenderer(), log: { info: (m: string, d: Record<string, unknown>) => lines.push([m, d]) } };
    const first = await getOrRenderVariant(deps, ID, t);
    const second = await getOrRenderVariant(deps, ID, t);
    expect([first?.rendered, second?.rendered]).toEqual([true, false]);
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toBe('variant rendered');
    expect(lines[0]![1]).toMatchObject({ key: `variants/${ID}/w5-hauto-inside-original-qauto`, inputBytes: JPEG.byteLength, outputBytes: 100 });
  });
});

describe('S3VariantObjects', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  const objects = () => new S3VariantObjects(new S3Client({ region: 'us-east-1' }), 'bucket');
  // The one method of the SDK's stream mixin the adapter uses.
  const body = (bytes: Uint8Array) => ({ transformToByteArray: async () => new Uint8Array(bytes) });
  const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });

  it('reads originals under images/ and variants by key; missing (404, or 403 without ListBucket) is undefined', async () => {
    s3.on(GetObjectCommand, { Key: `images/${ID}` }).resolves({ Body: body(JPEG) as never, ContentType: 'image/jpeg' });
    s3.on(GetObjectCommand, { Key: 'variants/a/b' }).rejects(s3Error('NoSuchKey', 404));
    s3.on(GetObjectCommand, { Key: 'variants/a/c' }).rejects(s3Error('AccessDenied', 403));
    s3.on(GetObjectCommand, { Key: 'variants/a/d' }).rejects(s3Error('SlowDown', 503));
    const o = objects();
    expect(Buffer.compare(Buffer.from((await o.getOriginal(ID))!), JPEG)).toBe(0);
    expect(await o.getVariant('variants/a/b')).toBeUndefined();
    expect(await o.getVariant('variants/a/c')).toBeUndefined();
    await expect(o.getVariant('variants/a/d')).rejects.toThrow();
  });

  it('stores a variant with its Content-Type and Cache-Control', async () => {
    s3.on(PutObjectCommand).resolves({});
    await objects().putVariant('variants/x/y', { bytes: new Uint8Array([1, 2, 3]), contentType: 'image/webp' }, VARIANT_CACHE_CONTROL);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'bucket',
      Key: 'variants/x/y',
      ContentType: 'image/webp',
      CacheControl: VARIANT_CACHE_CONTROL,
      ContentLength: 3,
    });
  });
});
