import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSmoke, STEPS, type StepResult } from '../../scripts/smoke-steps';
import { startTestApi, type TestApi } from '../support/local-api';

/**
 * The post-deploy smoke (`npm run smoke`) against the real local API: every step passes, and a
 * broken step is reported as such, with what was seen, and not as a pass.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const WRONG_KEY = 'imgr_this-key-was-never-issued-000000000000';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

const statuses = (results: StepResult[]) => results.map((result) => [result.step, result.status]);

/** `npm run smoke -- ...` as a user runs it (the local API answers from this process meanwhile). */
function smokeCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/smoke.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

describe('the post-deploy smoke against the local API', () => {
  it('passes every step: upload, get, public URL, variant, list, delete, the URL gone', async () => {
    const results = await runSmoke({ apiUrl: api.url, key: api.devKey!, publicBaseUrl: api.url }, { cdnWaitSeconds: 10, pollSeconds: 0.2 });
    expect(statuses(results)).toEqual(STEPS.map((step) => [step, 'passed']));
    const detail = Object.fromEntries(results.map((result) => [result.step, result.detail]));
    expect(detail.upload).toMatch(/^201, id [A-Za-z0-9_-]{22}, 128x96 png, \d+ bytes$/);
    expect(detail['public-url']).toContain(`200 from ${api.url}/image/`);
    expect(detail.variant).toBe('200, a 64x48 WebP');
    expect(detail.gone).toContain('404 from');
  });

  it('fails at the upload with a wrong key, with the status and the API message, and skips what needs the image', async () => {
    const results = await runSmoke({ apiUrl: api.url, key: WRONG_KEY }, { cdnWaitSeconds: 1, pollSeconds: 0.2 });
    expect(statuses(results)).toEqual(STEPS.map((step) => [step, step === 'upload' ? 'failed' : 'skipped']));
    expect(results[0].detail).toBe('expected 201, got 401 "Missing or invalid API key" (is the key right, and not revoked?)');
  });

  it('fails the last step when the image stays public after its delete, once the bounded wait is over', async () => {
    // A delete that answers 204 without reaching the API: the image is never removed.
    const liar: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      return request.method === 'DELETE' ? new Response(null, { status: 204 }) : fetch(request);
    };
    const started = Date.now();
    const results = await runSmoke({ apiUrl: api.url, key: api.devKey! }, { cdnWaitSeconds: 1, pollSeconds: 0.25, fetch: liar });
    expect(statuses(results)).toEqual(STEPS.map((step) => [step, step === 'gone' ? 'failed' : 'passed']));
    expect(results.at(-1)!.detail).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/image\/[A-Za-z0-9_-]{22} still answered 200 after 1 s, expected 404$/);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Tidy up what the liar kept.
    const id = /\/image\/([A-Za-z0-9_-]{22})/.exec(results.at(-1)!.detail)![1];
    expect((await api.call(`/api/images/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('reports an API that is not there as a failed upload, with the connection error', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const results = await runSmoke({ apiUrl: `http://127.0.0.1:${port}`, key: api.devKey! }, { cdnWaitSeconds: 1 });
    expect(results[0]).toMatchObject({ step: 'upload', status: 'failed', detail: expect.stringMatching(/fetch failed \(ECONNREFUSED\)/) });
  });

  it('as a command: exit 0 when every step passed, exit 1 naming the failed step with a wrong key', async () => {
    const passed = await smokeCli(['--url', api.url, '--key', api.devKey!, '--cdn-wait', '10']);
    expect(passed.code, passed.output).toBe(0);
    for (const step of STEPS) expect(passed.output).toMatch(new RegExp(`^PASS ${step}: `, 'm'));
    expect(passed.output).toContain('All 7 steps passed.');

    const failed = await smokeCli(['--url', api.url, '--key', WRONG_KEY]);
    expect(failed.code, failed.output).toBe(1);
    expect(failed.output).toContain('FAIL upload: expected 201, got 401 "Missing or invalid API key"');
    expect(failed.output).toContain('SKIP gone: needs the upload');
    expect(failed.output).toContain('7 of 7 steps did not pass.');
  });
});
