import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser';
import type { ShareXUploader } from '../../client/uploaders';
import { bmp24 } from '../support/images';
import { shareXRequest, shareXResult } from '../support/uploader-tools';

// (This file type-checks with the DOM library, for the code run in the page: test/browser/tsconfig.json.
// So what it imports from the test support must type-check with it too.)
const TEST_PASSWORD = 'Correct-Horse-9-Battery';

/**
 * The web console in a real browser (headless Chromium, found by test/support/browser.ts),
 * driven only through the accessible names of docs/accounts-and-console.md, against `npm start`'s own entry point
 * run as a child process on a free port with a temporary data dir. The confirmation code is read from what that process
 * prints, as a person running it locally would.
 *
 * Screenshots of every page, narrow (390 px) and wide (1280 px), go to a temporary directory;
 * with IMAGER_SCREENSHOTS=docs they go to docs/ (how the pictures of docs/accounts-and-console.md are made).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUTH_CACHE_SECONDS = 1;

let server: ChildProcess;
let output = '';
let baseUrl: string;
let dataDir: string;
let shots: string;
let browser: Browser;
let page: Page;
const email = `browser-${process.pid}-${Date.now()}@example.com`;

function waitForOutput(pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(output);
      if (match) resolve(match);
      return Boolean(match);
    };
    if (check()) return;
    const timer = setTimeout(() => {
      server.stdout?.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern} in:\n${output}`));
    }, timeoutMs);
    const onData = (): void => {
      if (check()) {
        clearTimeout(timer);
        server.stdout?.off('data', onData);
      }
    };
    server.stdout?.on('data', onData);
  });
}

/** The notice's slide-out transition over, and a frame painted at the page's current size. */
async function laidOut(): Promise<void> {
  await page.waitForFunction(() => {
    const toast = document.getElementById('toast');
    return !toast || getComputedStyle(toast).visibility === 'hidden';
  });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

async function screenshot(name: string): Promise<void> {
  // A passing notice ("copied") would cover part of the page.
  await page.evaluate(() => document.getElementById('toast')?.classList.remove('shown'));
  for (const [label, width] of [
    ['narrow', 390],
    ['wide', 1280],
  ] as const) {
    await page.setViewport({ width, height: width === 390 ? 844 : 900 });
    await laidOut();
    await page.screenshot({ path: join(shots, `console-${name}-${label}.png`), fullPage: true });
  }
  await page.setViewport({ width: 1280, height: 900 });
}

async function byName(name: string, scope: Page | ElementHandle = page): Promise<ElementHandle<Element>> {
  const element = await scope.waitForSelector(`aria/${name}`, { timeout: 20_000 });
  if (!element) throw new Error(`no element named ${name}`);
  return element as ElementHandle<Element>;
}

/** A button by its accessible name (a heading may carry the same words, e.g. "Sign in"). */
function button(name: string, scope: Page | ElementHandle = page): Promise<ElementHandle<Element>> {
  return byName(`${name}[role="button"]`, scope);
}

async function fill(name: string, value: string): Promise<void> {
  const input = await byName(name);
  await input.click({ count: 3 });
  await input.type(value);
}

async function heading(text: string): Promise<void> {
  await page.waitForFunction((t) => [...document.querySelectorAll('h1, h2')].some((h) => h.textContent === t), { timeout: 20_000 }, text);
}

async function alertText(): Promise<string> {
  await page.waitForFunction(() => [...document.querySelectorAll('[role="alert"]')].some((a) => !(a as HTMLElement).hidden && a.textContent), { timeout: 20_000 });
  return page.evaluate(() =>
    [...document.querySelectorAll('[role="alert"]')]
      .filter((a) => !(a as HTMLElement).hidden)
      .map((a) => a.textContent)
      .join(' | '),
  );
}

function session(): Promise<{ idToken: string; refreshToken: string }> {
  return page.evaluate(() => {
    const user = Object.keys(localStorage).find((k) => k.endsWith('.LastAuthUser'))!;
    const prefix = user.replace(/\.LastAuthUser$/, '');
    const name = localStorage.getItem(user);
    return { idToken: localStorage.getItem(`${prefix}.${name}.idToken`)!, refreshToken: localStorage.getItem(`${prefix}.${name}.refreshToken`)! };
  });
}

/** A multipart form with the committed 64x48 PNG sample in the field `image`. */
function pngForm(): FormData {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/sample.png')))], { type: 'image/png' }), 'sample.png');
  return form;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'imager-browser-'));
  shots = process.env.IMAGER_SCREENSHOTS === 'docs' ? join(ROOT, 'docs') : join(dataDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  server = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      IMAGER_DATA_DIR: dataDir,
      IMAGER_AUTH_CACHE_SECONDS: String(AUTH_CACHE_SECONDS),
      IMAGER_SWEEP_MINUTES: '0',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  baseUrl = (await waitForOutput(/Imager local API listening on (http:\/\/127\.0\.0\.1:\d+)/, 180_000))[1];
  browser = await launchBrowser();
  await browser.defaultBrowserContext().overridePermissions(baseUrl, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('dialog', (dialog) => void dialog.accept());
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe.sequential('web console', () => {
  let apiKey: string;
  let imageId: string;

  it('signs up, confirms with the code the emulator printed, and signs in', async () => {
    await page.goto(`${baseUrl}/#/signup`, { waitUntil: 'networkidle0' });
    await heading('Create your Imager account');
    await screenshot('sign-up');
    await fill('Email', email);
    await fill('Password', TEST_PASSWORD);
    await (await button('Sign up')).click();

    await heading('Confirm your email');
    const code = (await waitForOutput(new RegExp(`Confirmation code for ${email.replace(/[.+]/g, '\\$&')}: (\\d+)`)))[1];
    await screenshot('confirm');
    // A wrong code is refused in words.
    await fill('Confirmation code', code === '000000' ? '111111' : '000000');
    await (await button('Confirm')).click();
    expect(await alertText()).toMatch(/confirmation code is not right/);
    await fill('Confirmation code', code);
    await (await button('Confirm')).click();

    await heading('Sign in');
    await screenshot('sign-in');
    await fill('Email', email);
    await fill('Password', 'Wrong-Password-123');
    await (await button('Sign in')).click();
    expect(await alertText()).toBe('Incorrect email or password.');
    await fill('Password', TEST_PASSWORD);
    await (await button('Sign in')).click();
    await heading('Usage');
    await heading('API keys');
    await heading('Images');
    expect(await page.evaluate(() => document.querySelector('.who')?.textContent)).toContain(email);
  }, 180_000);

  it('creates a named key, shown once with a copy button', async () => {
    await fill('Key name', 'laptop');
    await (await button('Create API key')).click();
    const secret = await page.waitForSelector('.new-key code.secret', { visible: true, timeout: 20_000 });
    apiKey = (await secret!.evaluate((node) => node.textContent))!;
    expect(apiKey).toMatch(/^imgr_[A-Za-z0-9_-]{43}$/);
    await (await button('Copy key')).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(apiKey);
    const row = await byName('Key laptop');
    expect(await row.evaluate((node) => node.textContent)).toMatch(/Active/);
    expect(await row.evaluate((node) => node.textContent)).toContain(apiKey.slice(0, 9));
  }, 60_000);

  it('offers a ShareX uploader for the new key, whose paths read real answers of npm start\'s API the way ShareX does', async () => {
    const link = await byName('Download ShareX uploader (.sxcu)[role="link"]');
    expect(await link.evaluate((node) => node.getAttribute('download'))).toBe('Imager (laptop).sxcu');
    const text = await link.evaluate(async (node) => (await fetch((node as HTMLAnchorElement).href)).text());
    const uploader = JSON.parse(text) as ShareXUploader;
    expect(uploader).toMatchObject({
      RequestMethod: 'POST',
      RequestURL: `${baseUrl}/api/images/upload`,
      Headers: { Authorization: `Bearer ${apiKey}` },
      Body: 'MultipartFormData',
      FileFormName: 'image',
      URL: '{json:data.url}',
      DeletionURL: '{json:data.delete_url}',
      ErrorMessage: '{json:message}',
    });
    const { url, init } = shareXRequest(uploader, bmp24(32, 24), 'ShareX.bmp');
    const response = await fetch(url, init);
    expect(response.status).toBe(201);
    const result = shareXResult(uploader, response.status, await response.text());
    expect(result.url).toMatch(new RegExp(`^${baseUrl}/image/[A-Za-z0-9_-]{22}$`));
    for (const served of [result.url!, result.thumbnailUrl!]) expect((await fetch(served)).status).toBe(200);
    expect((await fetch(result.deletionUrl!)).status).toBe(200);
    // ShareX's "Delete" opens that page, whose button posts back: the image goes (and the account's count with it).
    expect((await fetch(result.deletionUrl!, { method: 'POST' })).status).toBe(200);
    expect((await fetch(result.url!)).status).toBe(404);
    const svg = shareXRequest(uploader, new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'x.svg');
    const refused = await fetch(svg.url, svg.init);
    expect(shareXResult(uploader, refused.status, await refused.text())).toEqual({ error: 'Invalid image format' });
  }, 60_000);

  it('shows an API error in words (the 11th active key)', async () => {
    const { idToken } = await session();
    // Only "laptop" exists: the console browses with its session, no key of its own. Fill the account up over HTTP.
    const listed = await fetch(`${baseUrl}/api/account/keys`, { headers: { Authorization: `Bearer ${idToken}` } });
    const before = ((await listed.json()) as any).data.keys as Array<{ name: string; status: string }>;
    expect(before.map((key) => key.name)).toEqual(['laptop']);
    const existing = before.filter((key) => key.status === 'active').length;
    const extra: string[] = [];
    for (let i = existing; i < 10; i += 1) {
      const created = await fetch(`${baseUrl}/api/account/keys`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${idToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `filler ${i}` }),
      });
      expect(created.status).toBe(201);
      extra.push(((await created.json()) as any).data.id);
    }
    await fill('Key name', 'one too many');
    await (await button('Create API key')).click();
    expect(await alertText()).toBe('An account can have at most 10 active keys');
    for (const id of extra) {
      expect((await fetch(`${baseUrl}/api/account/keys/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${idToken}` } })).status).toBe(204);
    }
  }, 60_000);

  it('rotates the URL-signing secret: shown once with a copy button, listed by kid (docs/edge.md)', async () => {
    await heading('URL-signing secrets');
    await (await button('Rotate signing secret')).click();
    const shown = await page.waitForSelector('.new-key[aria-label="New signing secret"] code.secret', { visible: true, timeout: 20_000 });
    const secret = (await shown!.evaluate((node) => node.textContent))!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await (await button('Copy secret')).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const { idToken } = await session();
    const listed = (await (await fetch(`${baseUrl}/api/account/signing-secrets`, { headers: { Authorization: `Bearer ${idToken}` } })).json()) as any;
    const [newest] = listed.data.signing_secrets as Array<{ kid: string }>;
    const row = await byName(`Signing secret ${newest!.kid}`);
    expect(await row.evaluate((node) => node.textContent)).toContain('signs new URLs');
    expect(JSON.stringify(listed)).not.toContain(secret);
  }, 60_000);

  it('shows an image uploaded with that key over plain HTTP in the gallery', async () => {
    const uploaded = await fetch(`${baseUrl}/api/images/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}` },
      body: pngForm(),
    });
    expect(uploaded.status).toBe(201);
    imageId = ((await uploaded.json()) as any).data.id;
    await page.reload({ waitUntil: 'networkidle0' });
    const card = await byName(`Image ${imageId}`);
    await page.waitForFunction(
      (id) => {
        const img = document.querySelector(`img[alt="Image ${id}"]`) as HTMLImageElement | null;
        return img !== null && img.complete && img.naturalWidth === 64;
      },
      { timeout: 20_000 },
      imageId,
    );
    await (await button('Copy URL', card)).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseUrl}/image/${imageId}`);
    // The usage panel counts it.
    await page.waitForFunction(() => /1 \(/.test(document.querySelector('.stats')?.textContent ?? ''), { timeout: 20_000 });
  }, 60_000);

  it('uploads a picked file through the console, with its session (no key of its own appears)', async () => {
    const sent: Array<{ url: string; authorization: string | undefined }> = [];
    const record = (request: import('puppeteer-core').HTTPRequest) => {
      if (new URL(request.url()).pathname.startsWith('/api/images') && request.method() !== 'OPTIONS') sent.push({ url: request.url(), authorization: request.headers().authorization });
    };
    page.on('request', record);
    const picker = (await page.waitForSelector('.uppy-Dashboard-input', { timeout: 20_000 })) as ElementHandle<HTMLInputElement>;
    await picker.uploadFile(join(ROOT, 'test/fixtures/sample.jpg'));
    await (await button('Upload')).click();
    await page.waitForFunction(() => document.querySelectorAll('li.image').length === 2, { timeout: 30_000 });
    page.off('request', record);
    await screenshot('settings-and-gallery');
    // The upload and the gallery's reload went to the image routes with the session's ID token.
    const { idToken } = await session();
    expect(sent.map((request) => new URL(request.url).pathname)).toEqual(expect.arrayContaining(['/api/images/uploads', '/api/images']));
    for (const request of sent) expect(request.authorization, request.url).toBe(`Bearer ${idToken}`);
    const keys = ((await (await fetch(`${baseUrl}/api/account/keys`, { headers: { Authorization: `Bearer ${idToken}` } })).json()) as any).data.keys as Array<{ name: string }>;
    expect(keys.map((key) => key.name)).not.toContain('Web console');
    // Uppy keeps finished files listed until they are cleared.
    await page.evaluate(() => (document.querySelector('.uppy-StatusBar-actionBtn--done') as HTMLButtonElement | null)?.click());
    await page.waitForFunction(() => document.querySelectorAll('.uppy-Dashboard-Item').length === 0, { timeout: 20_000 });
  }, 60_000);

  it('shows an analysed image\'s ThumbHash behind its thumbnail, and exports every image behind a download link', async () => {
    // The analysis runs moments after the upload (docs/apps.md): wait for it over HTTP.
    let thumbhash: string | null = null;
    for (let i = 0; i < 100 && !thumbhash; i += 1) {
      const image = (await (await fetch(`${baseUrl}/api/images/${imageId}`, { headers: { Authorization: `Bearer ${apiKey}` } })).json()) as any;
      thumbhash = image.data.thumbhash;
      if (!thumbhash) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(thumbhash).toMatch(/^[A-Za-z0-9+/]+=*$/);
    await page.reload({ waitUntil: 'networkidle0' });
    await byName(`Image ${imageId}`);
    const background = await page.evaluate((id) => (document.querySelector(`img[alt="Image ${id}"]`) as HTMLImageElement).style.backgroundImage, imageId);
    expect(background).toMatch(/^url\("data:image\/png;base64,/);

    await (await button('Export')).click();
    const link = await page.waitForSelector('section.export a[download]', { visible: true, timeout: 60_000 });
    const href = (await link!.evaluate((node) => (node as HTMLAnchorElement).href))!;
    const zip = Buffer.from(await (await fetch(href)).arrayBuffer());
    expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(await page.evaluate(() => document.querySelector('section.export .status')?.textContent)).toMatch(/^Ready \(2 images, /);
  }, 90_000);

  it('sends a file over 4 MiB from the browser straight to storage in parts (bucket CORS), and shows it once checked', async () => {
    const bytes = bmp24(1400, 1300); // 5.5 MB: over one part, so the console starts a resumable upload
    const file = join(dataDir, 'large.bmp');
    writeFileSync(file, bytes);
    const picker = (await page.$('.uppy-Dashboard-input')) as ElementHandle<HTMLInputElement>;
    await picker.uploadFile(file);
    await (await button('Upload')).click();
    // Complete only after the bytes reached storage and finalize settled the image ready.
    await page.waitForFunction(
      () => [...document.querySelectorAll('.uppy-Dashboard-Item')].some((item) => item.querySelector('.uppy-Dashboard-Item-name')?.textContent === 'large.bmp' && /is-(complete|error)/.test(item.className)),
      { timeout: 60_000 },
    );
    expect(await page.evaluate(() => document.querySelectorAll('.uppy-Dashboard-Item.is-error').length)).toBe(0);
    expect(await page.evaluate(() => [...document.querySelectorAll('[role="alert"]')].map((a) => a.textContent).filter(Boolean))).toEqual([]);
    await page.waitForFunction(() => document.querySelectorAll('li.image').length === 3, { timeout: 30_000 });
    const listed = (await (await fetch(`${baseUrl}/api/images`, { headers: { Authorization: `Bearer ${apiKey}` } })).json()) as any;
    const large = listed.data.images.find((image: any) => image.format === 'bmp');
    expect(large).toMatchObject({ state: 'ready', size: bytes.byteLength, width: 1400, height: 1300 });
    // BMP has no metadata to remove: what the URL serves is the file the browser sent.
    expect(Buffer.from(await (await fetch(large.url)).arrayBuffer()).equals(bytes)).toBe(true);
  }, 90_000);

  it('revokes the key: listed as revoked, and refused (401) once the authorizer cache expires', async () => {
    expect((await fetch(`${baseUrl}/api/images`, { headers: { Authorization: `Bearer ${apiKey}` } })).status).toBe(200);
    // The gateway may answer that from its cache, but no entry of it outlives this instant plus the TTL.
    const cacheExpiry = Date.now() + AUTH_CACHE_SECONDS * 1000;
    const row = await byName('Key laptop');
    await (await button('Revoke', row)).click();
    await page.waitForFunction(() => /Revoked/.test(document.querySelector('.revoked-keys [aria-label="Key laptop"]')?.textContent ?? ''), { timeout: 20_000 });
    expect(await page.$('.revoked-keys [aria-label="Key laptop"] button')).toBeNull();
    // npm start runs in its own process, on the real clock: wait out the TTL once, not in polls.
    const left = cacheExpiry + 1 - Date.now();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    expect((await fetch(`${baseUrl}/api/images`, { headers: { Authorization: `Bearer ${apiKey}` } })).status).toBe(401);
  }, 60_000);

  it('revokes, once, a "Web console" key an earlier console left in this browser', async () => {
    const { idToken } = await session();
    const headers = { Authorization: `Bearer ${idToken}`, 'Content-Type': 'application/json' };
    const made = ((await (await fetch(`${baseUrl}/api/account/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'Web console' }) })).json()) as any).data;
    const sub = JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8')).sub as string;
    // Where earlier consoles kept their key.
    await page.evaluate((entry, value) => localStorage.setItem(entry, value), `imager.consoleKey.${sub}`, JSON.stringify({ id: made.id, key: made.key }));
    await page.reload({ waitUntil: 'networkidle0' });
    await page.waitForFunction(() => /Revoked/.test(document.querySelector('.revoked-keys [aria-label="Key Web console"]')?.textContent ?? ''), { timeout: 20_000 });
    expect(await page.evaluate((entry) => localStorage.getItem(entry), `imager.consoleKey.${sub}`)).toBeNull();
    const listed = ((await (await fetch(`${baseUrl}/api/account/keys`, { headers })).json()) as any).data.keys as Array<{ id: string; status: string }>;
    expect(listed.find((key) => key.id === made.id)?.status).toBe('revoked');
  }, 60_000);

  it('deletes the image (its URL answers 404)', async () => {
    const card = await byName(`Image ${imageId}`);
    await (await button('Delete', card)).click();
    await page.waitForFunction((id) => !document.querySelector(`[aria-label="Image ${id}"]`), { timeout: 20_000 }, imageId);
    expect((await fetch(`${baseUrl}/image/${imageId}`, { redirect: 'manual' })).status).toBe(404);
  }, 60_000);

  it('signs out: the refresh token is revoked at the emulator and the sign-in page shows; no key is made or revoked', async () => {
    const { refreshToken, idToken } = await session();
    const keysNow = async () => ((await (await fetch(`${baseUrl}/api/account/keys`, { headers: { Authorization: `Bearer ${idToken}` } })).json()) as any).data.keys;
    const before = await keysNow();
    const config = (await (await fetch(`${baseUrl}/config.json`)).json()) as { cognitoEndpoint: string; region: string; clientId: string };
    await (await button('Sign out')).click();
    await heading('Sign in');
    // The ID token stays valid until it expires (as with Cognito): the account's keys are as they were.
    expect(await keysNow()).toEqual(before);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('CognitoIdentityServiceProvider.')))).toEqual([]);
    const client = new CognitoIdentityProviderClient({ endpoint: config.cognitoEndpoint, region: config.region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await expect(
      client.send(new InitiateAuthCommand({ ClientId: config.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    client.destroy();
  }, 60_000);
});
