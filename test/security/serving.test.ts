import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ViewLinks } from '../../functions/adapters/s3-view-links';
import { LOCAL_RESOURCES } from '../../local/emulators';
import { PAYLOADS, SAMPLES, withMetadata } from '../fuzz/images';
import { startTestApi, type TestApi } from '../support/local-api';

/**
 * Issue 4, serving safely: whatever name and type the client claims, the stored object carries
 * the sniffed type, the public link answers with nosniff, and the presigned URL forces that type
 * and an inline disposition with a safe file name.
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
async function uploadLying(bytes: Buffer, filename: string, declared: string): Promise<{ id: string; content_type: string; format: string }> {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type: declared }), filename);
  const response = await api.call('/api/images/upload', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  return ((await response.json()) as { data: { id: string; content_type: string; format: string } }).data;
}

const CASES = [
  { name: 'a PNG sent as text/html named evil.html', bytes: SAMPLES.png, filename: 'evil.html', declared: 'text/html', type: 'image/png', ext: 'png' },
  {
    name: 'a GIF carrying HTML in a comment, sent as image/svg+xml',
    bytes: withMetadata('gif', PAYLOADS.html),
    filename: '../../x.svg',
    declared: 'image/svg+xml',
    type: 'image/gif',
    ext: 'gif',
  },
  { name: 'a JPEG followed by a zip (polyglot), sent as application/zip', bytes: Buffer.concat([SAMPLES.jpeg, PAYLOADS.zip]), filename: 'a".zip', declared: 'application/zip', type: 'image/jpeg', ext: 'jpg' },
] as const;

describe.each(CASES)('$name', ({ bytes, filename, declared, type, ext }) => {
  let id: string;
  beforeAll(async () => {
    const image = await uploadLying(bytes, filename, declared);
    expect(image.content_type).toBe(type);
    id = image.id;
  });

  it('is stored with the sniffed Content-Type (HeadObject on the bucket)', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: `images/${id}` }));
    expect(head.ContentType).toBe(type);
    expect(head.ContentLength).toBe(bytes.byteLength);
    expect(head.ContentDisposition).toBeUndefined();
  });

  it('the view redirect sends nosniff and a presigned URL forcing the type and an inline, safe filename', async () => {
    const view = await api.call(`/image/${id}`, { key: null });
    expect(view.status).toBe(302);
    expect(view.headers.get('x-content-type-options')).toBe('nosniff');
    const location = new URL(view.headers.get('location')!);
    expect(location.searchParams.get('response-content-type')).toBe(type);
    const disposition = location.searchParams.get('response-content-disposition');
    expect(disposition).toBe(`inline; filename="${id}.${ext}"`);
    expect(disposition).toMatch(/^inline; filename="[A-Za-z0-9_-]{22}\.[a-z]+"$/);
    expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    // What a browser gets at that URL: the forced headers and exactly the stored bytes.
    const object = await fetch(location);
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe(type);
    expect(object.headers.get('content-disposition')).toBe(`inline; filename="${id}.${ext}"`);
    expect(Buffer.from(await object.arrayBuffer()).equals(bytes)).toBe(true);
  });
});

describe('the public link for what it will not serve', () => {
  it('unknown and malformed ids are a 404 envelope that also sends nosniff', async () => {
    for (const path of ['/image/AAAAAAAAAAAAAAAAAAAAAA', '/image/%3Cscript%3E']) {
      const response = await api.call(path, { key: null });
      expect(response.status).toBe(404);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ status: 'error', message: 'Image not found' });
    }
  });
});

describe('S3ViewLinks', () => {
  it('reduces any filename to a safe one in the forced content-disposition', async () => {
    const links = new S3ViewLinks({ bucketName: LOCAL_RESOURCES.bucketName, region: 'us-east-1', credentials: async () => ({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }) });
    for (const filename of ['../"evil"\r\n.html', 'a;b=c\u202egpj.exe', `${'x'.repeat(50)}\0.png`]) {
      const url = new URL(await links.viewUrl('images/x', { contentType: 'image/png', filename, expiresIn: 60 }));
      expect(url.searchParams.get('response-content-type')).toBe('image/png');
      expect(url.searchParams.get('response-content-disposition')).toMatch(/^inline; filename="[A-Za-z0-9._-]+"$/);
    }
  });
});
