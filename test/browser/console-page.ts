import type { ElementHandle, Page } from 'puppeteer-core';
import type { ConsoleServer } from '../support/console-server';

// The console page by its accessible names (docs/accounts-and-console.md). Here, not in
// test/support, because the code it runs in the page needs the DOM library (test/browser/tsconfig.json).

/** An element by its accessible name (puppeteer's ARIA query). */
export async function byName(page: Page, name: string, scope: Page | ElementHandle = page): Promise<ElementHandle<Element>> {
  const element = await scope.waitForSelector(`aria/${name}`, { timeout: 20_000 });
  if (!element) throw new Error(`no element named ${name}`);
  return element as ElementHandle<Element>;
}

/** A button by its accessible name. */
export function button(page: Page, name: string, scope: Page | ElementHandle = page): Promise<ElementHandle<Element>> {
  return byName(page, `${name}[role="button"]`, scope);
}

/** Types `value` into the field named `name`, replacing what it held. */
export async function fill(page: Page, name: string, value: string): Promise<void> {
  const input = await byName(page, name);
  await input.click({ count: 3 });
  await input.type(value);
}

async function heading(page: Page, text: string): Promise<void> {
  await page.waitForFunction((t) => [...document.querySelectorAll('h1, h2')].some((h) => h.textContent === t), { timeout: 20_000 }, text);
}

/**
 * Where the console is served and how to read the confirmation code it "emailed": npm start's
 * child (test/support/console-server.ts) or the local API started in the test's own process.
 */
export type ConsoleSite = Pick<ConsoleServer, 'url' | 'confirmationCode'>;

/** Signs up through the console, confirms with the code the site sent, signs in, and waits for the images section. */
export async function signUpAndIn(page: Page, server: ConsoleSite, email: string, password: string): Promise<void> {
  await page.goto(`${server.url}/#/signup`, { waitUntil: 'networkidle0' });
  await fill(page, 'Email', email);
  await fill(page, 'Password', password);
  await (await button(page, 'Sign up')).click();
  await heading(page, 'Confirm your email');
  const code = await server.confirmationCode(email);
  await fill(page, 'Confirmation code', code);
  await (await button(page, 'Confirm')).click();
  await heading(page, 'Sign in');
  await fill(page, 'Email', email);
  await fill(page, 'Password', password);
  await (await button(page, 'Sign in')).click();
  await heading(page, 'Images');
}

/** The signed-in person's ID token, as the console keeps it (Amplify's localStorage keys). */
export function idToken(page: Page): Promise<string> {
  return page.evaluate(() => {
    const user = Object.keys(localStorage).find((k) => k.endsWith('.LastAuthUser'))!;
    const prefix = user.replace(/\.LastAuthUser$/, '');
    return localStorage.getItem(`${prefix}.${localStorage.getItem(user)}.idToken`)!;
  });
}
