import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../local/emulators';
import { createKey } from '../support/accounts';
import { download, expectError, sha256, successData } from '../support/http';
import { bmp24 } from '../support/images';
import { settled } from '../support/large-upload';
import { startTestApi, type TestApi } from '../support/local-api';
import { complete, openMultipartUploads, partOf, putPart, sendAllParts, signParts, startMultipart } from '../support/multipart-upload';
import { presignedUrlMatches } from '../support/sigv4';
import { storageState } from '../support/storage';

/**
 * Resumable large uploads (docs/api.md, "Resumable uploads") against the local API: the
 * multipart upload is Imager's, the client only PUTs parts to S3, and finalize checks the
 * completed object like any large upload.
 */

let api: TestApi;
let bobKey: string;
beforeAll(async () => {
  api = await startTestApi();
  bobKey = (await createKey('bob')).key;
});
afterAll(async () => {
  await api.stop();
});

const MiB = 1024 * 1024;
const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

describe('a resumable upload, start to finish', () => {
  it('a 12 MiB BMP in three parts: each part signed for its length, completed, checked, served as sent; nothing left open', async () => {
    const bytes = bmp24(2048, 2048); // 12 MiB and 54 bytes of header: parts of 5, 5 and 2 MiB
    const started = await startMultipart(api, bytes.byteLength, { content_type: 'image/bmp' });
    expect(started).toMatchObject({ state: 'pending', url: `${api.url}/image/${started.id}` });
    expect(started.upload).toEqual({ method: 'multipart', part_size: 5 * MiB, part_count: 3, expires_at: expect.any(String), max_size: bytes.byteLength });
    // Resumable for a day from its start.
    expect(Date.parse(started.upload.expires_at) - Date.parse(started.created_at)).toBeGreaterThan(24 * 3600_000 - 1000);
    expect(await openMultipartUploads()).toContain(`uploads/${started.id}`);

    const parts = await signParts(api, started.id);
    const lengths = [5 * MiB, 5 * MiB, bytes.byteLength - 10 * MiB];
    for (const part of parts) {
      const length = String(lengths[part.part_number - 1]);
      expect(part.headers).toEqual({ 'Content-Length': length });
      const query = new URL(part.url).searchParams;
      expect(query.get('partNumber')).toBe(String(part.part_number));
      expect(query.get('X-Amz-SignedHeaders')).toBe('content-length;host');
      // Bound to its exact length: any other is a signature S3 refuses.
      expect(presignedUrlMatches(part.url, 'PUT', { 'content-length': length }, LOCAL_CREDENTIALS.secretAccessKey)).toBe(true);
      expect(presignedUrlMatches(part.url, 'PUT', { 'content-length': String(Number(length) + 1) }, LOCAL_CREDENTIALS.secretAccessKey)).toBe(false);
    }

    const etags = await sendAllParts(api, started, bytes);
    const listed = await successData<{ part_size: number; part_count: number; parts: unknown[] }>(await api.call(`/api/images/${started.id}/upload/parts`));
    expect(listed).toEqual({
      part_size: 5 * MiB,
      part_count: 3,
      parts: etags.map(({ part_number, etag }) => ({ part_number, etag, size: lengths[part_number - 1] })),
    });
    // Nothing is an object yet: the parts are not readable anywhere.
    expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([]);

    const completed = await complete(api, started.id, etags);
    expect(completed.status).toBe(202);
    expect(completed.headers.get('location')).toBe(`/api/images/${started.id}`);
    expect(await successData(completed)).toEqual({ id: started.id, url: started.url, state: 'pending', visibility: 'public', created_at: started.created_at });

    const image = await settled(api, started.id);
    expect(image).toEqual({
      id: started.id,
      url: started.url,
      state: 'ready',
      width: 2048,
      height: 2048,
      format: 'bmp',
      content_type: 'image/bmp',
      size: bytes.byteLength,
      sha256: sha256(bytes),
      visibility: 'public',
      created_at: started.created_at,
    });
    const { response, bytes: served } = await download(image.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(served).equals(bytes)).toBe(true);
    expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([`images/${started.id}`]);
    expect(await openMultipartUploads()).not.toContain(`uploads/${started.id}`);
  });

  it('resumes: the list shows what arrived, only the missing part is sent, and complete without a body uses what S3 holds', async () => {
    const bytes = bmp24(1600, 1400); // 6.4 MiB: two parts
    const started = await startMultipart(api, bytes.byteLength);
    const [first, second] = await signParts(api, started.id);
    expect((await putPart(first, partOf(bytes, started.upload.part_size, 1))).status).toBe(200);

    // The connection dropped here. Later, from a fresh start: what does S3 have?
    const listed = await successData<{ parts: Array<{ part_number: number }> }>(await api.call(`/api/images/${started.id}/upload/parts`));
    expect(listed.parts.map((part) => part.part_number)).toEqual([1]);
    // Incomplete, completing is refused in words and changes nothing.
    await expectError(await complete(api, started.id), 400, 'Parts not uploaded yet: 2');
    // The missing part only, signed again (a part URL may be signed as often as needed).
    const [again] = await signParts(api, started.id, [2]);
    expect(again.part_number).toBe(2);
    expect(second.part_number).toBe(2);
    expect((await putPart(again, partOf(bytes, started.upload.part_size, 2))).status).toBe(200);
    expect((await complete(api, started.id)).status).toBe(202);
    const image = await settled(api, started.id);
    expect(image).toMatchObject({ state: 'ready', size: bytes.byteLength, sha256: sha256(bytes) });
  });

  it('a 6 MiB JPEG with GPS in its EXIF: the published image keeps its pixels and loses the location', async () => {
    const jpeg = await sharp({ create: { width: 2600, height: 2000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 80 } } })
      .jpeg({ quality: 98 })
      .withExif({ IFD0: { Make: 'Imager test camera' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } })
      .toBuffer();
    expect(jpeg.byteLength).toBeGreaterThan(5 * MiB);
    expect(await exifr.gps(jpeg)).toMatchObject({ latitude: 51.5 });
    const started = await startMultipart(api, jpeg.byteLength, { content_type: 'image/jpeg' });
    expect(started.upload.part_count).toBe(2);
    await sendAllParts(api, started, jpeg);
    expect((await complete(api, started.id)).status).toBe(202);
    const image = await settled(api, started.id);
    expect(image).toMatchObject({ state: 'ready', format: 'jpeg', width: 2600, height: 2000 });
    const { bytes: served } = await download(image.url);
    expect(sha256(served)).toBe(image.sha256);
    expect(served.byteLength).toBeLessThan(jpeg.byteLength);
    expect(await exifr.gps(served).catch(() => undefined)).toBeUndefined();
    expect((await exifr.parse(served).catch(() => undefined))?.Make).toBeUndefined();
  });

  it('a text file sent in parts ends rejected, and nothing of it is left', async () => {
    const text = Buffer.alloc(6 * MiB, 'not an image, only text. ');
    const started = await startMultipart(api, text.byteLength);
    await sendAllParts(api, started, text);
    expect((await complete(api, started.id)).status).toBe(202);
    const image = await settled(api, started.id);
    expect(image).toMatchObject({ state: 'rejected', reason: expect.stringMatching(/^Invalid image format/) });
    await expectError(await api.call(`/image/${started.id}`, { key: null }), 404, 'Image not found');
    expect((await storageState()).objects.filter((key) => key.includes(started.id))).toEqual([]);
    expect(await openMultipartUploads()).not.toContain(`uploads/${started.id}`);
  });
});

