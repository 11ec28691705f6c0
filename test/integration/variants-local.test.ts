import { readFileSync } from 'node:fs';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import { S3VariantObjects } from '../../functions/adapters/s3-variant-objects';
import { purgeImages } from '../../functions/core/purge';
import { SharpRenderer } from '../../functions/adapters/sharp-renderer';
import { BadRequestError } from '../../functions/core/errors';
import { hasTransformQuery, type VariantDeps, variantForRequest } from '../../functions/core/variants';
import { createLocalVariants } from '../../local/variants';
import { MemoryEdgeStore, MemoryReleases } from '../support/edge-fakes';
import { type Emulators, LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES, startEmulators } from '../../local/emulators';

/**
 * Variants the way local mode makes them: the same core call and the same S3 adapter as the
 * transform function, against the S3 emulator (s3rver). Rendered once, stored under
 * variants/<id>/<canonical> with its Content-Type and Cache-Control, then served from there.
 */
const ID = 'LocalLocalLocalLocal00';
let emulators: Emulators;
let s3: S3Client;
let deps: VariantDeps;
let renders: number;

beforeAll(async () => {
  emulators = await startEmulators({});
  s3 = new S3Client({ endpoint: emulators.s3Endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const renderer = new SharpRenderer({ maxPixels: 100_000_000, renderTimeoutSeconds: 20 });
  renders = 0;
  deps = {
    objects: new S3VariantObjects(s3, LOCAL_RESOURCES.bucketName),
    renderer: {
      render: (input, transform) => {
        renders += 1;
        return renderer.render(input, transform);
      },
    },
  };
  await putOriginal('orient6.jpg', 'image/jpeg');
});

/** Stores a fixture as the original of image ID, as the upload publishes it. */
function putOriginal(fixture: string, contentType: string): Promise<unknown> {
  const body = readFileSync(new URL(`../fixtures/${fixture}`, import.meta.url));
  return s3.send(new PutObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: `images/${ID}`, Body: body, ContentType: contentType }));
}

afterAll(async () => {
  s3?.destroy();
  await emulators?.close();
});

