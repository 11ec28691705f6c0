import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareForPublishing } from '../../functions/core/published-image';
import { DEFAULTS } from '../../functions/core/config';
import { expectError, fixture, successData, type ImageBody } from '../support/http';
import { sendToS3, settled, startUpload, type StartedUpload } from '../support/large-upload';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';
import { checkedFetch } from '../support/contract';
import { bmp24 } from '../support/images';
import { complete, openMultipartUploads, partOf, putPart, sendAllParts, signParts, startMultipart } from '../support/multipart-upload';

/**
 * The public URL serves exactly the bytes that were checked. The presigned upload URL
 * stays valid for 15 minutes after the image became ready; whatever is sent to it then is never
 * published and never changes the record.
 */

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const LIMITS = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };

/** An SVG with a script, padded to exactly `length` bytes (a PUT URL is signed for one length). */
function scriptSvg(length: number): Buffer {
  const svg = fixture('script.svg');
  expect(svg.byteLength).toBeLessThanOrEqual(length);
  return Buffer.concat([svg, Buffer.alloc(length - svg.byteLength, 0x20)]);
}

async function served(image: ImageBody): Promise<Buffer> {
  const response = await checkedFetch(image.url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function getImage(id: string): Promise<ImageBody> {
  return successData(await api.call(`/api/images/${id}`));
}

describe('a used presigned URL cannot change what is served', () => {
  it.each([
    ['PUT', { size: fixture('sample.jpg').byteLength }],
    ['POST', undefined],
  ] as const)('%s: re-sending other bytes after ready leaves the served bytes and the record unchanged', async (_method, request) => {
    const jpeg = fixture('sample.jpg');
    const started: StartedUpload = await startUpload(api, request);
    expect((await sendToS3(started.upload, jpeg)).status).toBeLessThan(300);
    const ready = await settled(api, started.id);
    expect(ready.state).toBe('ready');
    const checked = prepareForPublishing(jpeg, LIMITS);
    expect(ready.sha256).toBe(checked.sha256);
    expect(sha256(await served(ready))).toBe(checked.sha256);

    // The attack of the issue: the same URL, used again with an SVG and with another valid image.
    for (const other of [scriptSvg(jpeg.byteLength), fixture('sample.png')]) {
      const body = started.upload.method === 'PUT' ? Buffer.concat([other, Buffer.alloc(Math.max(0, jpeg.byteLength - other.byteLength))]).subarray(0, jpeg.byteLength) : other;
      expect((await sendToS3(started.upload, body)).status).toBeLessThan(300);
      await api.idle();
      expect(await getImage(started.id)).toEqual(ready);
      const bytes = await served(ready);
      expect(sha256(bytes)).toBe(checked.sha256);
      expect(Buffer.from(bytes).equals(Buffer.from(checked.bytes))).toBe(true);
      // Nothing unchecked is left behind: finalize emptied uploads/ again.
      expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([`images/${started.id}`]);
    }
  });

  it('two uploads racing on one presigned URL publish exactly one checked version', async () => {
    const png = fixture('sample.png');
    const gif = fixture('sample.gif');
    const candidates = new Map([png, gif].map((bytes) => [prepareForPublishing(bytes, LIMITS).sha256, bytes]));
    for (let round = 0; round < 5; round += 1) {
      const started = await startUpload(api);
      const results = await Promise.all([sendToS3(started.upload, png), sendToS3(started.upload, gif)]);
      for (const result of results) expect(result.status).toBeLessThan(300);
      const image = await settled(api, started.id);
      expect(image.state).toBe('ready');
      expect(candidates.has(image.sha256!)).toBe(true);
      const bytes = await served(image);
      expect(sha256(bytes)).toBe(image.sha256);
      expect(image.size).toBe(bytes.byteLength);
      expect(image.format).toBe(image.sha256 === prepareForPublishing(png, LIMITS).sha256 ? 'png' : 'gif');
      expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([`images/${started.id}`]);
    }
  });

  it('a valid image racing a script on one URL: the script is never published', async () => {
    const jpeg = fixture('sample.jpg');
    for (let round = 0; round < 5; round += 1) {
      const started = await startUpload(api);
      await Promise.all([sendToS3(started.upload, jpeg), sendToS3(started.upload, fixture('script.svg'))]);
      const image = await settled(api, started.id);
      if (image.state === 'ready') {
        expect(image.sha256).toBe(prepareForPublishing(jpeg, LIMITS).sha256);
        expect(sha256(await served(image))).toBe(image.sha256);
      } else {
        expect(image.state).toBe('rejected');
        await expectError(await checkedFetch(image.url), 404, 'Image not found');
      }
      const left = (await storageState()).objects.filter((key) => key.includes(started.id));
      expect(left).toEqual(image.state === 'ready' ? [`images/${started.id}`] : []);
    }
  });
});

describe('a completed multipart upload cannot be changed through its parts', () => {
  const MiB = 1024 * 1024;

  it('parts sent again after complete are refused by S3 (NoSuchUpload); the served bytes, the record and the bucket stay as they were', async () => {
    const bmp = bmp24(1600, 1400); // two parts
    const started = await startMultipart(api, bmp.byteLength);
    const signed = await signParts(api, started.id);
    const etags = await sendAllParts(api, started, bmp);
    expect((await complete(api, started.id, etags)).status).toBe(202);
    const ready = await settled(api, started.id);
    expect(ready).toMatchObject({ state: 'ready', sha256: sha256(bmp), size: bmp.byteLength });

    // The attack, for parts: the URLs signed before (still unexpired) used again, with a script
    // and with another valid image, each cut to the signed part lengths.
    const other = bmp24(1600, 1400);
    for (const replacement of [Buffer.concat([fixture('script.svg'), Buffer.alloc(bmp.byteLength)]).subarray(0, bmp.byteLength), other]) {
      for (const part of signed) {
        const put = await putPart(part, partOf(replacement, started.upload.part_size, part.part_number));
        expect(put.status).toBe(404);
        expect(await put.text()).toContain('<Code>NoSuchUpload</Code>');
      }
      await api.idle();
      // Nor can the API be asked to sign, list, complete or abort it again.
      const done = 'The upload is already complete';
      await expectError(await api.call(`/api/images/${started.id}/upload/parts`, { method: 'POST' }), 409, done);
      await expectError(await api.call(`/api/images/${started.id}/upload/parts`), 409, done);
      await expectError(await complete(api, started.id, etags), 409, done);
      await expectError(await api.call(`/api/images/${started.id}/upload`, { method: 'DELETE' }), 409, done);
      expect(await getImage(started.id)).toEqual(ready);
      expect(Buffer.from(await served(ready)).equals(bmp)).toBe(true);
      expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([`images/${started.id}`]);
      expect(await openMultipartUploads()).not.toContain(`uploads/${started.id}`);
    }
  });

  it('a part replaced while the upload is being completed: what is served is exactly what was checked', async () => {
    for (let round = 0; round < 3; round += 1) {
      const bmp = bmp24(1600, 1400);
      const started = await startMultipart(api, bmp.byteLength);
      const etags = await sendAllParts(api, started, bmp);
      const [, second] = await signParts(api, started.id, [1, 2]);
      const swap = Buffer.concat([fixture('script.svg'), Buffer.alloc(MiB * 2)]).subarray(0, bmp.byteLength - started.upload.part_size);
      const [completed, swapped] = await Promise.all([complete(api, started.id, etags), putPart(second, swap)]);
      // S3 assembles the parts the ETags name, or refuses (InvalidPart) once one of them is gone.
      expect([202, 400]).toContain(completed.status);
      expect([200, 404]).toContain(swapped.status);
      if (completed.status === 400) {
        await expectError(completed, 400, /^A part was not uploaded, or its ETag does not match/);
        expect((await getImage(started.id)).state).toBe('pending');
        await expectError(await checkedFetch(started.url), 404, 'Image not found');
        expect((await api.call(`/api/images/${started.id}/upload`, { method: 'DELETE' })).status).toBe(204);
        continue;
      }
      const image = await settled(api, started.id);
      expect(image).toMatchObject({ state: 'ready', sha256: sha256(bmp) });
      expect(Buffer.from(await served(image)).equals(bmp)).toBe(true);
      expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([`images/${started.id}`]);
    }
  });
});

describe('GET/HEAD /image/<id> answers as CloudFront would (docs/delivery.md)', () => {
  let image: ImageBody;
  let bytes: Buffer;
  beforeAll(async () => {
    const form = new FormData();
    form.append('image', new Blob([fixture('sample.jpg')], { type: 'image/jpeg' }), 'photo.jpg');
    image = await successData(await api.call('/api/images/upload', { method: 'POST', body: form }));
    bytes = await served(image);
  });

  function expectDeliveryHeaders(response: Response): void {
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
  }

  it('GET: 200, the stored bytes, their size and the delivery headers; no redirect, no key', async () => {
    const response = await checkedFetch(image.url, { redirect: 'manual' });
    expect(response.status).toBe(200);
    expectDeliveryHeaders(response);
    expect(response.headers.get('content-length')).toBe(String(image.size));
    expect(response.headers.get('location')).toBeNull();
    const body = Buffer.from(await response.arrayBuffer());
    expect(sha256(body)).toBe(image.sha256);
  });

  it('HEAD: the same headers and no body', async () => {
    const response = await checkedFetch(image.url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expectDeliveryHeaders(response);
    expect(response.headers.get('content-length')).toBe(String(image.size));
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it.each([
    ['bytes=0-9', 0, 9],
    ['bytes=10-', 10, -1],
    ['bytes=-16', -16, -1],
  ])('Range %s: 206 with Content-Range and exactly those bytes', async (range, from, to) => {
    const response = await checkedFetch(image.url, { headers: { Range: range } });
    expect(response.status).toBe(206);
    expectDeliveryHeaders(response);
    const start = from < 0 ? bytes.byteLength + from : from;
    const end = to < 0 ? bytes.byteLength - 1 : to;
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.byteLength}`);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes.subarray(start, end + 1))).toBe(true);
  });

  it('an unsatisfiable Range: 416 with the size', async () => {
    const response = await checkedFetch(image.url, { headers: { Range: `bytes=${bytes.byteLength + 10}-` } });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${bytes.byteLength}`);
  });

  it('If-None-Match with the ETag: 304 without a body; another ETag: 200', async () => {
    const etag = (await checkedFetch(image.url, { method: 'HEAD' })).headers.get('etag')!;
    const cached = await checkedFetch(image.url, { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    expect(cached.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await cached.arrayBuffer()).byteLength).toBe(0);
    const changed = await checkedFetch(image.url, { headers: { 'If-None-Match': '"0123456789abcdef0123456789abcdef"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it('unknown, malformed, pending and rejected ids: 404 in the envelope', async () => {
    await expectError(await checkedFetch(`${api.url}/image/AAAAAAAAAAAAAAAAAAAAAA`), 404, 'Image not found');
    await expectError(await checkedFetch(`${api.url}/image/not-an-id`), 404, 'Not found');
    const pending = await startUpload(api);
    await expectError(await checkedFetch(pending.url), 404, 'Image not found');
    const rejected = await startUpload(api);
    await sendToS3(rejected.upload, fixture('script.svg'));
    expect((await settled(api, rejected.id)).state).toBe('rejected');
    await expectError(await checkedFetch(rejected.url), 404, 'Image not found');
    const head = await checkedFetch(`${api.url}/image/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'HEAD' });
    expect(head.status).toBe(404);
  });

  it('deleted: 404 at once', async () => {
    const form = new FormData();
    form.append('image', new Blob([fixture('sample.png')]), 'a.png');
    const doomed = await successData(await api.call('/api/images/upload', { method: 'POST', body: form }));
    expect((await checkedFetch(doomed.url)).status).toBe(200);
    expect((await api.call(`/api/images/${doomed.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await checkedFetch(doomed.url), 404, 'Image not found');
  });
});
