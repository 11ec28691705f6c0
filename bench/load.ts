/**
 * `npm run load` (docs/security-and-reliability.md, "load held"): a bounded load run against a local API this script
 * starts itself (temp data dir, loopback only). Several keys of several accounts mix uploads of
 * small real images, gets, lists and public views; then every 201 is fetched back through its
 * public link and compared by SHA-256. Memory (rss, heap) is sampled every second.
 *
 *   npm run load                    # 60 s
 *   npm run load -- --duration 10   # shorter
 *
 * Prints one JSON object and writes it to bench/results/load.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import { DynamoKeyStore } from '../functions/adapters/dynamo-key-store';
import { startLocalApi } from '../local/app';
import { LOCAL_RESOURCES } from '../local/emulators';
import { readLocalSettings } from '../local/settings';
import { KeyAdmin } from '../scripts/key-admin';

const CONNECTIONS = 8;
const ACCOUNTS = ['load-a', 'load-b', 'load-c'];
const KEYS_PER_ACCOUNT = 2;
const FIXTURES = ['sample.png', 'sample.jpg', 'sample.gif', 'sample.webp', 'sample.avif', 'sample.bmp'];
const BOUNDARY = 'load-test-boundary-7f3a';

function durationSeconds(): number {
  const flag = process.argv.indexOf('--duration');
  const raw = flag >= 0 ? process.argv[flag + 1] : '60';
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 3600) throw new Error(`--duration must be 1..3600 seconds, got ${raw}`);
  return value;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const mean = (values: number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

interface Upload {
  readonly body: Buffer;
  readonly sha256: string;
  readonly name: string;
}

function multipart(name: string, bytes: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

async function main(): Promise<void> {
  const duration = durationSeconds();
  const dataDir = mkdtempSync(join(tmpdir(), 'imager-load-'));
  // Limits raised so that only the API's own behaviour shows, not the quotas.
  Object.assign(process.env, {
    IMAGER_HOURLY_LIMIT: '1000000000',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const api = await startLocalApi(
    readLocalSettings({
      PORT: '0',
      IMAGER_DATA_DIR: dataDir,
      IMAGER_THROTTLE_RATE: '1000000',
      IMAGER_THROTTLE_BURST: '1000000',
      IMAGER_DAILY_QUOTA: '1000000000',
      IMAGER_HOURLY_LIMIT: '1000000000',
      IMAGER_SWEEP_MINUTES: '0',
    }),
    { writeRuntimeFile: false },
  );

  const dynamodb = new DynamoDBClient({ endpoint: api.emulators.dynamodbEndpoint });
  const admin = new KeyAdmin(new DynamoKeyStore(dynamodb, LOCAL_RESOURCES.keysTable));
  const keys: string[] = [];
  for (const account of ACCOUNTS) for (let i = 0; i < KEYS_PER_ACCOUNT; i += 1) keys.push((await admin.create(account)).key);
  dynamodb.destroy();

  const uploads: Upload[] = FIXTURES.map((name) => {
    const bytes = readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url));
    return { name, body: multipart(name, bytes), sha256: sha256(bytes) };
  });

  /** Every 201: the image id and the SHA-256 of the bytes sent. */
  const created: Array<{ id: string; sha256: string }> = [];
  const byStatus: Record<string, number> = {};
  let nextKey = 0;
  let nextUpload = 0;

  // heapUsed between collections says more about V8's GC schedule than about what is live:
  // every fifth second the sample follows a full collection, and the trend is judged on those.
  setFlagsFromString('--expose_gc');
  const collect = runInNewContext('gc') as () => void;
  const memory: Array<{ rss: number; heapUsed: number }> = [];
  const live: Array<{ rss: number; heapUsed: number }> = [];
  let ticks = 0;
  const sample = (): void => {
    ticks += 1;
    if (ticks % 5 === 1) {
      collect();
      const { rss, heapUsed } = process.memoryUsage();
      live.push({ rss, heapUsed });
    }
    const { rss, heapUsed } = process.memoryUsage();
    memory.push({ rss, heapUsed });
  };
  sample();
  const sampler = setInterval(sample, 1000);

  type Context = { key?: string; upload?: Upload; id?: string };
  const auth = (context: Context): Record<string, string> => {
    context.key ??= keys[nextKey++ % keys.length];
    return { authorization: `Bearer ${context.key}` };
  };

  const started = Date.now();
  const result = await autocannon({
    url: api.url,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/api/images/upload',
        setupRequest: (req: Record<string, unknown>, context: Context) => {
          const upload = uploads[nextUpload++ % uploads.length];
          context.upload = upload;
          return {
            ...req,
            headers: { ...auth(context), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
            body: upload.body,
          };
        },
        onResponse: (status: number, body: string, context: Context) => {
          if (status === 201) {
            // The record's sha256 describes the published bytes (metadata removed).
            const { id, sha256: published } = (JSON.parse(body) as { data: { id: string; sha256: string } }).data;
            context.id = id;
            created.push({ id, sha256: published });
          }
        },
      },
      {
        method: 'GET',
        setupRequest: (req: Record<string, unknown>, context: Context) => ({
          ...req,
          path: context.id ? `/api/images/${context.id}` : '/api/images',
          headers: auth(context),
        }),
      },
      {
        method: 'GET',
        setupRequest: (req: Record<string, unknown>, context: Context) => ({
          ...req,
          path: context.id ? `/image/${context.id}` : '/image/AAAAAAAAAAAAAAAAAAAAAA',
          headers: {},
        }),
      },
      {
        method: 'GET',
        setupRequest: (req: Record<string, unknown>, context: Context) => ({ ...req, path: '/api/images?limit=20', headers: auth(context) }),
      },
    ],
  } as autocannon.Options);
  const elapsed = (Date.now() - started) / 1000;
  clearInterval(sampler);
  sample();

  for (const [status, stats] of Object.entries((result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats ?? {})) {
    byStatus[status] = stats.count;
  }

  // Every 201 must be readable through its public link with the same bytes.
  let verified = 0;
  const lost: string[] = [];
  const queue = [...created];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const view = await fetch(`${api.url}/image/${item.id}`, { redirect: 'manual' });
        const bytes = view.ok ? new Uint8Array(await view.arrayBuffer()) : (await view.arrayBuffer(), undefined);
        if (bytes && sha256(bytes) === item.sha256) verified += 1;
        else lost.push(item.id);
      }
    }),
  );

  await api.close();
  rmSync(dataDir, { recursive: true, force: true });

  // Memory: the mean of the middle third of the run against the mean of the last third, on
  // the samples taken right after a full collection (what is really held).
  const third = Math.max(1, Math.floor(live.length / 3));
  const middle = live.slice(third, 2 * third);
  const last = live.slice(-third);
  const heapMid = mean(middle.map((m) => m.heapUsed));
  const heapEnd = mean(last.map((m) => m.heapUsed));
  const rssMid = mean(middle.map((m) => m.rss));
  const rssEnd = mean(last.map((m) => m.rss));
  const heapGrowth = heapMid === 0 ? 0 : (heapEnd - heapMid) / heapMid;
  const rssGrowth = rssMid === 0 ? 0 : (rssEnd - rssMid) / rssMid;

  const requests = result.requests.total;
  const uploadsCreated = byStatus['201'] ?? 0;
  const report = {
    requests,
    by_status: byStatus,
    non_2xx: result.non2xx,
    non_2xx_note: 'any non-2xx is a failure: the public view answers 200 with the bytes, as the CDN does',
    errors_5xx: Object.entries(byStatus).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0),
    connection_errors: result.errors,
    timeouts: result.timeouts,
    uploads_created: uploadsCreated,
    uploads_recorded: created.length,
    uploads_verified: verified,
    lost_images: lost.length + Math.max(0, uploadsCreated - created.length),
    memory_mb: {
      sampled: `every second; every fifth sample after a full GC (${live.length} of them), the trend is judged on those`,
      start: { rss: mb(live[0].rss), heap_used: mb(live[0].heapUsed) },
      mid: { rss: mb(rssMid), heap_used: mb(heapMid) },
      end: { rss: mb(rssEnd), heap_used: mb(heapEnd) },
      heap_growth_last_vs_middle_third_pct: Math.round(heapGrowth * 1000) / 10,
      rss_growth_last_vs_middle_third_pct: Math.round(rssGrowth * 1000) / 10,
      levels_off: heapGrowth < 0.2 && rssGrowth < 0.2,
      peak_between_collections: { rss: mb(Math.max(...memory.map((m) => m.rss))), heap_used: mb(Math.max(...memory.map((m) => m.heapUsed))) },
      live_heap_series: live.map((m) => mb(m.heapUsed)),
    },
    requests_per_second: Math.round(requests / elapsed),
    latency_ms: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    connections: CONNECTIONS,
    keys: keys.length,
    accounts: ACCOUNTS.length,
    mix: 'per connection cycle: upload (png/jpg/gif/webp/avif/bmp), get that image, view it (200, the bytes), list 20',
    duration_s: Math.round(elapsed * 10) / 10,
    date: new Date().toISOString(),
  };
  const json = JSON.stringify(report, null, 2);
  console.log(json);
  mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/load.json', import.meta.url), `${json}\n`);
  if (report.errors_5xx > 0 || report.lost_images > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
