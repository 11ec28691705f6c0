/**
 * `npm run bench [-- --quick] [-- --cold-rounds N]`: the performance figures of docs/performance.md in one
 * JSON document, printed on stdout and written to bench/results/bench.json (every benchmark
 * result lives in bench/results/). Progress and the met/not-met list go to stderr.
 *
 * Every ratio is measured side by side in this run (interleaved where it can be), so it holds
 * on a noisy machine; absolute times are printed beside them and are not comparable across runs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureColdStarts, type Mode } from './cold-start/bare-entry';
import { buildReferences, summariseBundle } from './cold-start/bundles';
import { coldStartCalibration, coldStartTargets, printColdStart } from './cold-start/report';
import { measureSpecColdStarts } from './cold-start/spec-method';
import { shippedFunctions, synthesize } from './cold-start/synth';
import { measureUploadMemory } from './memory';
import { ensureReferenceParser, REFERENCE_PARSER } from './lib/reference-parser';
import { round, type Target, target } from './lib/stats';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where every benchmark result is kept (this run's, the load run's, the long fuzz run's). */
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const quick = process.argv.includes('--quick');
/**
 * `--only upload,memory`: run just those parts (coldStart, memory, upload, localApi, metadata,
 * transforms), print, and leave bench/results/bench.json alone (a partial run worth keeping is
 * saved beside it, e.g. `npm run -s bench -- --only transforms > bench/results/transforms.json`).
 */
const PARTS = ['coldStart', 'memory', 'upload', 'localApi', 'metadata', 'transforms'] as const;
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? undefined : (process.argv[onlyAt + 1] ?? '').split(',');
const unknownPart = only?.find((p) => !(PARTS as readonly string[]).includes(p));
if (unknownPart !== undefined) throw new Error(`--only: unknown part "${unknownPart}"; use ${PARTS.join(',')}`);
const runs = (part: (typeof PARTS)[number]): boolean => only === undefined || only.includes(part);

const MiB = 1024 * 1024;
/** `--cold-rounds N`: rounds of both cold-start methods (the resolution grows with the square root). */
const coldRoundsAt = process.argv.indexOf('--cold-rounds');
const coldRounds = coldRoundsAt < 0 ? undefined : Number(process.argv[coldRoundsAt + 1]);
if (coldRounds !== undefined && !(Number.isInteger(coldRounds) && coldRounds > 0)) throw new Error('--cold-rounds: a positive integer');
/** What a run does: `--quick` for a smoke run (about 2 minutes), else the full one. */
const either = <T>(quickValue: T, fullValue: T): T => (quick ? quickValue : fullValue);
const BASE_PLAN = {
  coldStartRounds: either(2, 20),
  // --quick skips loadWithoutSourceMaps.
  coldStartModes: either<Mode[]>(['load', 'first'], ['load', 'first', 'loadWithoutSourceMaps']),
  // docs/performance.md publishes medians of 30.
  specColdStartRounds: either(3, 30),
  memoryRuns: either(2, 5),
  upload: {
    sizes: [64 * 1024, MiB, 4 * MiB],
    photoBytes: 4 * MiB,
    rounds: either({ [64 * 1024]: 500, [MiB]: 100, [4 * MiB]: 60 }, { [64 * 1024]: 3000, [MiB]: 600, [4 * MiB]: 300 }),
    warmup: either(3, 10),
  },
  // Full: 10 s per series, in four alternating slices so noise from the machine hits both.
  localApi: { seconds: either(1.5, 2.5), rounds: either(1, 4), warmupSeconds: either(0.5, 1), connections: 10 },
  metadata: { imageBytes: 4 * MiB, rounds: either(60, 300), warmup: either(5, 10) },
  transforms: { rounds: either({ thumb: 5, large: 3 }, { thumb: 30, large: 10 }), coldRounds: either(3, 10), warmup: either(1, 3) },
};
const PLAN = coldRounds ? { ...BASE_PLAN, coldStartRounds: coldRounds, specColdStartRounds: coldRounds } : BASE_PLAN;

const startedAt = new Date();
const started = performance.now();
const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

/** Runs a TypeScript part of the bench in its own process and returns its `@@bench` report. */
function runPart<T>(file: string, options: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', file), JSON.stringify(options)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(output).toString('utf8');
      const line = text.split('\n').find((l) => l.startsWith('@@bench '));
      if (code !== 0 || !line) reject(new Error(`bench/${file} exited ${code}:\n${text.slice(-2000)}`));
      else resolve(JSON.parse(line.slice('@@bench '.length)) as T);
    });
  });
}

