/**
 * Upload handler cost in process (run by bench/run.ts in its own process):
 * createUploadHandler with storage replaced by in-memory fakes, against the floor (decode the
 * base64 body, find the closing boundary), lambda-multipart-parser alone, and
 * lambda-multipart-parser followed by the checks and metadata removal every upload gets
 * (`prepareForPublishing`, the same work the handler does after parsing), interleaved on the
 * same events. BMPs of each size (no metadata: parsing and checks), and a photo-like JPEG of
 * `photoBytes` carrying EXIF GPS, XMP, IPTC and a comment (removal has work to do). The handler is
 * also timed with an `Idempotency-Key` on every request (a new key each time, so each one is a
 * first request: fingerprint of the file, claim, counter, kept sealed response), its claims in
 * memory like the other storage. Beside them, two series that are not the handler: `parseCheckHash`,
 * the work no upload can skip with SHA-256 in its answer (the body decoded, the form parsed, the
 * file checked, stripped and hashed, nothing else), a lower bound of the handler; and the storage
 * write of the stored bytes through the real S3 client and adapter (`S3ImageObjects.put`, its
 * requests answered at once in process), with the SDK hashing the body itself and with the image's
 * SHA-256 handed over (`sdkPutMs`, `sdkPutWithShaMs`). Prints one `@@bench {...}` line.
 *
 *   tsx bench/upload-cost.ts '{"sizes":[65536],"photoBytes":65536,"rounds":{"65536":50},"warmup":3}'
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { bmpOfSize, uploadEvent } from './lib/images';
import { jpegOfSize } from './lib/photo';
import { loadReferenceParser } from './lib/reference-parser';
import { prepareInProcessHandlers } from './lib/environment';
import { median, ratio, round, shuffled } from './lib/stats';

interface Options {
  readonly sizes: number[];
  /** Size of the JPEG with metadata; its rounds are `rounds[photoBytes]`. */
  readonly photoBytes: number;
  /** Measured rounds per size (each round runs floor, handler and reference once). */
  readonly rounds: Record<string, number>;
  readonly warmup: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;

// The handler module reads its configuration and builds (unused) SDK clients at import.
prepareInProcessHandlers(['BUCKET_NAME', 'IMAGES_TABLE', 'COUNTERS_TABLE', 'KEYS_TABLE', 'LOOKUPS_TABLE']);
const { createUploadHandler } = await import('../functions/upload-image.ts');
const { HourlyQuota } = await import('../functions/core/hourly-quota.ts');
const { readConfig } = await import('../functions/core/config.ts');
const { prepareForPublishing } = await import('../functions/core/published-image.ts');
const { bodyBytes } = await import('../functions/transport/body.ts');
const { parseImageUpload } = await import('../functions/transport/multipart.ts');
const { S3ImageObjects } = await import('../functions/adapters/s3-image-objects.ts');
const { S3Client } = await import('@aws-sdk/client-s3');
type IdempotencyRecords = import('../functions/core/idempotency.ts').IdempotencyRecords;
type IdempotencyRecord = import('../functions/core/idempotency.ts').IdempotencyRecord;
const config = readConfig(process.env);
// Installed on demand, outside package.json (bench/lib/reference-parser.ts says why).
const reference = loadReferenceParser();

let stored: Uint8Array | undefined;
/** The upload handler over in-memory storage that keeps the last bytes stored; with `idempotency`, keyed uploads. */
const uploadHandler = (idempotency?: IdempotencyRecords) =>
  createUploadHandler({
    config,
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
    ...(idempotency ? { idempotency } : {}),
  });
const handler = uploadHandler();

/** Claims in memory, with the adapter's semantics (a live record holds its id). */
const claims = new Map<string, IdempotencyRecord>();
const idempotency: IdempotencyRecords = {
  async claim(id, record, now) {
    const held = claims.get(id);
    if (held && held.expiresAt > now && (held.state === 'done' || held.leaseUntil > now)) return held;
    claims.set(id, record);
    return undefined;
  },
  async complete(id, owner, response) {
    const held = claims.get(id);
    if (held?.owner !== owner) return false;
    claims.set(id, { ...held, state: 'done', response });
    return true;
  },
  async release(id, owner) {
    if (claims.get(id)?.owner === owner) claims.delete(id);
  },
};
const idempotentHandler = uploadHandler(idempotency);
let keys = 0;

