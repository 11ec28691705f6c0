import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_RESOURCES } from '../../local/emulators';
import { PAYLOADS, SAMPLES, withMetadata } from '../fuzz/images';
import { startTestApi, type TestApi } from '../support/local-api';

/**
 * Serving safely (issues 4 and 9): whatever name and type the client claims, the stored object
 * carries the sniffed type, the public URL answers with that type and nosniff, and what rode
 * along in metadata or after the image's end (HTML in a comment, a zip behind the JPEG) is
 * removed before publishing.
 */

let api: TestApi;
let s3: S3Client;
beforeAll(async () => {
  api = await startTestApi();
  s3 = new S3Client({ endpoint: api.emulators.s3Endpoint, forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await api?.stop();
});

/** Uploads `bytes` as `filename` with a lying part Content-Type; returns the created image. */
async function uploadLying(bytes: Buffer, filename: string, declared: string): Promise<{ id: string; content_type: string; format: string; size: number }> {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type: declared }), filename);
  const response = await api.call('/api/images/upload', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  return ((await response.json()) as { data: { id: string; content_type: string; format: string; size: number } }).data;
}

const CASES = [
  { name: 'a PNG sent as text/html named evil.html', bytes: SAMPLES.png, filename: 'evil.html', declared: 'text/html', type: 'image/png', smuggled: null },
  {
    name: 'a GIF carrying HTML in a comment, sent as image/svg+xml',
    bytes: withMetadata('gif', PAYLOADS.html),
    filename: '../../x.svg',
    declared: 'image/svg+xml',
    type: 'image/gif',
    smuggled: Buffer.from('<script>'),
  },
  {
    name: 'a JPEG followed by a zip (polyglot), sent as application/zip',
    bytes: Buffer.concat([SAMPLES.jpeg, PAYLOADS.zip]),
    filename: 'a".zip',
    declared: 'application/zip',
    type: 'image/jpeg',
    smuggled: Buffer.from('payload.html'),
  },
] as const;

describe.each(CASES)('$name', ({ bytes, filename, declared, type, smuggled }) => {
  let id: string;
  let size: number;
  beforeAll(async () => {
    const image = await uploadLying(bytes, filename, declared);
    expect(image.content_type).toBe(type);
    ({ id, size } = image);
  });

  it('is stored with the sniffed Content-Type (HeadObject on the bucket)', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: `images/${id}` }));
    expect(head.ContentType).toBe(type);
    expect(head.ContentLength).toBe(size);
    expect(head.ContentDisposition).toBeUndefined();
  });

  it('the public URL serves the sniffed type with nosniff, and nothing smuggled along', async () => {
    const view = await api.call(`/image/${id}`, { key: null });
    expect(view.status).toBe(200);
    expect(view.headers.get('content-type')).toBe(type);
    expect(view.headers.get('x-content-type-options')).toBe('nosniff');
    const served = Buffer.from(await view.arrayBuffer());
    expect(served.byteLength).toBe(size);
    if (smuggled) {
      expect(bytes.includes(smuggled)).toBe(true);
      expect(served.includes(smuggled)).toBe(false);
    }
  });
});

describe('the public link for what it will not serve', () => {
  it('unknown and malformed ids are a 404 envelope that also sends nosniff', async () => {
    for (const [path, message] of [
      ['/image/AAAAAAAAAAAAAAAAAAAAAA', 'Image not found'],
      ['/image/%3Cscript%3E', 'Not found'],
    ]) {
      const response = await api.call(path, { key: null });
      expect(response.status).toBe(404);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ status: 'error', message });
    }
  });
});
