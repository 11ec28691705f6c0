/**
 * Through the local API (run by bench/run.ts in its own process): autocannon against
 * GET /api/images/{id} and 256 KiB uploads, next to the floor, i.e. the storage calls each route
 * must make, issued directly with the SDK against the same emulators at the same concurrency.
 * Prints one `@@bench {...}` line.
 *
 *   tsx bench/local-api.ts '{"seconds":5,"rounds":2,"warmupSeconds":1,"connections":10}'
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { bmpOfSize, multipartImage } from './lib/images';
import { quantile, ratio, round } from './lib/stats';

interface Options {
  readonly seconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const log = (message: string) => process.stderr.write(`[local-api] ${message}\n`);

// Limits far above what a bench run can reach: this measures cost, not the quota.
const LIMITS = {
  IMAGER_HOURLY_LIMIT: '1000000000',
  IMAGER_THROTTLE_RATE: '1000000',
  IMAGER_THROTTLE_BURST: '1000000',
  IMAGER_DAILY_QUOTA: '1000000000',
  IMAGER_SWEEP_MINUTES: '0',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
Object.assign(process.env, LIMITS);
const { startLocalApi } = await import('../local/app.ts');
const { readLocalSettings } = await import('../local/settings.ts');
const { LOCAL_RESOURCES } = await import('../local/emulators.ts');
const { windowAt } = await import('../functions/core/hourly-quota.ts');

const dataDir = mkdtempSync(join(tmpdir(), 'imager-bench-'));
const api = await startLocalApi(readLocalSettings({ ...LIMITS, PORT: '0', IMAGER_DATA_DIR: dataDir }), { writeRuntimeFile: false });

interface Series {
  requests: number;
  seconds: number;
  latencies?: number[];
  p50Ms?: number;
  p99Ms?: number;
  non2xx: number;
  errors: number;
}

function cannon(config: Record<string, unknown>): Promise<Series & { statuses: Record<string, number>; timeouts: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'cannon-child.mjs'), JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = Buffer.concat(output).toString('utf8').split('\n').find((l) => l.startsWith('@@bench '));
      if (code !== 0 || !line) return reject(new Error(`autocannon exited ${code}`));
      const r = JSON.parse(line.slice('@@bench '.length));
      resolve({ ...r, seconds: r.durationSeconds, errors: r.errors + r.timeouts });
    });
  });
}

/** `connections` loops issuing `request` back to back for `seconds`; latencies of each. */
async function closedLoop(seconds: number, connections: number, request: () => Promise<void>): Promise<Series> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await request();
          latencies.push(performance.now() - t);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies, non2xx: 0, errors };
}

// Clients as a handler builds them: from the environment startLocalApi set (emulator endpoints).
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});
const FLOOR_KEY_ID = 'key_floor';

