/**
 * `npm run bench:edge`: the edge functions' work per request (docs/edge.md, docs/performance.md),
 * measured against an empty function in the same runtime: the deployed viewer-request and
 * viewer-response code, run as local mode runs it (local/edge-runtime.ts: a bare `vm` context, the
 * store and HMAC from shims), over a store holding what a busy deployment's does (100,000 deny
 * entries, 10,000 private or expiring images, 2,000 secrets). Each kind of request is timed in
 * interleaved rounds against `handler(event) { return event.request; }`; the ratio is what the
 * rules cost above doing nothing. CloudFront's runtime is not Node's, so the absolute times are
 * only this machine's; the ratios and the code sizes (10 KB is CloudFront's limit) are the figures.
 * Writes bench/results/edge.json.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GONE, imageEntryValue, secretKey, secretValue } from '../functions/core/edge-entries';
import { newImageId } from '../functions/core/ids';
import { signature } from '../functions/core/url-signing';
import { edgeFunctionCode, MAX_FUNCTION_BYTES } from '../lib/edge/function-code';
import { loadEdgeFunction } from '../local/edge-runtime';
import { cloudFrontQuery } from '../local/cdn';
import { median, ratio, round, shuffled } from './lib/stats';

const RESULT = fileURLToPath(new URL('./results/edge.json', import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 5 : 15;
const CALLS_PER_ROUND = quick ? 2_000 : 10_000;

const store = new Map<string, string>();
for (let i = 0; i < 100_000; i += 1) store.set(newImageId(), GONE);
for (let i = 0; i < 10_000; i += 1) store.set(newImageId(), imageEntryValue({ accountId: `acct_${i}`, visibility: i % 2 ? 'private' : 'public', expiresAt: 4_102_444_800 }) as string);
for (let i = 0; i < 2_000; i += 1) store.set(secretKey(`k${i}`), secretValue(`acct_${i}`, `secret-${i}-0123456789012345678901234567890`));
const SECRET = 'bench-secret-0123456789012345678901234567890';
store.set(secretKey('kbench'), secretValue('acct_bench', SECRET));
const PUBLIC_ID = newImageId();
const PRIVATE_ID = newImageId();
const GONE_ID = newImageId();
store.set(PRIVATE_ID, imageEntryValue({ accountId: 'acct_bench', visibility: 'private' }) as string);
store.set(GONE_ID, GONE);

const reads = { count: 0 };
const options = { store: (key: string) => store.get(key), onRead: () => (reads.count += 1) };
const request = loadEdgeFunction(edgeFunctionCode('viewer-request.js'), options);
const response = loadEdgeFunction(edgeFunctionCode('viewer-response.js'), options);
const empty = loadEdgeFunction('async function handler(event) { return event.request; }', options);
const emptySync = loadEdgeFunction('function handler(event) { return event.response; }', options);

function signedQuery(id: string, params: Record<string, string>): string {
  const all = { ...params, kid: 'kbench', exp: '4102444800' };
  return new URLSearchParams({ ...all, sig: signature(SECRET, `/image/${id}`, all) }).toString();
}

function viewerRequest(id: string, search: string) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.1' },
    request: { method: 'GET', uri: `/image/${id}`, querystring: cloudFrontQuery(search), headers: { accept: { value: 'image/avif,image/webp,*/*' } }, cookies: {} },
  };
}

/** The kinds of request timed, each with the status the function must answer (forwarded = 0). */
const CASES = {
  'original, unsigned': { id: PUBLIC_ID, search: '', expect: 0 },
  'preset variant, unsigned (w=256&format=auto)': { id: PUBLIC_ID, search: 'w=256&format=auto', expect: 0 },
  'signed transform (HMAC-SHA256, exp)': { id: PUBLIC_ID, search: signedQuery(PUBLIC_ID, { w: '300', h: '200', fit: 'cover' }), expect: 0 },
  'private image, signed': { id: PRIVATE_ID, search: signedQuery(PRIVATE_ID, {}), expect: 0 },
  'private image, unsigned (404)': { id: PRIVATE_ID, search: '', expect: 404 },
  'removed image (deny-list, 404)': { id: GONE_ID, search: '', expect: 404 },
  'transform outside the presets, unsigned (403)': { id: PUBLIC_ID, search: 'w=301', expect: 403 },
  'tampered signature (403)': { id: PUBLIC_ID, search: signedQuery(PUBLIC_ID, { w: '300' }).replace('w=300', 'w=301'), expect: 403 },
} as const;

