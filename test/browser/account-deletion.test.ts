import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELETION_STEPS } from '../../functions/core/account-erasure-steps';
import { launchBrowser } from '../support/browser';
import { type ConsoleServer, startConsoleServer } from '../support/console-server';
import { button, byName, fill, idToken, signUpAndIn } from './console-page';

/**
 * The console's "Delete account" section (docs/account-deletion.md) in a real browser against
 * `npm start`: a wrong password is refused in words, the confirm step can be cancelled, and a
 * confirmed deletion shows its progress until the account is gone and the person is signed out;
 * the key and the image it had stop answering. Pictures of the section at 390 and 1280 px go to
 * a temporary directory, or with IMAGER_SCREENSHOTS=docs to docs/.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'Correct-Horse-9-Battery';

let server: ConsoleServer;
let dataDir: string;
let shots: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'imager-deletion-'));
  shots = process.env.IMAGER_SCREENSHOTS === 'docs' ? join(ROOT, 'docs') : join(dataDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  server = await startConsoleServer({ IMAGER_DATA_DIR: dataDir, IMAGER_AUTH_CACHE_SECONDS: '0' });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await signUpAndIn(page, server, `deleter-${process.pid}-${Date.now()}@example.com`, PASSWORD);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The visible alerts' text, once one shows. */
async function alertText(): Promise<string> {
  await page.waitForFunction(() => [...document.querySelectorAll('section.delete-account [role="alert"]')].some((a) => !(a as HTMLElement).hidden && a.textContent), { timeout: 20_000 });
  return page.evaluate(() => document.querySelector('section.delete-account [role="alert"]')!.textContent ?? '');
}

async function sectionShots(name: string): Promise<void> {
  const section = (await page.$('section.delete-account'))!;
  for (const [label, width] of [
    ['narrow', 390],
    ['wide', 1280],
  ] as const) {
    await page.setViewport({ width, height: width === 390 ? 844 : 900 });
    await section.scrollIntoView();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await section.screenshot({ path: join(shots, `console-${name}-${label}.png`) });
  }
  await page.setViewport({ width: 1280, height: 900 });
}

describe.sequential('deleting the account in the console', () => {
  let key: string;
  let imageId: string;

  it('has a key and an image to lose', async () => {
    const token = await idToken(page);
    const created = await fetch(`${server.url}/api/account/keys`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'doomed' }) });
    key = ((await created.json()) as { data: { key: string } }).data.key;
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/sample.png')))], { type: 'image/png' }), 'sample.png');
    const uploaded = await fetch(`${server.url}/api/images/upload`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
    expect(uploaded.status).toBe(201);
    imageId = ((await uploaded.json()) as { data: { id: string } }).data.id;
    expect((await fetch(`${server.url}/api/images/${imageId}`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
  }, 60_000);

  it('says what is removed, asks for the password, and refuses a wrong one in words', async () => {
    const section = (await page.waitForSelector('section.delete-account', { timeout: 20_000 }))!;
    const text = (await section.evaluate((node) => node.textContent)) ?? '';
    expect(text).toContain('every image, its variants and its links');
    expect(text).toContain('every API key');
    await sectionShots('delete-account');
    await fill(page, 'Password', 'Not-The-Password-1');
    await (await button(page, 'Delete account…')).click();
    // The second step: nothing is sent before it is confirmed, and it can be cancelled.
    await (await button(page, 'Cancel')).click();
    await byName(page, 'Delete account…[role="button"]');
    await (await button(page, 'Delete account…')).click();
    await (await button(page, 'Yes, delete my account and everything in it')).click();
    expect(await alertText()).toBe('Password is incorrect');
    // Nothing happened: the key still works.
    expect((await fetch(`${server.url}/api/images/${imageId}`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
  }, 60_000);

  it('with the right password and the confirmation: shows the deletion under way, then signs out with the result', async () => {
    await fill(page, 'Password', PASSWORD);
    await (await button(page, 'Delete account…')).click();
    await page.waitForSelector('section.delete-account .confirm:not([hidden])');
    await sectionShots('delete-account-confirm');
    // Every text the section's status shows, recorded as it changes (the deletion may be quick).
    await page.evaluate(() => {
      const status = document.querySelector('section.delete-account [role="status"]')!;
      const seen: string[] = [];
      (window as unknown as { deletionStatus: string[] }).deletionStatus = seen;
      new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, { childList: true, subtree: true, characterData: true });
    });
    await (await button(page, 'Yes, delete my account and everything in it')).click();
    await page.waitForFunction(() => (window as unknown as { deletionStatus?: string[] }).deletionStatus?.some((text) => text.startsWith('Your account is deleted')), { timeout: 60_000 });
    const seen = await page.evaluate(() => (window as unknown as { deletionStatus: string[] }).deletionStatus);
    expect(seen.find((text) => text.startsWith('Deleting your account'))).toMatch(new RegExp(`^Deleting your account: step \\d+ of ${DELETION_STEPS.length}, `));
    // Signed out, on the sign-in page, with the result said.
    await page.waitForFunction(() => location.hash === '#/signin', { timeout: 60_000 });
    await page.waitForFunction(() => document.body.textContent?.includes('Your account and everything in it are deleted.'), { timeout: 20_000 });
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith('.idToken')))).toEqual([]);
    // The key and the image are gone.
    expect((await fetch(`${server.url}/api/images/${imageId}`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(401);
    expect((await fetch(`${server.url}/image/${imageId}`, { redirect: 'follow' })).status).toBe(404);
  }, 120_000);
});