/** The counter update every authenticated route makes (DynamoHourlyCounter's command). */
function countRequest() {
  const window = windowAt(Date.now());
  return dynamodb.send(
    new UpdateItemCommand({
      TableName: LOCAL_RESOURCES.countersTable,
      Key: { pk: { S: `${FLOOR_KEY_ID}#${window.start}` } },
      UpdateExpression: 'ADD #count :one SET expires_at = if_not_exists(expires_at, :expires)',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':limit': { N: LIMITS.IMAGER_HOURLY_LIMIT },
        ':expires': { N: String(window.end + 86_400) },
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
}

const image = bmpOfSize(256 * 1024);
const upload = multipartImage(image);
const bodyFile = join(dataDir, 'upload-body.bin');
writeFileSync(bodyFile, upload.body);
const auth = { Authorization: `Bearer ${api.devKey}` };

// One image to get: uploaded through the API like any client would.
const created = await fetch(`${api.url}/api/images/upload`, {
  method: 'POST',
  headers: { ...auth, 'Content-Type': upload.contentType },
  body: upload.body,
});
if (created.status !== 201) throw new Error(`seed upload answered ${created.status}: ${await created.text()}`);
const imageId = ((await created.json()) as { data: { id: string } }).data.id;

/** What the API is asked (autocannon) and the floor of each route. */
const routes = {
  get: {
    // GetImage: the window's counter update and the record read. They are independent, so the
    // floor overlaps them.
    floor: async () => {
      const [, item] = await Promise.all([
        countRequest(),
        dynamodb.send(new GetItemCommand({ TableName: LOCAL_RESOURCES.imagesTable, Key: { id: { S: imageId } }, ConsistentRead: true })),
      ]);
      if (!item.Item) throw new Error('floor: image not found');
    },
  },
  upload: {
    // UploadImage: the counter must admit the request before any side effect, then the object,
    // then its record (never a record without its object).
    floor: async () => {
      await countRequest();
      const id = randomBytes(16).toString('base64url');
      await s3.send(
        new PutObjectCommand({
          Bucket: LOCAL_RESOURCES.bucketName,
          Key: `images/${id}`,
          Body: image,
          ContentLength: image.byteLength,
          ContentType: 'image/bmp',
        }),
      );
      const now = new Date().toISOString();
      await dynamodb.send(
        new PutItemCommand({
          TableName: LOCAL_RESOURCES.imagesTable,
          Item: {
            id: { S: id },
            account_id: { S: 'acct_floor' },
            created_key: { S: `${now}#${id}` },
            object_key: { S: `images/${id}` },
            state: { S: 'ready' },
            created_at: { S: now },
            format: { S: 'bmp' },
            content_type: { S: 'image/bmp' },
            width: { N: '1' },
            height: { N: '1' },
            size: { N: String(image.byteLength) },
          },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    },
  },
} as const;

const report: Record<string, unknown> = {};
try {
  for (const [name, pair] of Object.entries(routes)) {
    log(`${name}: warm-up`);
    await routeWith(name, options.warmupSeconds);
    await closedLoop(options.warmupSeconds, options.connections, pair.floor);
    const routeRuns: Series[] = [];
    const floorRuns: Series[] = [];
    for (let r = 0; r < options.rounds; r += 1) {
      // Alternate which goes first, so a drift over the run (a growing data dir) hits both.
      const order = r % 2 === 0 ? ['route', 'floor'] : ['floor', 'route'];
      for (const which of order) {
        log(`${name}: ${which} round ${r + 1}/${options.rounds}`);
        if (which === 'route') routeRuns.push(await routeWith(name, options.seconds));
        else floorRuns.push(await closedLoop(options.seconds, options.connections, pair.floor));
      }
    }
    report[name] = summarise(routeRuns, floorRuns);
  }
} finally {
  dynamodb.destroy();
  s3.destroy();
  await api.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function routeWith(name: string, seconds: number) {
  const request =
    name === 'get'
      ? { url: `${api.url}/api/images/${imageId}`, method: 'GET', headers: auth }
      : { url: `${api.url}/api/images/upload`, method: 'POST', headers: { ...auth, 'Content-Type': upload.contentType }, bodyFile };
  return cannon({ ...request, connections: options.connections, duration: seconds });
}

function summarise(routeRuns: Series[], floorRuns: Series[]) {
  const rps = (runs: Series[]) => runs.reduce((s, r) => s + r.requests, 0) / runs.reduce((s, r) => s + r.seconds, 0);
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const floorLatencies = floorRuns.flatMap((r) => r.latencies ?? []);
  const routeRps = rps(routeRuns);
  const floorRps = rps(floorRuns);
  return {
    connections: options.connections,
    route: {
      requestsPerSecond: round(routeRps, 1),
      // autocannon reports percentiles per run; this is their mean over the rounds.
      p50Ms: round(mean(routeRuns.map((r) => r.p50Ms ?? Number.NaN)), 2),
      p99Ms: round(mean(routeRuns.map((r) => r.p99Ms ?? Number.NaN)), 2),
      requests: routeRuns.reduce((s, r) => s + r.requests, 0),
      non2xx: routeRuns.reduce((s, r) => s + r.non2xx, 0),
      errors: routeRuns.reduce((s, r) => s + r.errors, 0),
      perRound: routeRuns.map((r) => ({ requestsPerSecond: round(r.requests / r.seconds, 1), p50Ms: r.p50Ms, p99Ms: r.p99Ms })),
    },
    floor: {
      requestsPerSecond: round(floorRps, 1),
      p50Ms: round(quantile(floorLatencies, 0.5), 2),
      p99Ms: round(quantile(floorLatencies, 0.99), 2),
      requests: floorLatencies.length,
      errors: floorRuns.reduce((s, r) => s + r.errors, 0),
      perRound: floorRuns.map((r) => ({ requestsPerSecond: round(r.requests / r.seconds, 1) })),
    },
    routeToFloor: ratio(routeRps, floorRps),
  };
}

process.stdout.write(
  `\n@@bench ${JSON.stringify({ uploadImageBytes: image.byteLength, uploadBodyBytes: upload.body.byteLength, secondsPerRound: options.seconds, rounds: options.rounds, ...report })}\n`,
);
process.exit(0);
