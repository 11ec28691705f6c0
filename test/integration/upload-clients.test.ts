import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uploadImage } from '../../client/index';
import { picGoWebUploader, shareXUploader, uPicCustomHost } from '../../client/uploaders';
import type { ProxyHandler } from '../../local/gateway';
import { createKey } from '../support/accounts';
import { checkedFetch } from '../support/contract';
import { download, expectError, fixture, published } from '../support/http';
import { type HttpsTargets, startHttpsTargets, targetRoutes } from '../support/https-targets';
import { startTestApi, type TestApi } from '../support/local-api';
import { picGoRequest, picGoResult, shareXRequest, shareXResult, uPicRequest, uPicResult } from '../support/uploader-tools';

/**
 * Uploads for every client, end to end against the local API (docs/api.md, docs/clients.md):
 * Idempotency-Key under 20 concurrent retries, text mode and the docs' shell recipes run as
 * written, the delete link, the ShareX, PicGo and uPic settings evaluated the way each tool does,
 * and upload by URL (hostile targets through the API as it runs; the positive case through the
 * same handler with a test resolver and root of trust, since no public host is reachable here).
 */

const PNG = fixture('sample.png');
const CLIENTS_DOC = readFileSync(new URL('../../docs/clients.md', import.meta.url), 'utf8');

let api: TestApi;
let targets: HttpsTargets;
let work: string;
beforeAll(async () => {
  // The burst tests retry every 100 ms from 20 clients at once, faster the slower the first
  // upload is: the key's usage-plan throttle (20/s, burst 40) would answer some of them 429.
  api = await startTestApi({ IMAGER_THROTTLE_RATE: '1000', IMAGER_THROTTLE_BURST: '1000' });
  targets = await startHttpsTargets(targetRoutes(PNG));
  work = mkdtempSync(join(tmpdir(), 'imager-recipes-'));
  copyFileSync(new URL('../fixtures/sample.png', import.meta.url), join(work, 'photo.png'));
});
afterAll(async () => {
  await targets?.close();
  await api?.stop();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  targets.dials.length = 0;
  targets.publicTarget.connections = 0;
  targets.privateTarget.connections = 0;
});

/** The hourly window's remaining count for `key`, read with a GET (which itself counts one). */
async function remaining(key: string): Promise<number> {
  const response = await api.call('/api/images?limit=1', { key });
  expect(response.status).toBe(200);
  return Number(response.headers.get('x-ratelimit-remaining'));
}

async function imagesOf(key: string): Promise<string[]> {
  const response = await api.call('/api/images?limit=100', { key });
  const body = await response.text();
  expect(response.status, body).toBe(200);
  return (JSON.parse(body) as { data: { images: Array<{ id: string }> } }).data.images.map((image) => image.id);
}

function uploadRequest(key: string, idempotencyKey: string, image: Buffer = PNG): RequestInit & { key: string } {
  const form = new FormData();
  form.append('image', new Blob([image], { type: 'image/png' }), 'shot.png');
  return { method: 'POST', key, headers: { 'Idempotency-Key': idempotencyKey }, body: form };
}

describe('Idempotency-Key against the local API', () => {
  it('20 retries sent at once with one key leave exactly one image and one count', async () => {
    const { key } = await createKey('idempotent-twenty');
    const before = await remaining(key);
    const first = await Promise.all(Array.from({ length: 20 }, () => api.call('/api/images/upload', uploadRequest(key, '"burst-of-twenty"'))));
    const statuses = first.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    expect(statuses).toContain(201);
    // What a client does with a 409: retry after Retry-After, with the same key.
    const answers: string[] = [];
    for (const response of first) {
      let current = response;
      for (let tries = 0; current.status === 409 && tries < 50; tries += 1) {
        expect(current.headers.get('retry-after')).toBe('1');
        await current.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 100));
        current = await api.call('/api/images/upload', uploadRequest(key, '"burst-of-twenty"'));
      }
      expect(current.status).toBe(201);
      answers.push(await current.text());
    }
    expect(new Set(answers).size).toBe(1);
    const { data } = JSON.parse(answers[0]) as { data: { id: string } };
    expect(await imagesOf(key)).toEqual([data.id]);
    // Counted since `before`: the one upload, the listing just above and this GET.
    expect(before - (await remaining(key))).toBe(3);
  });

  it('the typed client retries with one key by default: 20 concurrent calls with the same key, one image', async () => {
    const { key } = await createKey('idempotent-client');
    const client = api.client(key);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => uploadImage(client, new Blob([PNG], { type: 'image/png' }), 'shot.png', { idempotencyKey: 'client-key', retries: 20, backoffMs: () => 100 })),
    );
    expect(results.map((r) => r.response.status), JSON.stringify(results.map((r) => r.error ?? r.response.status))).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.data?.data.id)).size).toBe(1);
    expect(await imagesOf(key)).toEqual([results[0].data!.data.id]);
  });

  it('the same key with another image is a 422; a key of another account is its own', async () => {
    const { key } = await createKey('idempotent-mismatch');
    const { key: other } = await createKey('idempotent-other');
    expect((await api.call('/api/images/upload', uploadRequest(key, 'mine'))).status).toBe(201);
    await expectError(await api.call('/api/images/upload', uploadRequest(key, 'mine', fixture('sample.gif'))), 422, 'This Idempotency-Key was already used with a different request');
    expect((await api.call('/api/images/upload', uploadRequest(other, 'mine'))).status).toBe(201);
    expect(await imagesOf(key)).toHaveLength(1);
    expect(await imagesOf(other)).toHaveLength(1);
  });

  it('replays a large upload start: the same pending image and ticket', async () => {
    const start = () =>
      api.call('/api/images/uploads', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'large-start' }, body: '{"size": 1000}' });
    const first = await start();
    const again = await start();
    expect(first.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(await first.text());
  });
});

