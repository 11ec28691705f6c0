import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBrowser, mergeFlags, systemBrowser } from '../support/browser';

/** The rule by which the browser suites find their browser (test/support/browser.ts), on fake PATHs. */

const scratch = mkdtempSync(join(tmpdir(), 'imager-browser-finder-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function dirWith(name: string, files: Record<string, number>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, mode] of Object.entries(files)) {
    writeFileSync(join(dir, file), '#!/bin/sh\n');
    chmodSync(join(dir, file), mode);
  }
  return dir;
}

describe('systemBrowser', () => {
  it('takes the first name of the list found on the PATH, in the order of the list, then of the PATH', () => {
    const first = dirWith('a', { 'google-chrome': 0o755 });
    const second = dirWith('b', { chromium: 0o755, 'google-chrome': 0o755 });
    expect(systemBrowser([first, second].join(delimiter))).toBe(join(second, 'chromium'));
    expect(systemBrowser([first].join(delimiter))).toBe(join(first, 'google-chrome'));
  });

  it('passes over what is not an executable file (a hidden /usr/bin/chromium is /dev/null)', () => {
    const plain = dirWith('c', { chromium: 0o644 });
    const withDir = join(scratch, 'd');
    mkdirSync(join(withDir, 'chromium-browser'), { recursive: true });
    expect(systemBrowser([plain, withDir].join(delimiter))).toBeUndefined();
    expect(systemBrowser('')).toBeUndefined();
  });
});

describe('findBrowser', () => {
  it('prefers CHROMIUM_PATH, and refuses one that names no executable', async () => {
    const dir = dirWith('e', { 'my-chrome': 0o755, chromium: 0o755 });
    const found = await findBrowser({ CHROMIUM_PATH: join(dir, 'my-chrome'), PATH: dir });
    expect(found).toMatchObject({ executablePath: join(dir, 'my-chrome'), source: 'CHROMIUM_PATH' });
    await expect(findBrowser({ CHROMIUM_PATH: join(dir, 'missing'), PATH: dir })).rejects.toThrow(/CHROMIUM_PATH/);
  });

  it('then a system browser on the PATH, with the suites\' flags', async () => {
    const dir = dirWith('f', { 'chromium-browser': 0o755 });
    const found = await findBrowser({ PATH: dir });
    expect(found).toEqual({ executablePath: join(dir, 'chromium-browser'), source: 'system', args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  });

  it('else the Chromium inside @sparticuz/chromium, unpacked, without the flags that switch off CORS and CSP', async () => {
    const found = await findBrowser({ PATH: '' });
    expect(found.source).toBe('@sparticuz/chromium');
    expect(found.executablePath).toMatch(/node_modules\/\.cache\/imager-chromium\/[^/]+\/chromium$/);
    expect(systemBrowser(found.executablePath.replace(/\/chromium$/, ''))).toBe(found.executablePath);
    expect(found.args).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu']));
    for (const weakening of ['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials']) {
      expect(found.args).not.toContain(weakening);
    }
  });
});

describe('mergeFlags', () => {
  it('keeps one flag per name, the later list winning, in first-seen order', () => {
    expect(mergeFlags(['--a', '--b=1', '--c'], ['--b=2', '--d'])).toEqual(['--a', '--b=2', '--c', '--d']);
  });
});