describe('variants in the S3 emulator', () => {
  it('renders once, stores the variant with its headers, and serves equivalent URLs from it', async () => {
    const first = await variantForRequest(deps, ID, '?w=24&format=webp', undefined);
    expect(first?.variant.rendered).toBe(true);
    expect(first?.headers).toEqual({ 'Content-Type': 'image/webp', 'Cache-Control': 'public, max-age=31536000, immutable' });
    const meta = await sharp(first!.variant.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 24, 32]); // orientation 6 applied

    const head = await s3.send(new HeadObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: `variants/${ID}/w24-hauto-inside-webp-q80` }));
    expect(head.ContentType).toBe('image/webp');
    expect(head.CacheControl).toBe('public, max-age=31536000, immutable');
    expect(head.ContentLength).toBe(first!.variant.bytes.byteLength);

    for (const search of ['?w=24&format=webp', '?format=webp&w=24', '?w=24&format=webp&q=80', '?format=auto&w=24']) {
      const again = await variantForRequest(deps, ID, search, 'image/webp,*/*');
      expect(again?.variant.rendered, search).toBe(false);
      expect(Buffer.compare(Buffer.from(again!.variant.bytes), Buffer.from(first!.variant.bytes)), search).toBe(0);
    }
    expect(renders).toBe(1);
  });

  it('format=auto varies by Accept and says so (Vary: Accept)', async () => {
    const avif = await variantForRequest(deps, ID, '?w=16&format=auto', 'image/avif,image/webp,*/*');
    const jpeg = await variantForRequest(deps, ID, '?w=16&format=auto', '*/*');
    expect(avif?.headers).toMatchObject({ 'Content-Type': 'image/avif', Vary: 'Accept' });
    expect(jpeg?.headers).toMatchObject({ 'Content-Type': 'image/jpeg', Vary: 'Accept' });
    expect((await variantForRequest(deps, ID, '?w=16&format=avif', undefined))?.headers.Vary).toBeUndefined();
  });

  it('bad parameters are a 400 and leave nothing behind; no query means the original', async () => {
    const before = (await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_RESOURCES.bucketName }))).KeyCount;
    for (const search of ['?w=24&w=24', '?w=0', '?cb=123&w=5', '?format=gif']) {
      await expect(variantForRequest(deps, ID, search, undefined), search).rejects.toThrow(BadRequestError);
    }
    expect((await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_RESOURCES.bucketName }))).KeyCount).toBe(before);
    expect(hasTransformQuery('')).toBe(false);
    expect(hasTransformQuery('?w=1')).toBe(true);
    expect(await variantForRequest(deps, ID, '', undefined)).toBeUndefined();
  });

  it('a deleted image takes its variants with it (the purge): 404 afterwards, not a stale copy', async () => {
    await variantForRequest(deps, ID, '?h=10', undefined);
    await s3.send(new DeleteObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: `images/${ID}` }));
    const edge = new MemoryEdgeStore();
    const purge = await purgeImages(
      { objects: new S3ImageObjects(s3, LOCAL_RESOURCES.bucketName), edge, releases: new MemoryReleases(), edgeTtlSeconds: 86_400, log: { warn: () => undefined } },
      [ID],
    );
    expect(edge.get(ID)).toBe('x');
    expect(purge.variantsDeleted).toBeGreaterThanOrEqual(4);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_RESOURCES.bucketName, Prefix: `variants/${ID}/` }));
    expect(left.KeyCount).toBe(0);
    const rendersBefore = renders;
    expect(await variantForRequest(deps, ID, '?h=10', undefined)).toBeUndefined();
    expect(await variantForRequest(deps, 'NeverNeverNeverNever00', '?h=10', undefined)).toBeUndefined();
    expect(renders).toBe(rendersBefore);
  });

  it('local/variants.ts: the transform origin the local CDN calls (the rewritten path in, S3 key out), with the per-image cap', async () => {
    await putOriginal('anim.gif', 'image/gif');
    const resolve = createLocalVariants({ s3, bucketName: LOCAL_RESOURCES.bucketName, env: {} });
    expect(await resolve(`/variants/${ID}/w30-hauto-inside-webp-q80`)).toEqual({ key: `variants/${ID}/w30-hauto-inside-webp-q80` });
    const stored = await s3.send(new GetObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: `variants/${ID}/w30-hauto-inside-webp-q80` }));
    const meta = await sharp(Buffer.from(await stored.Body!.transformToByteArray()), { animated: true }).metadata();
    expect([meta.format, meta.width, meta.pageHeight, meta.pages]).toEqual(['webp', 30, 20, 3]);
    await expect(resolve(`/variants/${ID}/w30-hauto-fill-webp-q80`)).rejects.toThrow('Malformed variant name');
    expect(await resolve('/variants/NeverNeverNeverNever00/w30-hauto-inside-webp-q80')).toBeUndefined();

    // The cap (IMAGER_MAX_VARIANTS_PER_IMAGE): refused, never rendered, once the image holds that many.
    const capped = createLocalVariants({ s3, bucketName: LOCAL_RESOURCES.bucketName, env: { IMAGER_MAX_VARIANTS_PER_IMAGE: '2' } });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_RESOURCES.bucketName, Prefix: `variants/${ID}/` }));
    for (let w = 1; (listed.KeyCount ?? 0) + w <= 2; w += 1) await capped(`/variants/${ID}/w${w}-hauto-inside-webp-q80`);
    await expect(capped(`/variants/${ID}/w99-hauto-inside-webp-q80`)).rejects.toMatchObject({ statusCode: 403 });
    const after = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_RESOURCES.bucketName, Prefix: `variants/${ID}/` }));
    expect(after.Contents?.map((o) => o.Key)).not.toContain(`variants/${ID}/w99-hauto-inside-webp-q80`);
    // A variant already stored is still served.
    expect(await capped(`/variants/${ID}/w30-hauto-inside-webp-q80`)).toEqual({ key: `variants/${ID}/w30-hauto-inside-webp-q80` });
  });
});
