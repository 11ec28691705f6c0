import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, CDPSession, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser';
import { type ConsoleServer, startConsoleServer } from '../support/console-server';
import { button, signUpAndIn } from './console-page';
import { bmp24 } from '../support/images';

/**
 * The console's uploader (Uppy, web/src/uploader.ts) in headless Chromium against `npm start`:
 * files dropped onto it with a real drag and drop (the DevTools protocol's Input.dispatchDragEvent,
 * as a file dragged from the desktop arrives), and a 30 MB upload in parts that loses the network
 * (Network.emulateNetworkConditions offline) and is paused, then finishes, sending again only the
 * parts that had not arrived. Every part PUT the page makes is counted from the DevTools
 * protocol's network events; request interception (Fetch) decides when each part goes, so the
 * network goes away while parts are on their way, on any machine.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 1024 * 1024;
const PART_SIZE = 5 * MiB;

let server: ConsoleServer;
let dataDir: string;
let browser: Browser;
let page: Page;
let cdp: CDPSession;

/** What the page sent to storage, by part number: requests started, answered 200, failed. */
interface PartTraffic {
  started: number;
  ok: number;
  failed: number;
}
const parts = new Map<number, PartTraffic>();
const requests = new Map<string, number>();
/** The API calls of the resumable routes the page made: `METHOD /api/images/{id}/upload/...`. */
const uploadRoutes: string[] = [];
/** Every image-route call the page made (`METHOD /api/images...`) and the Authorization it sent. */
const imageCalls: Array<{ call: string; authorization: string | undefined }> = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'imager-uploader-'));
  server = await startConsoleServer({ IMAGER_DATA_DIR: dataDir, IMAGER_AUTH_CACHE_SECONDS: '1' });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', ({ requestId, request }) => {
    const url = new URL(request.url);
    const partNumber = Number(url.searchParams.get('partNumber'));
    if (request.method === 'PUT' && partNumber > 0) {
      requests.set(requestId, partNumber);
      const traffic = parts.get(partNumber) ?? { started: 0, ok: 0, failed: 0 };
      traffic.started += 1;
      parts.set(partNumber, traffic);
    }
    const route = /^\/api\/images\/[^/]+(\/upload(?:\/\w+)?)$/.exec(url.pathname);
    if (route && request.method !== 'OPTIONS') uploadRoutes.push(`${request.method} ${route[1]}`);
    if (url.pathname.startsWith('/api/images') && request.method !== 'OPTIONS') {
      const authorization = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
      imageCalls.push({ call: `${request.method} ${url.pathname}`, authorization });
    }
  });
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    const partNumber = requests.get(requestId);
    if (partNumber !== undefined && response.status === 200) parts.get(partNumber)!.ok += 1;
  });
  cdp.on('Network.loadingFailed', ({ requestId }) => {
    const partNumber = requests.get(requestId);
    if (partNumber !== undefined) parts.get(partNumber)!.failed += 1;
  });
  // The page's own record of the browser's connection events (what Uppy listens to).
  await page.evaluateOnNewDocument(() => {
    (window as unknown as { connection: string[] }).connection = [];
    for (const type of ['offline', 'online']) window.addEventListener(type, () => (window as unknown as { connection: string[] }).connection.push(type));
  });
  await signUpAndIn(page, server, `uploader-${process.pid}-${Date.now()}@example.com`, 'Correct-Horse-9-Battery');
  await page.waitForSelector('.uppy-Dashboard-AddFiles', { timeout: 30_000 });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The gallery's cards, by their details line ("64×48 · png · 1.4 KiB"). */
function galleryDetails(): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('li.image .meta')].map((meta) => meta.textContent ?? ''));
}

/** The Dashboard's file rows: name and whether Uppy counts it complete (uploaded and checked). */
function dashboardFiles(): Promise<Array<{ name: string; complete: boolean; error: boolean }>> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.uppy-Dashboard-Item')].map((item) => ({
      name: item.querySelector('.uppy-Dashboard-Item-name')?.textContent ?? '',
      complete: item.classList.contains('is-complete'),
      error: item.classList.contains('is-error'),
    })),
  );
}

/** A real drop of files from outside the page onto `target`: dragEnter, dragOver and drop at its centre. */
async function dropFiles(target: ElementHandle<Element>, files: string[]): Promise<void> {
  const point = await settledCentre(target);
  const data = { items: [], files, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, ...point, data });
}

/**
 * The viewport point at the centre of `target` once the page has stopped moving it there. A drag
 * event lands at a point, not on an element; the target may start below the fold, and the
 * account's usage, keys and secrets above it fill in after sign-in, pushing it down: a drop at a
 * point measured before that lands beside it (measured: 674 to 806 px in the first 250 ms). So the
 * centre must stay put for half a second and the element there must be the target.
 */
