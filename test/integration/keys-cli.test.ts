import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../functions/core/api-keys';
import { RUNTIME_FILE } from '../../local/app';
import { startTestApi, type TestApi } from '../support/local-api';
import { checkedFetch } from '../support/contract';

/**
 * `npm run keys` end to end against a running local API (docs/api.md): the CLI runs as a
 * child process, finds the API through IMAGER_DATA_DIR like a user's shell would, and its
 * effects are checked over HTTP.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNAUTHORIZED = { status: 'error', message: 'Missing or invalid API key' };

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface CreatedJson {
  key_id: string;
  key: string;
  account: string;
  account_id: string;
  created_at: string;
}

interface ListedJson {
  key_id: string;
  account: string;
  account_id: string;
  created_at: string;
  status: 'active' | 'revoked';
  revoked_at: string | null;
}

let api: TestApi;
const scratchDirs: string[] = [];

beforeAll(async () => {
  // No authorizer cache, so a revocation shows on the next request.
  api = await startTestApi({ WRITE_RUNTIME_FILE: 'true', IMAGER_AUTH_CACHE_SECONDS: '0' });
  expect(existsSync(join(api.dataDir, RUNTIME_FILE))).toBe(true);
});

afterAll(async () => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  await api?.stop();
});

/** A user's shell: none of the AWS or Imager settings this test process carries, only where the API is. */
function userEnv(dataDir: string, port: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(AWS_|IMAGER_|VITEST|POWERTOOLS_)/.test(name) || /_TABLE$|^BUCKET_NAME$|^NODE_OPTIONS$/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, PORT: port, IMAGER_DATA_DIR: dataDir };
}

