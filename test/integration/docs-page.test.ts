/**
 * /docs in a real browser (headless Chromium through puppeteer-core, found by
 * test/support/browser.ts): the page renders every
 * operation of openapi.yaml from the API's own /api/openapi.json, loads nothing from anywhere
 * but the API, and breaks no rule of its content security policy.
 * `UPDATE_SCREENSHOT=1 npx vitest run test/integration/docs-page.test.ts` refreshes
 * docs/api-reference.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser';
import { loadDocument } from '../support/contract';
import { startTestApi, type TestApi } from '../support/local-api';

const SCREENSHOT = fileURLToPath(new URL('../../docs/api-reference.png', import.meta.url));

let api: TestApi;
let browser: Browser;
let page: Page;
let profile: string;
const requested: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  api = await startTestApi();
  profile = mkdtempSync(join(tmpdir(), 'imager-chromium-'));
  browser = await launchBrowser({ userDataDir: profile });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => problems.push(`page error: ${(error as Error).message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
  const response = await page.goto(`${api.url}/docs`, { waitUntil: 'networkidle0' });
  expect(response?.status()).toBe(200);
  // Redoc renders every operation as a section named after its operationId.
  await page.waitForSelector('[data-section-id$="operation/uploadImage"]', { timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await api?.stop();
});

describe('GET /docs in Chromium', () => {
  it('shows every route of openapi.yaml: a section per operation with its method and path', async () => {
    const description = loadDocument();
    const expected: Array<{ operationId: string; method: string; path: string }> = [];
    for (const [path, item] of Object.entries(description.paths as Record<string, Record<string, { operationId?: string }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        if (operation?.operationId) expected.push({ operationId: operation.operationId, method, path });
      }
    }
    expect(expected.length).toBeGreaterThanOrEqual(13);
    const sections = await page.$$eval('[data-section-id]', (nodes) => nodes.map((node) => node.getAttribute('data-section-id') ?? ''));
    const text = await page.$eval('body', (body) => (body as unknown as { innerText: string }).innerText);
    for (const { operationId, method, path } of expected) {
      expect(sections.some((id) => id.endsWith(`operation/${operationId}`)), operationId).toBe(true);
      // Redoc prints each endpoint's method and path, one above the other.
      expect(text.toLowerCase(), `${method} ${path}`).toContain(`\n${method}\n${path}\n`.toLowerCase());
    }
    expect(text).toContain('Imager API');
  });

  it('loaded everything from the API itself (no third-party CDN) without errors or CSP violations', () => {
    const foreign = requested.filter((url) => !url.startsWith(`${api.url}/`) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(foreign).toEqual([]);
    expect(requested).toContain(`${api.url}/api/openapi.json`);
    expect(problems).toEqual([]);
  });

  it('takes a screenshot of the upload operation', async () => {
    await page.$eval('[data-section-id$="operation/uploadImage"]', (section) => section.scrollIntoView());
    const target = process.env.UPDATE_SCREENSHOT === '1' ? SCREENSHOT : join(profile, 'api-reference.png');
    const png = Buffer.from(await page.screenshot({ path: target as `${string}.png`, type: 'png' }));
    // A PNG of the 1280x900 viewport, not an empty capture.
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.byteLength).toBeGreaterThan(20_000);
  });
});