async function settledCentre(target: ElementHandle<Element>): Promise<{ x: number; y: number }> {
  let last: { x: number; y: number } | undefined;
  let unchanged = 0;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    await target.scrollIntoView();
    const box = await target.boundingBox();
    if (box) {
      const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      const hit = await target.evaluate((element, x, y) => {
        const found = document.elementFromPoint(x, y);
        return found !== null && (found === element || element.contains(found));
      }, point.x, point.y);
      unchanged = hit && last?.x === point.x && last.y === point.y ? unchanged + 1 : 0;
      if (unchanged === 5) return point;
      last = point;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the drop target did not settle at one place in 10 s');
}

async function clearFinished(): Promise<void> {
  // Uppy keeps finished files listed until they are cleared ("Done").
  await page.evaluate(() => (document.querySelector('.uppy-StatusBar-actionBtn--done') as HTMLButtonElement | null)?.click());
  await page.waitForFunction(() => document.querySelectorAll('.uppy-Dashboard-Item').length === 0, { timeout: 20_000 });
}

describe.sequential('the console uploader', () => {
  it('takes two files dropped on it at once, uploads both with "Upload", and shows them in the gallery', async () => {
    const files = [join(ROOT, 'test/fixtures/sample.png'), join(ROOT, 'test/fixtures/sample.jpg')];
    await dropFiles((await page.$('.uppy-Dashboard-AddFiles'))!, files);
    await page.waitForFunction(() => document.querySelectorAll('.uppy-Dashboard-Item').length === 2, { timeout: 20_000 });
    expect((await dashboardFiles()).map((file) => file.name).sort()).toEqual(['sample.jpg', 'sample.png']);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    // The picture of docs/accounts-and-console.md (IMAGER_SCREENSHOTS=docs writes it there).
    const shots = process.env.IMAGER_SCREENSHOTS === 'docs' ? join(ROOT, 'docs') : dataDir;
    await (await page.$('section[aria-labelledby="images-title"]'))!.screenshot({ path: join(shots, 'console-uploader-wide.png') });
    await (await button(page, 'Upload')).click();
    await page.waitForFunction(() => document.querySelectorAll('.uppy-Dashboard-Item.is-complete').length === 2, { timeout: 60_000 });
    expect((await dashboardFiles()).every((file) => file.complete && !file.error)).toBe(true);
    await page.waitForFunction(() => document.querySelectorAll('li.image').length === 2, { timeout: 30_000 });
    expect((await galleryDetails()).map((details) => details.split(' · ').slice(0, 2).join(' ')).sort()).toEqual(['64×48 jpeg', '64×48 png']);
    // Small files go in one presigned PUT each: no part was sent.
    expect(parts.size).toBe(0);
    await clearFinished();
  }, 120_000);

  it('a 30 MB image in parts survives going offline and a pause: only the missing parts are sent again, and the bytes read back identical', async () => {
    const bytes = bmp24(3200, 3125); // 30,000,054 bytes of real, uncompressed 24-bit BMP: 10 megapixels
    const file = join(dataDir, 'big.bmp');
    writeFileSync(file, bytes);
    const count = Math.ceil(bytes.byteLength / PART_SIZE);
    expect(count).toBe(6);

    // Part PUTs pass through the DevTools protocol's request interception, so the test decides
    // when each one goes: the network can then be taken away while parts are on their way.
    let hold: (partNumber: number) => boolean = () => false;
    const held: string[] = [];
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*partNumber=*', requestStage: 'Request' }] });
    cdp.on('Fetch.requestPaused', ({ requestId, request }) => {
      const partNumber = Number(new URL(request.url).searchParams.get('partNumber'));
      if (request.method === 'PUT' && hold(partNumber)) held.push(requestId);
      else void cdp.send('Fetch.continueRequest', { requestId }).catch(() => undefined);
    });
    const release = async (how: 'continue' | 'fail') => {
      for (const requestId of held.splice(0)) {
        if (how === 'continue') await cdp.send('Fetch.continueRequest', { requestId }).catch(() => undefined);
        else await cdp.send('Fetch.failRequest', { requestId, errorReason: 'InternetDisconnected' }).catch(() => undefined);
      }
    };
    const okParts = () => [...parts.values()].filter((traffic) => traffic.ok > 0).length;

    hold = (partNumber) => partNumber >= 3;
    const input = (await page.$('.uppy-Dashboard-input')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(file);
    await page.waitForFunction(() => document.querySelectorAll('.uppy-Dashboard-Item').length === 1, { timeout: 20_000 });
    await (await button(page, 'Upload')).click();

    // Parts 1 and 2 arrive; 3 and 4 are on their way when the network goes.
    await waitFor(() => okParts() === 2 && held.length >= 2, 60_000);
    const beforeOffline = new Set([...parts].filter(([, traffic]) => traffic.ok > 0).map(([n]) => n));
    expect([...beforeOffline].sort()).toEqual([1, 2]);
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await release('fail');
    await waitFor(() => [...parts.values()].some((traffic) => traffic.failed > 0), 20_000);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    await page.waitForFunction(() => (window as unknown as { connection: string[] }).connection.includes('offline'), { timeout: 10_000 });
    const failedWhileOffline = new Set([...parts].filter(([, traffic]) => traffic.failed > 0).map(([n]) => n));

    // Back online, the failed parts go again; while they are on their way, a pause by hand and
    // a resume: Uppy then asks Imager which parts storage holds, and sends only the others.
    hold = () => true;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.waitForFunction(() => (window as unknown as { connection: string[] }).connection.at(-1) === 'online', { timeout: 10_000 });
    await waitFor(() => held.length >= 1, 30_000);
    const listsBefore = uploadRoutes.filter((route) => route === 'GET /upload/parts').length;
    await (await button(page, 'Pause upload')).click();
    await release('fail');
    hold = () => false;
    await (await button(page, 'Resume upload')).click();
    await waitFor(() => uploadRoutes.filter((route) => route === 'GET /upload/parts').length > listsBefore, 20_000);

    await page.waitForFunction(() => document.querySelector('.uppy-Dashboard-Item')?.classList.contains('is-complete'), { timeout: 120_000 });
    expect((await dashboardFiles())[0]).toMatchObject({ name: 'big.bmp', complete: true, error: false });
    await cdp.send('Fetch.disable');

    // Every part reached storage exactly once; a part was sent again only after its own PUT
    // failed (or was paused), never after it had arrived.
    expect([...parts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    for (const [partNumber, traffic] of parts) {
      expect(traffic.ok, `part ${partNumber}`).toBe(1);
      expect(traffic.started, `part ${partNumber}`).toBe(1 + traffic.failed);
      if (beforeOffline.has(partNumber)) expect(traffic.started, `part ${partNumber} arrived before the network went`).toBe(1);
    }
    expect(failedWhileOffline.size).toBeGreaterThan(0);
    // The flow of docs/api.md: start, sign (a batch at a time), parts to storage, complete once.
    expect(uploadRoutes.filter((route) => route === 'POST /upload/complete')).toHaveLength(1);
    expect(uploadRoutes.filter((route) => route === 'POST /upload/parts').length).toBeLessThanOrEqual(3);

    await page.waitForFunction(() => [...document.querySelectorAll('li.image .meta')].some((meta) => meta.textContent?.startsWith('3200×3125')), { timeout: 60_000 });
    const url = await page.evaluate(() => {
      const card = [...document.querySelectorAll('li.image')].find((li) => li.querySelector('.meta')?.textContent?.startsWith('3200×3125'));
      return card?.querySelector('a')?.getAttribute('href');
    });
    expect(url).toBeTruthy();
    const served = Buffer.from(await (await fetch(url!)).arrayBuffer());
    // A BMP carries no metadata to remove: what is served is the file the browser sent, byte for byte.
    expect(served.equals(readFileSync(file))).toBe(true);
  }, 240_000);

  it('called every image route, the resumable ones included, with its session, and made no API key', async () => {
    const idToken = await page.evaluate(() => {
      const user = Object.keys(localStorage).find((k) => k.endsWith('.LastAuthUser'))!;
      return localStorage.getItem(`${user.replace(/\.LastAuthUser$/, '')}.${localStorage.getItem(user)}.idToken`)!;
    });
    const kinds = new Set(imageCalls.map(({ call }) => call.replace(/^(\w+ \/api\/images)\/(?!uploads$)[^/]+/, '$1/{id}')));
    for (const call of ['POST /api/images/uploads', 'POST /api/images/{id}/upload/parts', 'GET /api/images/{id}/upload/parts', 'POST /api/images/{id}/upload/complete', 'GET /api/images/{id}', 'GET /api/images']) {
      expect(kinds, call).toContain(call);
    }
    for (const { call, authorization } of imageCalls) expect(authorization, call).toBe(`Bearer ${idToken}`);
    const keys = await fetch(`${server.url}/api/account/keys`, { headers: { Authorization: `Bearer ${idToken}` } });
    expect(((await keys.json()) as { data: { keys: unknown[] } }).data.keys).toEqual([]);
  }, 60_000);
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms; parts: ${JSON.stringify([...parts])}; routes: ${uploadRoutes.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