/** The same upload with a key of its own: a first request every time. */
async function oursIdempotent(event: APIGatewayProxyEvent): Promise<number> {
  keys += 1;
  const result = await idempotentHandler({ ...event, headers: { ...event.headers, 'Idempotency-Key': `bench-${keys}` } });
  if (result.statusCode !== 201) throw new Error(`idempotent handler answered ${result.statusCode}: ${result.body}`);
  return stored?.byteLength ?? 0;
}

/**
 * What no upload can skip while its answer carries the stored bytes' SHA-256: the body decoded,
 * the form parsed, the file checked, its metadata removed and the result hashed. Nothing of the
 * route (key, quota, claim, record, answer) runs.
 */
async function parseCheckHash(event: APIGatewayProxyEvent): Promise<number> {
  const body = bodyBytes(event);
  const upload = await parseImageUpload(body, event.headers['Content-Type'] ?? event.headers['content-type'], { maxFileBytes: config.limits.maxImageBytes });
  return prepareForPublishing(upload.file.bytes, config.limits, { overwriteInput: true }).bytes.byteLength;
}

/** The S3 adapter over the real client, every request signed and then answered 200 at once. */
const sdkObjects = new S3ImageObjects(
  new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: { etag: '"bench"' }, body: undefined } }) },
  }),
  'bench-bucket',
);
/** The stored bytes of the current case and their SHA-256, for the two storage-write series. */
let toStore: { bytes: Uint8Array; contentType: string; sha256: string } | undefined;

async function sdkPut(withSha: boolean): Promise<number> {
  if (!toStore) throw new Error('no stored bytes to write');
  await sdkObjects.put('images/bench', toStore.bytes, toStore.contentType, withSha ? toStore.sha256 : undefined);
  return toStore.bytes.byteLength;
}

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

/** lambda-multipart-parser, then what the handler does with the file it parsed: check it whole, strip its metadata. */
async function theirsWithChecks(event: APIGatewayProxyEvent): Promise<number> {
  const parsed = await reference.parse(event);
  const content = parsed.files.find((f) => f.fieldname === 'image')?.content;
  if (!content) throw new Error('lambda-multipart-parser found no image');
  // The parsed file is its own copy, so it may be cleaned in place as the handler cleans its body.
  return prepareForPublishing(content, config.limits, { overwriteInput: true }).bytes.byteLength;
}

type Method = 'floor' | 'handler' | 'handlerIdempotent' | 'parseCheckHash' | 'sdkPut' | 'sdkPutWithSha' | 'reference' | 'referenceWithChecks';

/** Each series and what it runs; the floor alone is synchronous (no await inside its timing). */
const SERIES: Record<Method, (event: APIGatewayProxyEvent) => number | Promise<number>> = {
  floor,
  handler: ours,
  handlerIdempotent: oursIdempotent,
  parseCheckHash,
  sdkPut: () => sdkPut(false),
  sdkPutWithSha: () => sdkPut(true),
  reference: theirs,
  referenceWithChecks: theirsWithChecks,
};

async function timed(method: Method, event: APIGatewayProxyEvent): Promise<{ ms: number; bytes: number }> {
  const start = process.hrtime.bigint();
  const result = SERIES[method](event);
  const bytes = typeof result === 'number' ? result : await result;
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes };
}

/** A photo-like JPEG of about `bytes`, no larger than a direct upload may be (the 4 MiB limit). */
async function photoWithin(bytes: number): Promise<Buffer> {
  let photo = await jpegOfSize(bytes);
  for (let aim = bytes; photo.byteLength > config.limits.maxImageBytes; ) {
    aim = Math.floor(aim * (config.limits.maxImageBytes / photo.byteLength) * 0.99);
    photo = await jpegOfSize(aim);
  }
  return photo;
}

const cases = [
  ...options.sizes.map((size) => ({ kind: 'bmp' as const, size, image: bmpOfSize(size), filename: 'bench.bmp', type: 'image/bmp' })),
  { kind: 'jpeg with metadata' as const, size: options.photoBytes, image: await photoWithin(options.photoBytes), filename: 'photo.jpg', type: 'image/jpeg' },
];

