import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountTotals } from '../../functions/adapters/dynamo-account-totals';
import { DynamoEdgeReleases } from '../../functions/adapters/dynamo-edge-releases';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { DynamoSweepPosition } from '../../functions/adapters/dynamo-sweep-position';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import { GONE } from '../../functions/core/edge-entries';
import { sweep } from '../../functions/core/sweep';
import { variantStats } from '../../functions/core/variants';
import { signImageUrl } from '../../client/index';
import { expectError, fixture, imageForm, type ImageBody, successData } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';

/**
 * The edge rules (docs/edge.md) over HTTP on the local API, whose CDN runs the deployed
 * viewer-request and viewer-response functions over local mode's key-value store. The clock is
 * the test's: the edge reads it, so "after exp" and "once expired" need no sleeping.
 */
const DEV_SECRET = 'edge-test-dev-signing-secret-0123456789';
const DEV = { kid: 'dev', secret: DEV_SECRET };
let offset = 0;
const now = () => Date.now() + offset;
let api: TestApi;
let photo: ImageBody;

beforeAll(async () => {
  api = await startTestApi({ IMAGER_DEV_SIGNING_SECRET: DEV_SECRET, IMAGER_PRIVATE_URL_SECONDS: '600' }, { now });
  photo = await successData(await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('orient6.jpg'), 'photo.jpg') }));
});
afterAll(async () => {
  await api?.stop();
});

function upload(fields: Record<string, string>, name = 'sample.png'): Promise<ImageBody & { visibility: string; expires_at?: string }> {
  const form = imageForm(fixture(name), name);
  for (const [field, value] of Object.entries(fields)) form.append(field, value);
  return api.call("/api/images/upload", { method: "POST", body: form }).then((response) => successData(response)) as never;
}

async function variantsOf(id: string): Promise<string[]> {
  return (await storageState()).objects.filter((key) => key.startsWith(`variants/${id}/`));
}