function keys(args: string[], dataDir = api.dataDir): Promise<CliResult> {
  const port = new URL(api.url).port;
  return new Promise((resolve, reject) => {
    // What `npm run keys` runs (tsx scripts/keys.ts), without npx's own start-up.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], { cwd: ROOT, env: userEnv(dataDir, port) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function createJson(name: string): Promise<CreatedJson> {
  const result = await keys(['create', '--name', name, '--json']);
  expect(result.code).toBe(0);
  const created = JSON.parse(result.stdout) as CreatedJson;
  // The secret goes to stdout only.
  expect(result.stderr).not.toContain(created.key);
  return created;
}

async function listJson(): Promise<ListedJson[]> {
  const result = await keys(['list', '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as ListedJson[];
}

function uploadForm(): FormData {
  const form = new FormData();
  form.append('image', new Blob([readFileSync(new URL('../fixtures/sample.gif', import.meta.url))]), 'sample.gif');
  return form;
}

describe('npm run keys against the running local API', () => {
  let alice: CreatedJson;
  let aliceSecondKey: string;

  it('create --json prints one parseable object on stdout with a key that works at once', async () => {
    alice = await createJson('alice');
    expect(alice.key).toMatch(/^imgr_[A-Za-z0-9_-]{40,}$/);
    expect(alice.key_id).toMatch(/^key_/);
    expect(alice.account).toBe('alice');
    expect(Number.isNaN(Date.parse(alice.created_at))).toBe(false);

    const response = await api.call('/api/images', { key: alice.key });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'success', data: { images: [], next_cursor: null } });
  });

  it('create without --json prints only the key on stdout and its message on stderr', async () => {
    const result = await keys(['create', '--name', 'alice']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^imgr_[A-Za-z0-9_-]+\n$/);
    const key = result.stdout.trim();
    expect(key).not.toBe(alice.key);
    expect(result.stderr).toContain('alice');
    expect(result.stderr).not.toContain(key);
    expect((await api.call('/api/images', { key })).status).toBe(200);
    aliceSecondKey = key;
  });

  it('list shows the keys (JSON and text), one account per name, never a key or its hash', async () => {
    const [json, text] = await Promise.all([keys(['list', '--json']), keys(['list'])]);
    for (const result of [json, text]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(alice.key_id);
      expect(result.stdout).not.toContain(alice.key);
      expect(result.stdout).not.toContain(hashApiKey(alice.key));
      expect(result.stdout).not.toContain(hashApiKey(api.devKey));
      expect(result.stdout).not.toContain(api.devKey);
    }
    const listed = (JSON.parse(json.stdout) as ListedJson[]).find((k) => k.key_id === alice.key_id);
    expect(listed).toEqual({
      key_id: alice.key_id,
      account: 'alice',
      account_id: alice.account_id,
      created_at: alice.created_at,
      status: 'active',
      revoked_at: null,
    });
    expect(text.stdout).toMatch(new RegExp(`^${alice.key_id}\\talice\\tactive\\t`, 'm'));
    // The second `create --name alice` added a key to the same account.
    const aliceKeys = (JSON.parse(json.stdout) as ListedJson[]).filter((k) => k.account === 'alice');
    expect(aliceKeys).toHaveLength(2);
    expect(new Set(aliceKeys.map((k) => k.account_id))).toEqual(new Set([alice.account_id]));
    expect(json.stdout).not.toContain(aliceSecondKey);
  });

  it('create with another name makes another account, whose images alice cannot see', async () => {
    const bob = await createJson('bob');
    expect(bob.account_id).not.toBe(alice.account_id);
    const upload = await api.call('/api/images/upload', { method: 'POST', body: uploadForm(), key: bob.key });
    expect(upload.status).toBe(201);
    const bobImage = ((await upload.json()) as { data: { id: string } }).data.id;

    expect((await api.call(`/api/images/${bobImage}`, { key: bob.key })).status).toBe(200);
    const asAlice = await api.call(`/api/images/${bobImage}`, { key: alice.key });
    expect(asAlice.status).toBe(404);
    expect(await asAlice.json()).toEqual({ status: 'error', message: 'Image not found' });
    const aliceList = (await (await api.call('/api/images', { key: alice.key })).json()) as { data: { images: unknown[] } };
    expect(aliceList.data.images).toEqual([]);
    const deleteAsAlice = await api.call(`/api/images/${bobImage}`, { method: 'DELETE', key: alice.key });
    expect(deleteAsAlice.status).toBe(404);
    expect((await api.call(`/api/images/${bobImage}`, { key: bob.key })).status).toBe(200);
  });

  it('revoke turns the key away with 401 on the next request (cache 0) and list marks it revoked', async () => {
    const [revoked, unknown] = await Promise.all([
      keys(['revoke', alice.key_id, '--json']),
      keys(['revoke', 'key_doesnotexist']),
    ]);
    expect(revoked.code).toBe(0);
    const body = JSON.parse(revoked.stdout) as { key_id: string; status: string; revoked_at: string };
    expect(body.key_id).toBe(alice.key_id);
    expect(body.status).toBe('revoked');
    expect(Number.isNaN(Date.parse(body.revoked_at))).toBe(false);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('key_doesnotexist');

    const response = await api.call('/api/images', { key: alice.key });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(UNAUTHORIZED);

    const listed = await listJson();
    const entry = listed.find((k) => k.key_id === alice.key_id);
    expect(entry?.status).toBe('revoked');
    expect(entry?.revoked_at).toBe(body.revoked_at);
    // The account's other key is untouched.
    const others = listed.filter((k) => k.account === 'alice' && k.key_id !== alice.key_id);
    expect(others.map((k) => k.status)).toEqual(['active']);
    expect((await api.call('/api/images', { key: aliceSecondKey })).status).toBe(200);
  });

  describe('with an authorizer cache of 30 s (gateway clock injected)', () => {
    const CACHE_SECONDS = 30;
    const clock = { now: Date.parse('2031-03-04T12:00:00Z') };
    let cachedUrl: string;

    beforeAll(async () => {
      cachedUrl = (await api.gatewayBeside({ authCacheSeconds: CACHE_SECONDS, now: () => clock.now })).url;
    });

    const viaCache = (key: string) => checkedFetch(`${cachedUrl}/api/images`, { headers: { Authorization: `Bearer ${key}` } });

    it('keeps answering a revoked key from the cache until the cache entry expires, then 401', async () => {
      const carol = await createJson('carol');
      expect((await viaCache(carol.key)).status).toBe(200); // cached Allow from here on
      expect((await keys(['revoke', carol.key_id])).code).toBe(0);

      // The uncached API refuses at once; the cached gateway still admits it within the TTL.
      expect((await api.call('/api/images', { key: carol.key })).status).toBe(401);
      clock.now += CACHE_SECONDS * 1000 - 1;
      expect((await viaCache(carol.key)).status).toBe(200);

      clock.now += 2;
      const expired = await viaCache(carol.key);
      expect(expired.status).toBe(401);
      expect(await expired.json()).toEqual(UNAUTHORIZED);
    });
  });

  it('fails with a clear message naming npm start when no API runs for the data dir', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'imager-keys-none-'));
    // A data dir left behind by an API that has exited: its runtime file names a dead process.
    const stale = mkdtempSync(join(tmpdir(), 'imager-keys-stale-'));
    scratchDirs.push(empty, stale);
    const exited = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => exited.on('close', () => resolve(exited.pid!)));
    const info = JSON.parse(readFileSync(join(api.dataDir, RUNTIME_FILE), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(stale, RUNTIME_FILE), JSON.stringify({ ...info, pid: deadPid }));

    const results = await Promise.all([keys(['list'], empty), keys(['create', '--name', 'dave', '--json'], stale)]);
    for (const result of results) {
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('npm start');
      expect(result.stderr).toContain('not running');
    }
  });
});