const results = [];
for (const { kind, size, image, filename, type } of cases) {
  const made = uploadEvent(image, filename, type);
  const multipart = made.multipart;
  // As the runtime hands it over: parsed from JSON. Built directly, a body of 1 MB or more is an
  // external string (Buffer#toString makes those), which Node decodes without the copy that a
  // parsed string costs; every series would then be timed on a string Lambda never passes.
  const event = JSON.parse(JSON.stringify(made.event)) as APIGatewayProxyEvent;
  // Correctness once, outside the timings: what each one took to be the file.
  const checks: Record<string, unknown> = {};
  const prepared = prepareForPublishing(image, config.limits);
  const published = Buffer.from(prepared.bytes);
  toStore = { bytes: published, contentType: prepared.contentType, sha256: prepared.sha256 };
  await ours(event);
  checks.handlerStoredPublishedImage = stored !== undefined && Buffer.compare(Buffer.from(stored), published) === 0;
  stored = undefined;
  await oursIdempotent(event);
  checks.idempotentHandlerStoredPublishedImage = stored !== undefined && Buffer.compare(Buffer.from(stored), published) === 0;
  checks.parseCheckHashStoredBytes = (await parseCheckHash(event)) === published.byteLength;
  checks.metadataRemoved = kind === 'bmp' || published.byteLength < image.byteLength;
  checks.floorFoundBoundary = floor(event) === multipart.body.byteLength - `\r\n--${multipart.boundary}--\r\n`.length;
  let referenceError: string | undefined;
  try {
    const parsed = await reference.parse(event);
    const content = parsed.files.find((f) => f.fieldname === 'image')?.content;
    checks.referenceReturnedImage = content !== undefined && Buffer.compare(content, image) === 0;
    checks.referenceReturnedBytes = content?.byteLength ?? 0;
    checks.referenceWithChecksPublishedBytes = (await theirsWithChecks(event)) === published.byteLength;
  } catch (error) {
    referenceError = (error as Error).message;
  }

  const samples: Record<Method, number[]> = { floor: [], handler: [], handlerIdempotent: [], parseCheckHash: [], sdkPut: [], sdkPutWithSha: [], reference: [], referenceWithChecks: [] };
  const ourMethods: Method[] = ['floor', 'handler', 'handlerIdempotent', 'parseCheckHash', 'sdkPut', 'sdkPutWithSha'];
  const methods: Method[] = referenceError ? ourMethods : [...ourMethods, 'reference', 'referenceWithChecks'];
  const rounds = options.rounds[String(size)] ?? 20;
  for (let i = 0; i < options.warmup + rounds; i += 1) {
    for (const method of shuffled(methods)) {
      try {
        const { ms } = await timed(method, event);
        if (i >= options.warmup) samples[method].push(ms);
      } catch (error) {
        if (method !== 'reference' && method !== 'referenceWithChecks') throw error;
        referenceError = (error as Error).message;
        for (const dropped of ['reference', 'referenceWithChecks'] as const) if (methods.includes(dropped)) methods.splice(methods.indexOf(dropped), 1);
      }
    }
  }
  const floorMs = median(samples.floor);
  const handlerMs = median(samples.handler);
  const handlerIdempotentMs = median(samples.handlerIdempotent);
  const parseCheckHashMs = median(samples.parseCheckHash);
  const sdkPutMs = median(samples.sdkPut);
  const sdkPutWithShaMs = median(samples.sdkPutWithSha);
  const referenceMs = samples.reference.length > 0 ? median(samples.reference) : Number.NaN;
  const referenceWithChecksMs = samples.referenceWithChecks.length > 0 ? median(samples.referenceWithChecks) : Number.NaN;
  results.push({
    kind,
    imageBytes: image.byteLength,
    storedBytes: published.byteLength,
    requestBodyBytes: multipart.body.byteLength,
    eventBodyChars: event.body?.length ?? 0,
    runs: samples.handler.length,
    floorMs: round(floorMs, 3),
    handlerMs: round(handlerMs, 3),
    handlerIdempotentMs: round(handlerIdempotentMs, 3),
    parseCheckHashMs: round(parseCheckHashMs, 3),
    sdkPutMs: round(sdkPutMs, 3),
    sdkPutWithShaMs: round(sdkPutWithShaMs, 3),
    referenceMs: round(referenceMs, 3),
    referenceWithChecksMs: round(referenceWithChecksMs, 3),
    handlerToFloor: ratio(handlerMs, floorMs),
    handlerIdempotentToFloor: ratio(handlerIdempotentMs, floorMs),
    parseCheckHashToFloor: ratio(parseCheckHashMs, floorMs),
    sdkPutWithShaToSdkPut: ratio(sdkPutWithShaMs, sdkPutMs),
    referenceToFloor: ratio(referenceMs, floorMs),
    handlerToReference: ratio(handlerMs, referenceMs),
    handlerToReferenceWithChecks: ratio(handlerMs, referenceWithChecksMs),
    checks,
    ...(referenceError ? { referenceError } : {}),
  });
}

process.stdout.write(`\n@@bench ${JSON.stringify({ sizes: results })}\n`);
process.exit(0);
