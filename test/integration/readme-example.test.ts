/**
 * The five-line client example of the "OpenAPI" section of docs/api.md, run as written (only the
 * base URL is pointed at this test's local API) with tsx, the way that page says to run it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/local-api';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README_URL = 'http://127.0.0.1:3000';

/** The first ```ts block of the OpenAPI section of docs/api.md. */
function readmeExample(): string {
  const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  if (!doc.includes('\n## OpenAPI\n')) throw new Error('docs/api.md has no section "OpenAPI"');
  const section = doc.slice(doc.indexOf('\n## OpenAPI\n'));
  const match = /```ts\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1)));
  if (!match) throw new Error('no ```ts block in the section "OpenAPI" of docs/api.md');
  return match[1];
}

let api: TestApi;
let workDir: string;
let script: string;

beforeAll(async () => {
  api = await startTestApi();
  workDir = mkdtempSync(join(tmpdir(), 'imager-readme-'));
  copyFileSync(join(ROOT, 'test/fixtures/sample.jpg'), join(workDir, 'photo.jpg'));
  // In the repository root, as docs/api.md says, so './client/index.ts' resolves.
  script = join(ROOT, `.readme-example-${process.pid}.mts`);
});
afterAll(async () => {
  rmSync(script, { force: true });
  rmSync(workDir, { recursive: true, force: true });
  await api?.stop();
});

describe('the client example of docs/api.md', () => {
  it('is five lines, and uploads photo.jpg through the typed client, printing the image URL', async () => {
    const example = readmeExample();
    expect(example.trim().split('\n')).toHaveLength(5);
    expect(example.split(README_URL)).toHaveLength(2);
    writeFileSync(script, example.replace(README_URL, api.url));

    const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsx'), [script], {
      cwd: workDir,
      env: { ...process.env, IMAGER_KEY: api.devKey },
    });
    const url = stdout.trim();
    expect(url).toMatch(new RegExp(`^${api.url}/image/[A-Za-z0-9_-]{22}$`));

    // It is a real upload of that file, in the caller's account.
    const id = url.slice(url.lastIndexOf('/') + 1);
    const { data } = await api.client().GET('/api/images/{image_id}', { params: { path: { image_id: id } } });
    expect(data?.data).toMatchObject({ id, state: 'ready', format: 'jpeg', width: 64, height: 48 });
  }, 120_000);

  it('prints the error message when the key is wrong', async () => {
    writeFileSync(script, readmeExample().replace(README_URL, api.url));
    const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsx'), [script], {
      cwd: workDir,
      env: { ...process.env, IMAGER_KEY: 'imgr_not-a-key-of-anyone-0000000000' },
    });
    expect(stdout.trim()).toBe('Missing or invalid API key');
  }, 120_000);
});