async function timeCalls(handler: (event: unknown) => unknown, makeEvent: () => unknown, calls: number): Promise<number> {
  const events = Array.from({ length: calls }, makeEvent);
  const started = process.hrtime.bigint();
  for (const event of events) await handler(event);
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

async function main(): Promise<void> {
  // Every case answers what the rules say before it is timed.
  for (const [name, c] of Object.entries(CASES)) {
    const result = (await request(viewerRequest(c.id, c.search))) as { statusCode?: number };
    if ((result.statusCode ?? 0) !== c.expect) throw new Error(`${name}: answered ${result.statusCode ?? 'forward'}, expected ${c.expect || 'forward'}`);
  }
  const samples: Record<string, number[]> = { '(empty viewer-request function)': [], '(empty viewer-response function)': [], 'viewer-response (format=auto marker)': [] };
  for (const name of Object.keys(CASES)) samples[name] = [];
  const responseEvent = () => ({
    version: '1.0',
    context: { eventType: 'viewer-response' },
    request: { method: 'GET', uri: `/variants/${PUBLIC_ID}/w256-hauto-inside-avif-q50`, querystring: {}, headers: { 'x-imager-auto': { value: '1' } }, cookies: {} },
    response: { statusCode: 200, headers: {}, cookies: {} },
  });
  const series: Array<[string, () => Promise<number>]> = [
    ['(empty viewer-request function)', () => timeCalls(empty, () => viewerRequest(PUBLIC_ID, 'w=256&format=auto'), CALLS_PER_ROUND)],
    ['(empty viewer-response function)', () => timeCalls(emptySync, responseEvent, CALLS_PER_ROUND)],
    ['viewer-response (format=auto marker)', () => timeCalls(response, responseEvent, CALLS_PER_ROUND)],
    ...Object.entries(CASES).map(([name, c]): [string, () => Promise<number>] => [name, () => timeCalls(request, () => viewerRequest(c.id, c.search), CALLS_PER_ROUND)]),
  ];
  for (const [, run] of series) await run(); // warm-up
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const [name, run] of shuffled(series)) samples[name].push(await run());
    process.stderr.write(`round ${r + 1}/${ROUNDS}\n`);
  }
  const emptyRequest = median(samples['(empty viewer-request function)']);
  const emptyResponse = median(samples['(empty viewer-response function)']);
  const perCase = [];
  for (const [name, c] of Object.entries(CASES)) {
    reads.count = 0;
    await request(viewerRequest(c.id, c.search));
    perCase.push({ name, storeReads: reads.count, microsPerRequest: round(median(samples[name]), 3), perEmpty: ratio(median(samples[name]), emptyRequest) });
  }
  const sizes = {
    'viewer-request.js (as deployed)': Buffer.byteLength(edgeFunctionCode('viewer-request.js')),
    'viewer-response.js (as deployed)': Buffer.byteLength(edgeFunctionCode('viewer-response.js')),
    limit: MAX_FUNCTION_BYTES,
  };
  const result = {
    what: 'Edge functions: work per request against an empty function in the same runtime (docs/edge.md)',
    measuredAt: new Date().toISOString(),
    node: process.version,
    rounds: ROUNDS,
    callsPerRound: CALLS_PER_ROUND,
    store: { entries: store.size },
    emptyViewerRequestMicros: round(emptyRequest, 3),
    viewerRequest: perCase,
    viewerResponse: { microsPerRequest: round(median(samples['viewer-response (format=auto marker)']), 3), perEmpty: ratio(median(samples['viewer-response (format=auto marker)']), emptyResponse), emptyMicros: round(emptyResponse, 3) },
    codeBytes: sizes,
  };
  writeFileSync(RESULT, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (sizes['viewer-request.js (as deployed)'] > MAX_FUNCTION_BYTES || sizes['viewer-response.js (as deployed)'] > MAX_FUNCTION_BYTES) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
