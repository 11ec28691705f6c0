import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/app';
import { readLocalSettings } from '../../local/settings';
import { checkedFetch } from '../support/contract';

/**
 * A local API killed with SIGKILL between dynalite's index write and its
 * item write left an image that the list showed and get did not find. The child process
 * (test/support/crash-child.ts) dies exactly there, deterministically; the restarted API must
 * repair the index before it serves.
 */
const DEV_KEY = 'imgr_crash-test-dev-key-000000000000000';
const dataDir = mkdtempSync(join(tmpdir(), 'imager-crash-'));
let api: LocalApi | undefined;

afterAll(async () => {
  await api?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function runChild(): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-child.ts', dataDir, DEV_KEY], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, stdout, stderr });
    });
  });
}

describe('a local API killed between an index write and its item write', () => {
  it('restarts with every listed image gettable and served, and the acknowledged upload there', async () => {
    const child = await runChild();
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(child.stdout).not.toContain('NOT KILLED');
    const acknowledged = /ACKNOWLEDGED 201 ([A-Za-z0-9_-]{22})/.exec(child.stdout)?.[1];
    expect(acknowledged, child.stdout + child.stderr).toBeDefined();

    api = await startLocalApi(readLocalSettings({ PORT: '0', IMAGER_DATA_DIR: dataDir, IMAGER_DEV_KEY: DEV_KEY, IMAGER_SWEEP_MINUTES: '0' }), {
      writeRuntimeFile: false,
    });
    const auth = { Authorization: `Bearer ${DEV_KEY}` };
    const list = await checkedFetch(`${api.url}/api/images?limit=100`, { headers: auth });
    expect(list.status).toBe(200);
    const listed = ((await list.json()) as { data: { images: Array<{ id: string }> } }).data.images.map((image) => image.id);
    expect(listed).toEqual([acknowledged]);
    for (const id of listed) {
      expect((await checkedFetch(`${api.url}/api/images/${id}`, { headers: auth })).status).toBe(200);
      const view = await checkedFetch(`${api.url}/image/${id}`, { redirect: 'follow' });
      expect(view.status).toBe(200);
      expect(view.headers.get('content-type')).toBe('image/png');
    }
    // The killed upload's record had reached the index only: the repair removed that entry.
    expect(api.emulators.indexRepair).toMatchObject({ phantomsRemoved: 1 });
  }, 120_000);
});

/** `npm start` as a user runs it (tsx local/start.ts), on a free port; resolves with its URL. */
function startServer(dir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<NodeJS.Signals | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, PORT: '0', IMAGER_DATA_DIR: dir, IMAGER_DEV_KEY: DEV_KEY, IMAGER_SWEEP_MINUTES: '0', POWERTOOLS_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`local API did not start: ${output}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`local API exited: ${output}`));
    });
  });
}

describe('npm start killed with SIGKILL under upload load, then restarted', () => {
  const loadDir = mkdtempSync(join(tmpdir(), 'imager-crash-load-'));
  afterAll(() => rmSync(loadDir, { recursive: true, force: true }));

  it('serves every listed image and every acknowledged upload (bounded: at most 120 uploads, 12 at a time)', async () => {
    const { readFileSync } = await import('node:fs');
    const png = readFileSync(new URL('../fixtures/sample.png', import.meta.url));
    const first = await startServer(loadDir);
    const auth = { Authorization: `Bearer ${DEV_KEY}` };
    const acknowledged: string[] = [];
    let sent = 0;
    let killed = false;
    const kill = (): void => {
      if (!killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    };
    // Kill once 30 uploads were acknowledged, with more in flight.
    const worker = async (): Promise<void> => {
      while (!killed && sent < 120) {
        sent += 1;
        const form = new FormData();
        form.append('image', new Blob([png], { type: 'image/png' }), 'a.png');
        try {
          const response = await fetch(`${first.url}/api/images/upload`, { method: 'POST', headers: auth, body: form });
          if (response.status === 201) acknowledged.push(((await response.json()) as { data: { id: string } }).data.id);
          if (acknowledged.length >= 30) kill();
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    kill();
    expect(await first.exited).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);

    const second = await startServer(loadDir);
    try {
      const listed: Array<{ id: string; sha256: string }> = [];
      let cursor: string | null = null;
      do {
        const response = await fetch(`${second.url}/api/images?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
        expect(response.status).toBe(200);
        const page = ((await response.json()) as { data: { images: Array<{ id: string; sha256: string }>; next_cursor: string | null } }).data;
        listed.push(...page.images);
        cursor = page.next_cursor;
      } while (cursor);
      expect(listed.map((image) => image.id)).toEqual(expect.arrayContaining(acknowledged));
      for (const { id, sha256 } of listed) {
        expect((await fetch(`${second.url}/api/images/${id}`, { headers: auth })).status, id).toBe(200);
        const view = await fetch(`${second.url}/image/${id}`, { redirect: 'follow' });
        expect(view.status, id).toBe(200);
        // Served: the published bytes (metadata removed), the ones the record describes.
        expect(createHash('sha256').update(Buffer.from(await view.arrayBuffer())).digest('hex'), id).toBe(sha256);
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 180_000);
});