describe('signed transforms and the unsigned presets', () => {
  it('300 distinct unsigned widths on one image render and store only the presets among them; every other is 403 before any render', async () => {
    const rendered = variantStats.rendered;
    const statuses = new Map<number, number>();
    for (let w = 1; w <= 300; w += 1) {
      const response = await fetch(`${photo.url}?w=${w}`);
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 403) expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
    // 64, 128 and 256 are the presets below 300 (IMAGER_UNSIGNED_SIZES' defaults).
    expect(Object.fromEntries(statuses)).toEqual({ 200: 3, 403: 297 });
    expect(variantStats.rendered - rendered).toBe(3);
    expect(await variantsOf(photo.id)).toEqual([`variants/${photo.id}/w128-hauto-inside-original-qauto`, `variants/${photo.id}/w256-hauto-inside-original-qauto`, `variants/${photo.id}/w64-hauto-inside-original-qauto`]);
    await expectError(await fetch(`${photo.url}?w=300`), 403, 'Signature required');
  });

  it('a signed transform renders (typed client signImageUrl, dev secret); wrong, tampered and expired signatures are 403 in the envelope', async () => {
    const url = await signImageUrl(`${photo.url}?w=300&h=200&fit=cover`, { ...DEV, expiresIn: 60 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const tampered = url.replace('w=300', 'w=301');
    await expectError(await fetch(tampered), 403, 'Invalid signature');
    const wrong = await signImageUrl(`${photo.url}?w=300`, { kid: 'dev', secret: 'not-the-dev-secret-at-all' });
    await expectError(await fetch(wrong), 403, 'Invalid signature');
    const unknownKid = await signImageUrl(`${photo.url}?w=300`, { kid: 'knobody', secret: DEV_SECRET });
    await expectError(await fetch(unknownKid), 403, 'Invalid signature');
    offset = 61_000;
    try {
      await expectError(await fetch(url), 403, 'Invalid signature');
    } finally {
      offset = 0;
    }
  });

  it('format=auto answers Vary: Accept (the viewer-response function reads the marker on the rewritten request)', async () => {
    const auto = await fetch(`${photo.url}?w=128&format=auto`, { headers: { Accept: 'image/avif,image/webp,*/*' } });
    expect(auto.status).toBe(200);
    expect(auto.headers.get('content-type')).toBe('image/avif');
    expect(auto.headers.get('vary')).toBe('Accept');
    const explicit = await fetch(`${photo.url}?w=128&format=avif`);
    expect(explicit.headers.get('vary')).toBeNull();
  });
});

describe('private images', () => {
  it('unsigned 404 (existence not revealed), signed 200 and cached (second request renders nothing), 403 after exp; public again works unsigned', async () => {
    const image = await upload({ visibility: 'private' });
    expect(image.visibility).toBe('private');
    const signed = new URL(image.url);
    expect([...signed.searchParams.keys()].sort()).toEqual(['exp', 'kid', 'sig']);
    expect(signed.searchParams.get('kid')).toBe('dev');
    const plain = `${signed.origin}${signed.pathname}`;

    await expectError(await fetch(plain), 404, 'Image not found');
    await expectError(await fetch(`${plain}?w=64`), 404, 'Image not found');
    expect((await fetch(image.url)).status).toBe(200);

    const thumb = await signImageUrl(`${plain}?w=40&h=40&fit=cover`, { ...DEV, expiresIn: 60 });
    const rendered = variantStats.rendered;
    expect((await fetch(thumb)).status).toBe(200);
    expect((await fetch(thumb)).status).toBe(200);
    expect(variantStats.rendered - rendered).toBe(1);

    // The API's url is signed for IMAGER_PRIVATE_URL_SECONDS (600 here).
    expect(Number(signed.searchParams.get('exp')) - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
    offset = 601_000;
    try {
      await expectError(await fetch(image.url), 403, 'Invalid signature');
    } finally {
      offset = 0;
    }

    const patched = await successData<ImageBody & { visibility: string }>(
      await api.call(`/api/images/${image.id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ visibility: 'public' }) }),
    );
    expect(patched.visibility).toBe('public');
    expect(patched.url).toBe(plain);
    expect((await fetch(plain)).status).toBe(200);
    expect(api.edgeStore.get(image.id)).toBeUndefined();

    // And private again, by PATCH: unsigned is 404 at once.
    await api.call(`/api/images/${image.id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ visibility: 'private' }) });
    await expectError(await fetch(plain), 404, 'Image not found');
  });

  it('a large upload can be private from the start', async () => {
    const started = await successData<ImageBody & { visibility: string }>(
      await api.call('/api/images/uploads', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ visibility: 'private', expires_in: 3600 }) }),
    );
    expect(started.visibility).toBe('private');
    expect(new URL(started.url).searchParams.get('kid')).toBe('dev');
    expect(api.edgeStore.get(started.id)).toMatch(/^p\|\d+\|acct_/);
  });

  it('bad options are 400s that store nothing', async () => {
    const before = (await storageState()).objects.length;
    for (const [fields, message] of [
      [{ visibility: 'secret' }, 'visibility must be "public" or "private"'],
      [{ expires_in: '0' }, /expires_in must be/],
      [{ expires_at: 'tomorrow' }, /expires_at must be an ISO 8601/],
      [{ expires_at: '2001-01-01T00:00:00Z' }, 'expires_at must be in the future'],
      [{ expires_in: '60', expires_at: '2099-01-01T00:00:00Z' }, 'Send expires_at or expires_in, not both'],
    ] as const) {
      const form = imageForm(fixture('sample.png'), 'a.png');
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      await expectError(await api.call('/api/images/upload', { method: 'POST', body: form }), 400, message);
    }
    expect((await storageState()).objects.length).toBe(before);
  });
});

