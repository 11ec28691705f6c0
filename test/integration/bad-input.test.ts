import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectRateLimitHeaders, fixture, imageForm } from '../support/http';
import { bmp24, pngWithHeader } from '../support/images';
import { startTestApi, type TestApi } from '../support/local-api';
import { type StorageState, storageState } from '../support/storage';

let api: TestApi;
let baseline: StorageState;
beforeAll(async () => {
  api = await startTestApi();
  // One good image, so "nothing new stored" is checked against a non-empty bucket and table.
  const seeded = await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('sample.png'), 'seed.png') });
  expect(seeded.status).toBe(201);
  // Its analysis, moments after the upload (docs/apps.md), is part of the baseline.
  await api.idle();
  baseline = await storageState();
  expect(baseline.objects).toHaveLength(1);
  expect(baseline.records).toHaveLength(1);
});
afterAll(async () => {
  await api.stop();
});

function post(body: RequestInit['body'], headers: Record<string, string> = {}): Promise<Response> {
  return api.call('/api/images/upload', { method: 'POST', body, headers });
}

/** Sends one upload and asserts the error envelope and that storage did not change. */
async function refused(send: () => Promise<Response>, status: number, message: string | RegExp): Promise<Response> {
  const response = await send();
  const copy = response.clone();
  await expectError(response, status, message);
  expect(await storageState()).toEqual(baseline);
  return copy;
}

const BOUNDARY = '----imager-test-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function part(name: string, filename: string, body: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n${body}\r\n`;
}

describe('bad uploads get a 4xx in the envelope and store nothing', () => {
  it.each([
    { name: 'a text file named .png', bytes: () => fixture('not-an-image.png'), filename: 'not-an-image.png' },
    { name: 'an SVG (it can carry script)', bytes: () => fixture('script.svg'), filename: 'script.svg' },
    { name: 'a HEIC', bytes: () => fixture('sample.heic'), filename: 'sample.heic' },
    { name: 'a truncated PNG header', bytes: () => fixture('sample.png').subarray(0, 16), filename: 'cut.png' },
    { name: 'a PNG cut short after its header', bytes: () => fixture('sample.png').subarray(0, 200), filename: 'cut.png' },
    { name: 'a 0x0 PNG', bytes: () => pngWithHeader(0, 0), filename: 'empty-canvas.png' },
  ])('$name -> 400 "Invalid image format"', async ({ bytes, filename }) => {
    const response = await refused(() => post(imageForm(bytes(), filename, 'image/png')), 400, 'Invalid image format');
    // Handler-made errors are counted and carry the rate-limit headers like any other answer.
    expectRateLimitHeaders(response);
  });

  it('a 200,000 x 200,000 PNG header -> 413 naming the pixel limit', async () => {
    await refused(
      () => post(imageForm(pngWithHeader(200_000, 200_000), 'flood.png', 'image/png')),
      413,
      'Image is 200000x200000 pixels; the limit is 100000000 pixels',
    );
  });

  it('an empty file -> 400', async () => {
    await refused(() => post(imageForm(Buffer.alloc(0), 'empty.png', 'image/png')), 400, 'The image file is empty');
  });

  it('no `image` field -> 400', async () => {
    const form = new FormData();
    form.append('title', 'holiday');
    await refused(() => post(form), 400, 'No image file in the field "image"');
  });

  it('a file in another field -> 400', async () => {
    const form = new FormData();
    form.append('files', new Blob([fixture('sample.png')]), 'sample.png');
    await refused(() => post(form), 400, 'Unexpected file in field "files"; send the image in the field "image"');
  });

  it('two files -> 400', async () => {
    const form = imageForm(fixture('sample.png'), 'one.png');
    form.append('image', new Blob([fixture('sample.gif')]), 'two.gif');
    await refused(() => post(form), 400, 'Send exactly one file, in the field "image"');
  });

  it('not multipart -> 400', async () => {
    await refused(
      () => post(JSON.stringify({ image: 'aGVsbG8=' }), { 'Content-Type': 'application/json' }),
      400,
      'Expected a multipart/form-data body with the image in the field "image"',
    );
  });

  it('an empty multipart body -> 400', async () => {
    await refused(() => post(new Uint8Array(0), { 'Content-Type': MULTIPART }), 400, 'The request body is empty');
  });

  it('malformed multipart: no boundary -> 400', async () => {
    await refused(
      () => post(part('image', 'a.png', 'x'), { 'Content-Type': 'multipart/form-data' }),
      400,
      /^Malformed multipart\/form-data header/,
    );
  });

  it('malformed multipart: body cut before the closing boundary -> 400', async () => {
    const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
    await refused(
      () => post(Buffer.concat([Buffer.from(body), fixture('sample.png')]), { 'Content-Type': MULTIPART }),
      400,
      'Malformed multipart/form-data body: the body ends before its closing boundary',
    );
  });

  it('malformed multipart: a boundary that is not the declared one -> 400', async () => {
    await refused(
      () => post(`${part('image', 'a.png', 'x')}--${BOUNDARY}--\r\n`, { 'Content-Type': 'multipart/form-data; boundary=other' }),
      400,
      'Malformed multipart/form-data body: no part starts with the declared boundary',
    );
  });

  it('malformed multipart: a part without its blank line does not take the next part\'s file -> 400', async () => {
    const body = Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n<svg/>\r\n`),
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="other"; filename="b.png"\r\n\r\n`),
      fixture('sample.png'),
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    await refused(() => post(body, { 'Content-Type': MULTIPART }), 400, 'Malformed multipart/form-data body: a part has no blank line after its headers');
  });

  it('an image over 4 MiB -> 413 naming the limit', async () => {
    const big = bmp24(1024, 1400); // a real 24-bit BMP of about 4.1 MiB
    expect(big.byteLength).toBeGreaterThan(4 * 1024 * 1024);
    await refused(() => post(imageForm(big, 'big.bmp', 'image/bmp')), 413, 'Image exceeds the 4 MiB limit (4194304 bytes)');
  });

  it('a 5 MB image (its base64 event over Lambda\'s 6 MB) -> the raw 413 AWS gives, before any handler', async () => {
    const big = bmp24(1280, 1366); // about 5 MiB: under the 10 MB request limit, ~7 MB as a base64 event
    expect(big.byteLength).toBeLessThan(10 * 1024 * 1024);
    const response = await post(imageForm(big, 'big.bmp', 'image/bmp'));
    expect(response.status).toBe(413);
    // API Gateway's own body for an event Lambda refuses: not our envelope, no rate-limit headers.
    expect(await response.text()).toBe('{"message":"Request Too Long"}');
    expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    expect(await storageState()).toEqual(baseline);
  });

  it('a body over 10 MB -> 413 from the gateway, with CORS headers', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024 + 1024, 0x61);
    const response = await refused(() => post(imageForm(huge, 'huge.bmp')), 413, 'Request body exceeds the 10 MB limit');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    // The gateway answered before any handler ran: nothing was counted against the hour.
    expect(response.headers.get('x-ratelimit-limit')).toBeNull();
  });
});