describe('what S3 refuses at completion (the local emulator as S3 does)', () => {
  it('an ETag that is not the part S3 holds -> 400, and the upload stays open to be fixed', async () => {
    const bytes = bmp24(1600, 1400);
    const started = await startMultipart(api, bytes.byteLength);
    const etags = await sendAllParts(api, started, bytes);
    await expectError(await complete(api, started.id, [etags[0], { part_number: 2, etag: '"0123456789abcdef0123456789abcdef"' }]), 400, /^A part was not uploaded, or its ETag does not match/);
    expect((await successData(await api.call(`/api/images/${started.id}`))).state).toBe('pending');
    expect((await complete(api, started.id, etags)).status).toBe(202);
    expect((await settled(api, started.id)).state).toBe('ready');
  });

  it('a part but the last under 5 MiB -> 400 (S3 EntityTooSmall; the emulator does not check signed lengths, S3 would refuse the PUT itself)', async () => {
    const bytes = bmp24(1600, 1400);
    const started = await startMultipart(api, bytes.byteLength);
    const [first, second] = await signParts(api, started.id);
    const short = await putPart(first, bytes.subarray(0, MiB));
    const rest = await putPart(second, partOf(bytes, started.upload.part_size, 2));
    await expectError(
      await complete(api, started.id, [
        { part_number: 1, etag: short.headers.get('etag')! },
        { part_number: 2, etag: rest.headers.get('etag')! },
      ]),
      400,
      'Every part but the last must be at least 5 MiB',
    );
  });

  it('the part list must be every part, in order', async () => {
    const started = await startMultipart(api, 11 * MiB);
    for (const parts of [[], [{ part_number: 1, etag: '"a"' }], [{ part_number: 2, etag: '"a"' }, { part_number: 1, etag: '"b"' }, { part_number: 3, etag: '"c"' }], 'all']) {
      await expectError(await complete(api, started.id, parts as never), 400, 'parts must list every part, 1 to 3 in order, each as {"part_number": n, "etag": "..."}');
    }
  });
});