/** The shell block of docs/clients.md marked `<!-- recipe: name -->`, as written there. */
function recipe(name: string): string {
  const match = new RegExp(`<!-- recipe: ${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(CLIENTS_DOC);
  if (!match) throw new Error(`docs/clients.md has no recipe ${name}`);
  return match[1].trim();
}

/**
 * Runs a recipe with sh in a folder holding photo.png, IMAGER_URL and IMAGER_KEY set; the
 * screenshot tool prints a PNG, the clipboard is a file, and uuidgen is there even where
 * util-linux's is not.
 */
function run(command: string, key: string): Promise<{ code: number; stdout: string; stderr: string; clipboard: string }> {
  const stand = [
    'flameshot() { cat photo.png; }',
    'xclip() { cat > clipboard.txt; }',
    'command -v uuidgen >/dev/null 2>&1 || uuidgen() { cat /proc/sys/kernel/random/uuid; }',
    ': > clipboard.txt',
  ].join('\n');
  return new Promise((resolve) => {
    execFile('sh', ['-c', `${stand}\n${command}`], { cwd: work, env: { PATH: process.env.PATH, IMAGER_URL: api.url, IMAGER_KEY: key }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, clipboard: readFileSync(join(work, 'clipboard.txt'), 'utf8') });
    });
  });
}

describe('docs/clients.md shell recipes, run as written', () => {
  it('curl: the JSON envelope with the image and its delete link', async () => {
    const result = await run(recipe('curl-json'), api.devKey);
    expect(result.code).toBe(0);
    const { data } = JSON.parse(result.stdout) as { data: { url: string; delete_url: string; sha256: string } };
    expect(data.sha256).toBe(published(PNG).sha256);
    expect(data.delete_url).toMatch(/\/delete\/[A-Za-z0-9_-]{43}$/);
  });

  it('curl in text mode: the URL alone, which serves the image; an error exits non-zero', async () => {
    const result = await run(recipe('curl-text'), api.devKey);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${api.url}/image/[A-Za-z0-9_-]{22}$`));
    const { bytes } = await download(result.stdout);
    expect(bytes.equals(Buffer.from(published(PNG).bytes))).toBe(true);
    const refused = await run(recipe('curl-text'), 'imgr_not-a-key-of-anyone-at-all-000000');
    expect(refused.code).toBe(22);
    expect(refused.stdout).toBe('');
  });

  it('curl with retries and one Idempotency-Key', async () => {
    const result = await run(recipe('curl-retry'), api.devKey);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${api.url}/image/[A-Za-z0-9_-]{22}$`));
  });

  it('curl upload by URL: the request shape reaches the fetch, which refuses a host that is not public', async () => {
    const command = recipe('curl-url').replace('https://images.example/cat.png', `${targets.publicTarget.origin}/image`);
    const result = await run(command, api.devKey);
    expect(JSON.parse(result.stdout)).toEqual({ status: 'error', message: 'Could not fetch the url: The host 127.0.0.1 is not a public address' });
    expect(targets.publicTarget.connections).toBe(0);
  });

  it('Flameshot: the screenshot on stdin, the URL on the clipboard', async () => {
    const result = await run(recipe('flameshot'), api.devKey);
    expect(result.code).toBe(0);
    expect(result.clipboard).toMatch(new RegExp(`^${api.url}/image/[A-Za-z0-9_-]{22}$`));
    const { response } = await download(result.clipboard);
    expect(response.status).toBe(200);
  });
});

describe('text mode against the local API', () => {
  it('keeps the status of an error and answers its message alone', async () => {
    const form = new FormData();
    form.append('image', new Blob([fixture('script.svg')]), 'x.svg');
    const response = await api.call('/api/images/upload', { method: 'POST', headers: { Accept: 'text/plain' }, body: form });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('Invalid image format');
  });
});

describe('delete links against the local API', () => {
  it('GET shows the page and deletes nothing; the form POST deletes without a key', async () => {
    const form = new FormData();
    form.append('image', new Blob([PNG]), 'photo.png');
    const { data } = (await (await api.call('/api/images/upload', { method: 'POST', body: form })).json()) as { data: { id: string; url: string; delete_url: string } };
    for (let i = 0; i < 2; i += 1) {
      const page = await checkedFetch(data.delete_url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<form method="post">');
    }
    expect((await download(data.url)).response.status).toBe(200);
    // What the browser sends for the page's form.
    const deleted = await checkedFetch(data.delete_url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toContain('Image deleted');
    expect((await download(data.url)).response.status).toBe(404);
    expect((await api.call(`/api/images/${data.id}`)).status).toBe(404);
    expect((await checkedFetch(data.delete_url)).status).toBe(404);
  });
});

describe('uploader tools, their settings evaluated the way each tool does', () => {
  it('ShareX: the .sxcu request; URL, thumbnail and deletion URL from the answer; the error message of a refusal', async () => {
    const uploader = shareXUploader({ apiUrl: api.url, apiKey: api.devKey });
    const { url, init } = shareXRequest(uploader, PNG, 'ShareX_2026-11-26.png');
    const response = await checkedFetch(url, init);
    expect(response.status).toBe(201);
    const result = shareXResult(uploader, response.status, await response.text());
    expect(result.url).toMatch(new RegExp(`^${api.url}/image/[A-Za-z0-9_-]{22}$`));
    expect(result.thumbnailUrl).toBe(`${result.url}?w=256`);
    const thumbnail = await download(result.thumbnailUrl!);
    expect(thumbnail.response.status).toBe(200);
    expect(thumbnail.response.headers.get('content-type')).toMatch(/^image\//);
    expect((await download(result.url!)).bytes.equals(Buffer.from(published(PNG).bytes))).toBe(true);
    expect(result.deletionUrl).toMatch(/\/delete\/[A-Za-z0-9_-]{43}$/);
    expect((await checkedFetch(result.deletionUrl!)).status).toBe(200);

    const svg = shareXRequest(uploader, fixture('script.svg'), 'x.svg');
    const refused = await checkedFetch(svg.url, svg.init);
    expect(shareXResult(uploader, refused.status, await refused.text())).toEqual({ error: 'Invalid image format' });
    const stranger = shareXUploader({ apiUrl: api.url, apiKey: 'imgr_not-a-key-of-anyone-at-all-000000' });
    const unknown = shareXRequest(stranger, PNG, 'x.png');
    const denied = await checkedFetch(unknown.url, unknown.init);
    expect(shareXResult(stranger, denied.status, await denied.text())).toEqual({ error: 'Missing or invalid API key' });
  });

  it('PicGo web uploader: the image URL at jsonPath', async () => {
    const config = picGoWebUploader({ apiUrl: api.url, apiKey: api.devKey });
    const { url, init } = picGoRequest(config, PNG, 'picgo.png');
    const response = await checkedFetch(url, init);
    expect(response.status).toBe(201);
    const imageUrl = picGoResult(config, await response.text());
    expect(imageUrl).toMatch(new RegExp(`^${api.url}/image/[A-Za-z0-9_-]{22}$`));
    expect((await download(String(imageUrl))).response.status).toBe(200);
  });

  it('uPic custom host: the URL at resultPath, with uPic\'s own "key" field in the form', async () => {
    const config = uPicCustomHost({ apiUrl: api.url, apiKey: api.devKey });
    const { url, init } = uPicRequest(config, PNG, 'uPic/20261126.png');
    const response = await checkedFetch(url, init);
    expect(response.status).toBe(201);
    const result = uPicResult(config, response.status, await response.text());
    expect(result.url).toMatch(new RegExp(`^${api.url}/image/[A-Za-z0-9_-]{22}$`));
    expect((await download(result.url!)).response.status).toBe(200);
  });
});

describe('upload by URL against the local API', () => {
  const byUrl = (url: string, key?: string) =>
    api.call('/api/images/upload', { method: 'POST', ...(key ? { key } : {}), headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ url }) });

  it.each([
    ['a loopback literal', () => `${targets.publicTarget.origin}/image`, 'Could not fetch the url: The host 127.0.0.1 is not a public address'],
    ['localhost', () => targets.publicTarget.originAs('localhost') + '/image', 'Could not fetch the url: The host localhost is not a public address'],
    ['the metadata address', () => 'https://169.254.169.254/latest/meta-data/', 'Could not fetch the url: The host 169.254.169.254 is not a public address'],
    ['an IPv6 loopback literal', () => `https://[::1]:${targets.publicTarget.port}/image`, 'Could not fetch the url: The host [::1] is not a public address'],
    ['plain http', () => `http://127.0.0.1:${targets.publicTarget.port}/image`, 'Could not fetch the url: Only https:// URLs can be fetched'],
  ])('refuses %s with 400 and never connects', async (_name, url, message) => {
    const { key } = await createKey('url-hostile');
    await expectError(await byUrl(url(), key), 400, message);
    expect(targets.publicTarget.connections).toBe(0);
    expect(targets.privateTarget.connections).toBe(0);
    expect(await imagesOf(key)).toEqual([]);
  });

  it('stores what it fetched, through the real handler and storage, with a test resolver and root of trust', async () => {
    const wiring = await import('../../functions/runtime/wiring');
    const { createUploadHandler } = await import('../../functions/upload-image');
    const { PublicHttpClient } = await import('../../functions/adapters/public-http-client');
    const { logger } = await import('../../functions/runtime/logger');
    const dynamodb = wiring.dynamoDB();
    const handler = createUploadHandler({
      ...wiring.keyRoute(dynamodb),
      objects: wiring.imageObjects(wiring.s3()),
      records: wiring.imageRecordsWithTotals(dynamodb),
      idempotency: wiring.idempotencyRecords(dynamodb),
      log: logger,
      http: new PublicHttpClient({ resolver: targets.resolver({ 'images.test': ['127.0.0.1'] }), isAllowed: targets.policy, ca: targets.ca, dial: targets.dial }),
    });
    const beside = await api.gatewayBeside({ handlers: { UploadImage: handler as ProxyHandler } });
    const response = await checkedFetch(`${beside.url}/api/images/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.devKey}`, 'Content-Type': 'application/json', Accept: 'text/plain' },
      body: JSON.stringify({ url: `${targets.publicTarget.originAs('images.test')}/image` }),
    });
    expect(response.status).toBe(201);
    const url = await response.text();
    expect(url).toMatch(/\/image\/[A-Za-z0-9_-]{22}$/);
    const stored = await download(`${api.url}/image/${url.split('/').pop()}`);
    expect(stored.bytes.equals(Buffer.from(published(PNG).bytes))).toBe(true);
    expect(targets.dials).toEqual(['127.0.0.1']);
    expect(targets.privateTarget.connections).toBe(0);
  });
});