describe('expiring images', () => {
  it('answer until expires_at, 404 at once after it, and are removed (record, object, variants) and counted by the sweep', async () => {
    const image = await upload({ expires_in: '30' });
    expect(image.expires_at).toBeDefined();
    expect((await fetch(`${image.url}?w=64`)).status).toBe(200);
    expect((await fetch(image.url)).status).toBe(200);
    offset = 31_000;
    try {
      await expectError(await fetch(image.url), 404, 'Image not found');
      await expectError(await fetch(`${image.url}?w=64`), 404, 'Image not found');
    } finally {
      offset = 0;
    }
    expect(await variantsOf(image.id)).toHaveLength(1);

    // The sweep as it runs every 15 minutes, at a time past the expiry (the handler's own clock is the real one).
    const dynamodb = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB });
    const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true });
    try {
      const env = process.env as Record<string, string>;
      const records = new DynamoImageRecords(dynamodb, env.IMAGES_TABLE, new DynamoAccountTotals(dynamodb, env.COUNTERS_TABLE));
      const report = await sweep({
        objects: new S3ImageObjects(s3, env.BUCKET_NAME),
        records,
        position: new DynamoSweepPosition(dynamodb, env.COUNTERS_TABLE),
        finalize: async () => undefined,
        log: { warn: () => undefined, error: () => undefined },
        now: () => Date.now() + 60_000,
        maxObjects: 0,
        edge: { images: records, store: api.edgeStore, releases: new DynamoEdgeReleases(dynamodb, env.COUNTERS_TABLE), edgeTtlSeconds: 86_400 },
      });
      expect(report.expiredImages).toBe(1);
    } finally {
      dynamodb.destroy();
      s3.destroy();
    }
    await api.idle();
    const state = await storageState();
    expect(state.records.map((record) => record.id)).not.toContain(image.id);
    expect(state.objects.filter((key) => key.includes(image.id))).toEqual([]);
    expect(api.edgeStore.get(image.id)).toBe(GONE);
    await expectError(await api.call(`/api/images/${image.id}`), 404, 'Image not found');
  });
});

describe('deletes without invalidations', () => {
  it('the URL is 404 at once after the 204, and stays 404 through the deny-list even if a copy were still cached', async () => {
    const image = await upload({});
    expect((await fetch(image.url)).status).toBe(200);
    expect((await api.call(`/api/images/${image.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await fetch(image.url), 404, 'Image not found');
    await api.idle();
    expect(api.edgeStore.get(image.id)).toBe(GONE);
    // What a CloudFront cache may still hold: the edge decides before the cache, so it is never served.
    const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true });
    try {
      await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: `images/${image.id}`, Body: fixture('sample.png'), ContentType: 'image/png' }));
      await expectError(await fetch(image.url), 404, 'Image not found');
      await expectError(await fetch(await signImageUrl(image.url, DEV)), 404, 'Image not found');
    } finally {
      s3.destroy();
    }
    // No function of local mode (nor of the stack: test/infra/resources.test.ts) has a CloudFront client to invalidate with.
    expect(process.env.DISTRIBUTION_ID).toBeUndefined();
  });

  it('a delete link removes a private image at the edge as DELETE does: the deny-list replaces its entry, its variants go, its signed URLs are 404', async () => {
    const image = (await upload({ visibility: 'private', expires_in: '3600' })) as Awaited<ReturnType<typeof upload>> & { delete_url: string };
    expect(api.edgeStore.get(image.id)).toMatch(/^p\|\d+\|acct_/);
    const plain = image.url.split('?')[0];
    const thumb = await signImageUrl(`${plain}?w=40&h=40&fit=cover`, { ...DEV, expiresIn: 60 });
    expect((await fetch(image.url)).status).toBe(200);
    expect((await fetch(thumb)).status).toBe(200);
    await api.idle();
    expect(await variantsOf(image.id)).toHaveLength(1);
    // No key: the link is the credential; the page's form POSTs to it.
    const deleted = await fetch(image.delete_url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(deleted.status).toBe(200);
    await expectError(await fetch(image.url), 404, 'Image not found');
    await expectError(await fetch(thumb), 404, 'Image not found');
    await api.idle();
    expect(api.edgeStore.get(image.id)).toBe(GONE);
    expect(await variantsOf(image.id)).toEqual([]);
    await expectError(await api.call(`/api/images/${image.id}`), 404, 'Image not found');
  });
});
