import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ElementHandle, Page } from 'puppeteer-core';

// (Type-checked with the DOM library too, by test/browser/tsconfig.json.)

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm start`'s own entry point as a child process on a free port, with what it prints. */
export interface ConsoleServer {
  readonly url: string;
  /** Resolves with the first match of `pattern` in what the process printed (now or later). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export async function startConsoleServer(env: Record<string, string>): Promise<ConsoleServer> {
  let output = '';
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', IMAGER_SWEEP_MINUTES: '0', POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listeners = new Set<() => void>();
  const collect = (chunk: string): void => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  server.stdout!.setEncoding('utf8').on('data', collect);
  server.stderr!.setEncoding('utf8').on('data', collect);
  const waitForOutput = (pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(output);
        if (match) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
        return Boolean(match);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${pattern} in:\n${output}`));
      }, timeoutMs);
      if (!check()) listeners.add(check);
    });
  const url = (await waitForOutput(/Imager local API listening on (http:\/\/127\.0\.0\.1:\d+)/, 180_000))[1];
  return {
    url,
    waitForOutput,
    async stop() {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    },
  };
}

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

async function fill(page: Page, name: string, value: string): Promise<void> {
  const input = await byName(page, name);
  await input.click({ count: 3 });
  await input.type(value);
}

async function heading(page: Page, text: string): Promise<void> {
  await page.waitForFunction((t) => [...document.querySelectorAll('h1, h2')].some((h) => h.textContent === t), { timeout: 20_000 }, text);
}

/** Signs up through the console, confirms with the code the server printed, signs in, and waits for the images section. */
export async function signUpAndIn(page: Page, server: ConsoleServer, email: string, password: string): Promise<void> {
  await page.goto(`${server.url}/#/signup`, { waitUntil: 'networkidle0' });
  await fill(page, 'Email', email);
  await fill(page, 'Password', password);
  await (await button(page, 'Sign up')).click();
  await heading(page, 'Confirm your email');
  const code = (await server.waitForOutput(new RegExp(`Confirmation code for ${email.replace(/[.+]/g, '\\$&')}: (\\d+)`)))[1];
  await fill(page, 'Confirmation code', code);
  await (await button(page, 'Confirm')).click();
  await heading(page, 'Sign in');
  await fill(page, 'Email', email);
  await fill(page, 'Password', password);
  await (await button(page, 'Sign in')).click();
  await heading(page, 'Images');
}