interface UploadCost {
  sizes: Array<{
    kind: 'bmp' | 'jpeg with metadata';
    imageBytes: number;
    handlerToFloor: number;
    handlerIdempotentToFloor: number;
    handlerToReference: number;
    handlerToReferenceWithChecks: number;
    parseCheckHashToFloor: number;
    sdkPutWithShaToSdkPut: number;
    checks: Record<string, unknown>;
    referenceError?: string;
  }>;
}
interface RouteFigures {
  route: { requestsPerSecond: number; non2xx: number; errors: number };
  floor: { requestsPerSecond: number; errors: number };
  routeToFloor: number;
}
interface MetadataCost {
  imageBytes: number;
  stripToCopy: number;
  checks: Record<string, boolean>;
}
interface TransformFigures {
  render: Record<'thumb' | 'large', { label: string; handlerToFloor: number }>;
  coldStart: unknown;
}
interface LocalApiFigures {
  get: RouteFigures;
  upload: RouteFigures;
}

const workDir = mkdtempSync(join(tmpdir(), 'imager-bench-'));
const loadAtStart = loadavg().map((l) => round(l));
try {
  log(`${quick ? 'quick' : 'full'} run${only ? ` of ${only.join(', ')}` : ''}; synthesizing the stack (bundles as CloudFormation ships them)`);
  const outdir = join(workDir, 'cdk.out');
  const needsBundles = runs('coldStart') || runs('memory');
  if (needsBundles) await synthesize(outdir);
  const functions = needsBundles ? shippedFunctions(outdir) : [];
  const bundles = [];
  for (const fn of functions) {
    bundles.push({ name: fn.name, bundleBytes: fn.bundleBytes, sourceMapBytes: fn.sourceMapBytes, metafile: await summariseBundle(fn) });
  }
  log(`${functions.length} bundles: ${functions.map((f) => `${f.name} ${(f.bundleBytes / 1024).toFixed(0)} KiB`).join(', ')}`);

  const references = runs('coldStart') ? await buildReferences(join(workDir, 'references')) : [];
  const coldStart = runs('coldStart')
    ? await measureColdStarts(functions, {
        rounds: PLAN.coldStartRounds,
        modes: PLAN.coldStartModes,
        references,
        workDir,
        log,
      })
    : undefined;
  if (coldStart) log('cold start, spec method (docs/performance.md): fresh `node -e "import(url)"` per bundle, paired with the empty handler');
  const specColdStart = runs('coldStart')
    ? await measureSpecColdStarts(functions, { rounds: PLAN.specColdStartRounds, references, workDir, log })
    : undefined;
  const calibration = coldStart && specColdStart ? coldStartCalibration(coldStart, specColdStart) : undefined;

  const uploadFunction = functions.find((f) => f.name === 'UploadImage');
  if (runs('memory') && !uploadFunction) throw new Error('the stack has no UploadImage function');
  const memory =
    runs('memory') && uploadFunction
      ? await measureUploadMemory(uploadFunction, {
          runs: PLAN.memoryRuns,
          imageBytes: 4 * MiB,
          workDir,
          log,
        })
      : undefined;

  if (runs('upload')) log('upload handler in process (fakes), floor and lambda-multipart-parser, interleaved');
  const uploadHandler = runs('upload') ? await runPart<UploadCost>('upload-cost.ts', PLAN.upload) : undefined;

  if (runs('localApi')) log('local API under autocannon, next to the floor');
  const localApi = runs('localApi') ? await runPart<LocalApiFigures>('local-api.ts', PLAN.localApi) : undefined;

  if (runs('metadata')) log('metadata removal on a 4 MiB JPEG next to a plain copy of its bytes, interleaved');
  const metadata = runs('metadata') ? await runPart<MetadataCost>('metadata-cost.ts', PLAN.metadata) : undefined;
  if (runs('transforms')) log('transforms: render cost against sharp directly, thread scaling, cold start of the transform bundle');
  const transforms = runs('transforms') ? await runPart<TransformFigures>('transforms.ts', PLAN.transforms) : undefined;

  const targets: Target[] = [];
  const { targets: coldTargets, floorComparisons, controls } = coldStartTargets(coldStart, specColdStart);
  targets.push(...coldTargets);
  if (uploadHandler) {
    for (const kind of ['bmp', 'jpeg with metadata'] as const) {
      const fourMiB = uploadHandler.sizes.find((s) => s.kind === kind && (kind !== 'bmp' || s.imageBytes === 4 * MiB));
      const label = kind === 'bmp' ? '4 MiB BMP' : '4 MiB JPEG with metadata';
      targets.push(target(`upload handler with checks and removal, ${label}: handler / floor`, fourMiB?.handlerToFloor ?? Number.NaN, '<=', 4));
      targets.push(
        target(`upload handler with an Idempotency-Key (fingerprint, claim, kept response), ${label}: handler / floor`, fourMiB?.handlerIdempotentToFloor ?? Number.NaN, '<=', 4),
      );
      // Like for like: the library parses only, so it is followed by the same checks and removal.
      targets.push(
        target(`upload handler, ${label}: handler / (lambda-multipart-parser + the same checks and removal)`, fourMiB?.handlerToReferenceWithChecks ?? Number.NaN, '<', 1),
      );
      // The storage write through the real S3 client: the image's SHA-256 handed over, or the SDK hashing the body again.
      targets.push(
        target(`S3 PutObject of the stored ${label}: with the image's SHA-256 / the SDK hashing the body itself`, fourMiB?.sdkPutWithShaToSdkPut ?? Number.NaN, '<', 1),
      );
      const failedChecks = Object.entries(fourMiB?.checks ?? {}).filter(([, ok]) => ok === false).length;
      targets.push(target(`upload handler, ${label}: output checks failed (count)`, fourMiB ? failedChecks : Number.NaN, '==', 0));
    }
  }
  if (memory) {
    targets.push(target('peak memory, 4 MiB upload: (upload - idle) / image size', memory.uploadAboveIdleToImage, '<=', 5));
    targets.push(target('peak memory: every upload answered 201 (count of failures)', memory.failures.length, '==', 0));
  }
  for (const name of localApi ? (['get', 'upload'] as const) : []) {
    const figures = localApi![name];
    targets.push(target(`local API ${name}: requests/s / floor requests/s`, figures.routeToFloor, '>=', 0.5));
    targets.push(target(`local API ${name}: non-2xx and errors`, figures.route.non2xx + figures.route.errors, '==', 0));
  }

  if (metadata) {
    targets.push(target('metadata removal, 4 MiB JPEG: stripMetadata / Buffer.from copy', metadata.stripToCopy, '<=', 3));
    targets.push(target('metadata removal: output checks failed (count)', Object.values(metadata.checks).filter((ok) => !ok).length, '==', 0));
  }
  for (const name of transforms ? (['thumb', 'large'] as const) : []) {
    const figures = transforms!.render[name];
    targets.push(target(`transforms, ${figures.label} from 12 MP JPEG: transform handler / sharp directly`, figures.handlerToFloor, '<=', 1.3));
  }

  const document = {
    benchmark: 'imager',
    command: `npm run bench${quick || only || coldRounds ? ' --' : ''}${quick ? ' --quick' : ''}${only ? ` --only ${only.join(',')}` : ''}${coldRounds ? ` --cold-rounds ${coldRounds}` : ''}`,
    quick,
    date: startedAt.toISOString(),
    durationSeconds: round((performance.now() - started) / 1000, 1),
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryMiB: Math.round(totalmem() / MiB),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((l) => round(l)),
    },
    versions: Object.fromEntries(
      [
        ...['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-lambda-powertools/logger', '@remix-run/multipart-parser', 'image-size', 'esbuild', 'autocannon'].map(
          (name) => [name, (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version],
        ),
        [REFERENCE_PARSER.name, ensureReferenceParser()],
      ],
    ),
    targetsMet: targets.filter((t) => t.met).length,
    targetsTotal: targets.length,
    targets,
    coldStart: coldStart && {
      label: 'bare ESM entry',
      method:
        'Method "bare ESM entry" (emptyHandler, references, functions below; the targets labelled so). Bundles from `cdk synth` (asset dir per function via aws:asset:path). Each measurement is a fresh `node` running bench/cold-start/child.mjs with the function environment from the template. "load": import only; "loadAndFirstRequest": an in-process stub answers DynamoDB/S3 at once, then the function\'s sample event from events/ (the stub holds what it refers to); "loadWithoutSourceMaps": load with NODE_OPTIONS unset. wallMs is spawn to exit measured by the parent; loadedSinceStartMs / answeredSinceStartMs are performance.now() in the child. Every run of a function is paired with a run of the empty handler in the same mode (random order within the pair; pairs in a new random order each round); ratio = median wall time / median wall time of the paired empty-handler runs (the one the targets use), medianOfPairRatios beside it. References: handlers that only create the SDK clients or the logger, or only hold the content a function that sends no request must serve (the OpenAPI document, the Redoc page), bundled with the same options (load only). --quick skips loadWithoutSourceMaps.',
      rounds: PLAN.coldStartRounds,
      ...coldStart,
      spec: specColdStart && {
        method:
          'Method "spec" (docs/performance.md\'s own measurement): each bundle in a fresh `node -e "import(\'<file url>\')"` with the same environment as "bare ESM entry" plus NODE_EXTRA_CA_CERTS naming a CA bundle (extraCaCerts), wall time spawn to exit from the parent; every run paired with a run of the empty handler under the same method, random order within the pair, pairs reshuffled each round; ratio = median / median of the paired empty-handler runs. Without NODE_EXTRA_CA_CERTS the eval entry gives the bare ratios (see controls and calibration): the CA bundle read at start is the ~30 ms that the published 58 ms empty module (docs/performance.md) has over ours. Lambda nodejs20.x and later do not set NODE_EXTRA_CA_CERTS, so "bare ESM entry" is the closer one to Lambda; targets are printed for both.',
        ...specColdStart.spec,
        controls: specColdStart.controls,
      },
      calibration,
      /** Not targets: functions that send no request against what they must hold (CONTENT_FLOOR). */
      floorComparisons,
      /** The method's resolution: one bundle built twice and measured as two subjects; 1 would be perfect. */
      controls,
    },
    uploadHandler: uploadHandler && {
      method:
        'createUploadHandler (functions/upload-image.ts) with in-memory fakes, in one process; floor = base64-decode the body and Buffer.indexOf the closing boundary; reference = lambda-multipart-parser parse(event); referenceWithChecks = the same parse followed by prepareForPublishing (the whole-file check, metadata removal and sha256 the handler does after parsing). parseCheckHash = the body decoded, the form parsed, the file checked, stripped and hashed (sha256) and nothing of the route: a lower bound of the handler while the answer carries sha256. sdkPut / sdkPutWithSha = S3ImageObjects.put of the stored bytes through the real S3 client, requests signed and answered at once in process, the SDK hashing the body (SigV4 payload hash + CRC32) / the image sha256 handed over. BMPs of each size, and a photo-like JPEG (noise pixels, quality 95) carrying EXIF GPS/camera, XMP, IPTC and a comment. Same event for all four, interleaved in random order per round; median ms per request.',
      ...uploadHandler,
    },
    memory: memory && {
      method:
        'Shipped UploadImage bundle in fresh processes with the storage stub; process.resourceUsage().maxRSS. idle = bundle loaded and one small upload answered; event = idle + the 4 MiB upload event read and parsed; upload = event + answered. Medians.',
      ...memory,
    },
    localApi: localApi && {
      method:
        'startLocalApi (local/app.ts) in one process with quota limits raised; autocannon in a child process, 10 connections. Floor = the storage calls the route must make, issued with the SDK against the same emulators from the same process at the same concurrency: get = counter UpdateItem and GetItem overlapped; upload = counter UpdateItem, then PutObject, then PutItem. Route and floor alternate per round.',
      ...localApi,
    },
    metadata: metadata && {
      method:
        'bench/metadata-cost.ts in its own process: a JPEG of 4 MiB noise pixels (1024 wide, quality 95, 4:4:4) with the metadata segments of test/fixtures/metadata/jpeg.jpg spliced in after SOI (EXIF with GPS and thumbnail, XMP, IPTC, COM, ICC). stripMetadata(\'jpeg\', bytes) against Buffer.from(bytes), interleaved in random order per round; median ms.',
      ...metadata,
    },
    transforms: transforms && {
      method:
        'bench/transforms.ts: a 12 MP (4000 x 3000) JPEG of deterministic noise generated with sharp. render: createTransformImageHandler (functions/transform-image.ts) with the real SharpRenderer and an in-memory bucket that never holds the variant (every call renders; base64 body and ETag included) against sharp called directly with the same operations on the same bytes; interleaved in random order per round, medians. threads: the floor with libvips limited to 1 thread vs every core. coldStart: the function bundled as shipped (esbuild, sharp external, resolved from the dev tree) in fresh processes: load only, load + first render with an in-process S3 stub, and import(sharp) alone; wall ms spawn to exit, medians; peak resident memory of each run from /proc/self/status VmHWM (ru_maxrss would carry the parent\'s size across fork + exec; peak = max).',
      ...transforms,
    },
    bundles,
  };

  const json = `${JSON.stringify(document, null, 2)}\n`;
  if (!only) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'bench.json'), json);
  }
  process.stdout.write(json);
  printColdStart(coldStart, specColdStart, calibration, controls, floorComparisons);
  process.stderr.write(`\nTargets (${document.targetsMet}/${document.targetsTotal} met):\n`);
  for (const t of targets) {
    process.stderr.write(`  ${t.met ? 'MET    ' : 'NOT MET'}  ${t.name}: ${t.measured} (target ${t.comparison} ${t.limit})\n`);
  }
  log(only ? 'partial run: bench/results/bench.json left as it was' : 'wrote bench/results/bench.json');
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