describe('DynamoIdempotencyRecords on the emulator (no TTL there: expiry is in the conditions)', () => {
  it('claims once, holds while live, lets an expired record or a lapsed lease be taken over, and only the owner keeps or releases', async () => {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoIdempotencyRecords } = await import('../../functions/adapters/dynamo-idempotency-records');
    const client = new DynamoDBClient({});
    try {
      const records = new DynamoIdempotencyRecords(client, String(process.env.COUNTERS_TABLE));
      const id = `idem#acct_test#${Date.now()}`;
      const record = (owner: string, now: number) => ({ fingerprint: 'f', state: 'in-flight' as const, owner, leaseUntil: now + 60, expiresAt: now + 86_400 });
      const now = 1_800_000_000;
      expect(await records.claim(id, record('a', now), now)).toBeUndefined();
      // Live and in flight: the second claim reads back the first (the emulator returns no ALL_OLD item).
      expect(await records.claim(id, record('b', now + 1), now + 1)).toMatchObject({ owner: 'a', state: 'in-flight' });
      // Its lease ran out: taken over.
      expect(await records.claim(id, record('c', now + 61), now + 61)).toBeUndefined();
      expect(await records.complete(id, 'a', 'sealed-a')).toBe(false);
      expect(await records.complete(id, 'c', 'sealed-c')).toBe(true);
      // Done: held for the whole day, lease or not.
      expect(await records.claim(id, record('d', now + 3600), now + 3600)).toMatchObject({ owner: 'c', state: 'done', response: 'sealed-c' });
      await records.release(id, 'd');
      expect(await records.claim(id, record('e', now + 3601), now + 3601)).toMatchObject({ owner: 'c' });
      // After its 24 hours the record is absent to a claim, even though nothing deleted it.
      expect(await records.claim(id, record('f', now + 86_462), now + 86_462)).toBeUndefined();
      await records.release(id, 'f');
      expect(await records.claim(id, record('g', now + 86_463), now + 86_463)).toBeUndefined();
    } finally {
      client.destroy();
    }
  });
});
