/**
 * Upload handler cost in process (run by bench/run.ts in its own process):
 * createUploadHandler with storage replaced by in-memory fakes, against the floor (decode the
 * base64 body, find the closing boundary) and lambda-multipart-parser, interleaved on the same
 * events. Prints one `@@bench {...}` line.
 *
 *   tsx bench/upload-cost.ts '{"sizes":[65536],"rounds":{"65536":50}}'
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { bmpOfSize, uploadEvent } from './lib/images';
import { loadReferenceParser } from './lib/reference-parser';
import { median, ratio, round, shuffled } from './lib/stats';

interface Options {
  readonly sizes: number[];
  /** Measured rounds per size (each round runs floor, handler and reference once). */
  readonly rounds: Record<string, number>;
  readonly warmup: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;

// The handler module reads its configuration and builds (unused) SDK clients at import.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'BENCH',
  AWS_SECRET_ACCESS_KEY: 'BENCH',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  BUCKET_NAME: 'bench-bucket',
  IMAGES_TABLE: 'bench-images',
  COUNTERS_TABLE: 'bench-counters',
  KEYS_TABLE: 'bench-keys',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});
const { createUploadHandler } = await import('../functions/upload-image.ts');
const { HourlyQuota } = await import('../functions/core/hourly-quota.ts');
const { readConfig } = await import('../functions/core/config.ts');
// Installed on demand, outside package.json (bench/lib/reference-parser.ts says why).
const reference = loadReferenceParser();

let stored: Uint8Array | undefined;
const handler = createUploadHandler({
  config: readConfig(process.env),
  quota: new HourlyQuota({ increment: async () => 1 }, 1_000_000_000),
  objects: {
    async put(_key, bytes) {
      stored = bytes;
    },
    async delete() {},
  },
  records: {
    async create() {},
    async get() {
      return undefined;
    },
  },
  log: { warn() {}, error() {} },
});

/** The least an upload must do: decode the body once and find where the file ends. */
function floor(event: APIGatewayProxyEvent): number {
  const type = event.headers['Content-Type'] ?? event.headers['content-type'] ?? '';
  const boundary = /boundary=([^;]+)/.exec(type)?.[1];
  const body = Buffer.from(event.body ?? '', 'base64');
  const end = body.indexOf(`\r\n--${boundary}--`, 0, 'latin1');
  if (end < 0) throw new Error('floor: no closing boundary');
  return end;
}

async function ours(event: APIGatewayProxyEvent): Promise<number> {
  const result = await handler(event);
  if (result.statusCode !== 201) throw new Error(`handler answered ${result.statusCode}: ${result.body}`);
  return stored?.byteLength ?? 0;
}

/**
 * lambda-multipart-parser 1.0.1 can throw from inside busboy's event emitters (an uncaught
 * exception, not a rejection): catch that too, so a crash is reported instead of ending the run.
 */
function theirs(event: APIGatewayProxyEvent): Promise<number> {
  return new Promise((resolve, reject) => {
    const crash = (error: Error) => reject(new Error(`lambda-multipart-parser crashed: ${error.message}`));
    process.once('uncaughtException', crash);
    const timer = setTimeout(() => reject(new Error('lambda-multipart-parser did not finish')), 30_000);
    reference
      .parse(event)
      .then((parsed) => resolve(parsed.files.find((f) => f.fieldname === 'image')?.content?.byteLength ?? 0), reject)
      .finally(() => {
        clearTimeout(timer);
        process.off('uncaughtException', crash);
      });
  });
}

type Method = 'floor' | 'handler' | 'reference';

async function timed(method: Method, event: APIGatewayProxyEvent): Promise<{ ms: number; bytes: number }> {
  const start = process.hrtime.bigint();
  const bytes = method === 'floor' ? floor(event) : method === 'handler' ? await ours(event) : await theirs(event);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes };
}

const results = [];
for (const size of options.sizes) {
  const image = bmpOfSize(size);
  const made = uploadEvent(image);
  const multipart = made.multipart;
  // As the runtime hands it over: parsed from JSON. Built directly, a body of 1 MB or more is an
  // external string (Buffer#toString makes those), which Node decodes without the copy that a
  // parsed string costs; every series would then be timed on a string Lambda never passes.
  const event = JSON.parse(JSON.stringify(made.event)) as APIGatewayProxyEvent;
  // Correctness once, outside the timings: what each one took to be the file.
  const checks: Record<string, unknown> = {};
  await ours(event);
  checks.handlerStoredImage = stored !== undefined && Buffer.compare(Buffer.from(stored), image) === 0;
  checks.floorFoundBoundary = floor(event) === multipart.body.byteLength - `\r\n--${multipart.boundary}--\r\n`.length;
  let referenceError: string | undefined;
  try {
    const parsed = await reference.parse(event);
    const content = parsed.files.find((f) => f.fieldname === 'image')?.content;
    checks.referenceReturnedImage = content !== undefined && Buffer.compare(content, image) === 0;
    checks.referenceReturnedBytes = content?.byteLength ?? 0;
  } catch (error) {
    referenceError = (error as Error).message;
  }

  const samples: Record<Method, number[]> = { floor: [], handler: [], reference: [] };
  const methods: Method[] = referenceError ? ['floor', 'handler'] : ['floor', 'handler', 'reference'];
  const rounds = options.rounds[String(size)] ?? 20;
  for (let i = 0; i < options.warmup + rounds; i += 1) {
    for (const method of shuffled(methods)) {
      try {
        const { ms } = await timed(method, event);
        if (i >= options.warmup) samples[method].push(ms);
      } catch (error) {
        if (method !== 'reference') throw error;
        referenceError = (error as Error).message;
        methods.splice(methods.indexOf('reference'), 1);
      }
    }
  }
  const floorMs = median(samples.floor);
  const handlerMs = median(samples.handler);
  const referenceMs = samples.reference.length > 0 ? median(samples.reference) : Number.NaN;
  results.push({
    imageBytes: image.byteLength,
    requestBodyBytes: multipart.body.byteLength,
    eventBodyChars: event.body?.length ?? 0,
    runs: samples.handler.length,
    floorMs: round(floorMs, 3),
    handlerMs: round(handlerMs, 3),
    referenceMs: round(referenceMs, 3),
    handlerToFloor: ratio(handlerMs, floorMs),
    referenceToFloor: ratio(referenceMs, floorMs),
    handlerToReference: ratio(handlerMs, referenceMs),
    checks,
    ...(referenceError ? { referenceError } : {}),
  });
}

process.stdout.write(`\n@@bench ${JSON.stringify({ sizes: results })}\n`);
process.exit(0);