describe('starting, signing and the state of an upload', () => {
  it.each([
    [{ multipart: true }, 400, 'size is required for a multipart upload'],
    [{ multipart: 'yes', size: 10 }, 400, 'multipart must be true or false'],
    [{ size: 10, part_size: 6 * MiB }, 400, 'part_size applies to multipart uploads only ("multipart": true)'],
    [{ multipart: true, size: 10, part_size: MiB }, 400, 'part_size must be an integer from 5242880 (5 MiB) to 5368709120 (5 GiB)'],
    [{ multipart: true, size: 50 * MiB + 1 }, 413, 'Image exceeds the 50 MiB limit (52428800 bytes)'],
  ])('%j -> %i, no record, no upload', async (body, status, message) => {
    const before = await storageState();
    const open = await openMultipartUploads();
    await expectError(await api.call('/api/images/uploads', json(body)), status, message);
    expect(await storageState()).toEqual(before);
    expect(await openMultipartUploads()).toEqual(open);
  });

  it('a chosen part size: 10 MiB parts', async () => {
    const started = await startMultipart(api, 25 * MiB, { part_size: 10 * MiB });
    expect(started.upload).toMatchObject({ part_size: 10 * MiB, part_count: 3 });
    const parts = await signParts(api, started.id);
    expect(parts.map((part) => part.headers['Content-Length'])).toEqual([String(10 * MiB), String(10 * MiB), String(5 * MiB)]);
    expect((await api.call(`/api/images/${started.id}/upload`, { method: 'DELETE' })).status).toBe(204);
  });

  it.each([
    [{ part_numbers: [] }],
    [{ part_numbers: [0] }],
    [{ part_numbers: [4] }],
    [{ part_numbers: [1, 1] }],
    [{ part_numbers: '1' }],
  ])('signing %j -> 400', async (body) => {
    const started = await startMultipart(api, 11 * MiB);
    await expectError(
      await api.call(`/api/images/${started.id}/upload/parts`, json(body)),
      400,
      'part_numbers must be a list of 1 to 100 distinct part numbers from 1 to 3',
    );
  });

  it('another account\'s upload is answered as none (404) on every route; an unknown id too', async () => {
    const started = await startMultipart(api, 6 * MiB);
    for (const id of [started.id, 'AAAAAAAAAAAAAAAAAAAAAA']) {
      await expectError(await api.call(`/api/images/${id}/upload/parts`, { ...json({}), key: bobKey }), 404, 'Image not found');
      await expectError(await api.call(`/api/images/${id}/upload/parts`, { key: bobKey }), 404, 'Image not found');
      await expectError(await api.call(`/api/images/${id}/upload/complete`, { ...json({}), key: bobKey }), 404, 'Image not found');
      await expectError(await api.call(`/api/images/${id}/upload`, { method: 'DELETE', key: bobKey }), 404, 'Image not found');
    }
    expect(await openMultipartUploads()).toContain(`uploads/${started.id}`);
    expect((await api.call(`/api/images/${started.id}/upload`, { method: 'DELETE' })).status).toBe(204);
  });

  it('a single-request upload has no parts: 409 on the multipart routes', async () => {
    const response = await api.call('/api/images/uploads', json({ size: 100 }));
    const started = await successData(response);
    const message = 'This is not a multipart upload: send its bytes to the URL it was started with';
    await expectError(await api.call(`/api/images/${started.id}/upload/parts`, json({})), 409, message);
    await expectError(await api.call(`/api/images/${started.id}/upload/parts`), 409, message);
    await expectError(await complete(api, started.id), 409, message);
    await expectError(await api.call(`/api/images/${started.id}/upload`, { method: 'DELETE' }), 409, message);
  });

  it('abort: 204, the pending image is gone, its part URLs are refused by S3, nothing is left open', async () => {
    const bytes = bmp24(1600, 1400);
    const started = await startMultipart(api, bytes.byteLength);
    const [first, second] = await signParts(api, started.id);
    expect((await putPart(first, partOf(bytes, started.upload.part_size, 1))).status).toBe(200);
    const aborted = await api.call(`/api/images/${started.id}/upload`, { method: 'DELETE' });
    expect(aborted.status).toBe(204);
    await expectError(await api.call(`/api/images/${started.id}`), 404, 'Image not found');
    // S3's answer to a part of an upload that no longer exists: 404 NoSuchUpload.
    const late = await putPart(second, partOf(bytes, started.upload.part_size, 2));
    expect(late.status).toBe(404);
    expect(await late.text()).toContain('<Code>NoSuchUpload</Code>');
    expect(await openMultipartUploads()).not.toContain(`uploads/${started.id}`);
    expect((await storageState()).records.find((record) => record.id === started.id)).toBeUndefined();
    await expectError(await api.call(`/api/images/${started.id}/upload`, { method: 'DELETE' }), 404, 'Image not found');
  });
});
