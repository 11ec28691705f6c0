/**
 * Transforms (docs/transforms.md), run by bench/run.ts in its own process (`--only transforms`), or alone:
 *
 *   tsx bench/transforms.ts '{"rounds":{"thumb":20,"large":8},"coldRounds":10,"warmup":2}'
 *
 * - Render cost: the transform function's handler (createTransformImageHandler with the real
 *   SharpRenderer and an in-memory bucket that never has the variant, so every call renders,
 *   base64 and ETag included) against the floor, sharp called directly on the same bytes with
 *   the same operations. Interleaved in random order per round; medians.
 * - Threads: the floor with libvips limited to 1 thread and with every core (the memory-size
 *   choice: Lambda gives a second vCPU only above 1,769 MB).
 * - Cold start: the shipped-style bundle (esbuild, sharp external, resolved from the dev tree's
 *   node_modules) in fresh processes: load only, load + first render (S3 stub in process), and
 *   `import('sharp')` alone for reference; the peak resident memory (VmHWM) of the first-render runs is the peak memory.
 *
 * Inputs are generated here: a 12 MP (4000 x 3000) JPEG of deterministic smooth noise.
 * Prints one `@@bench {...}` line.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import sharp from 'sharp';
import { prepareInProcessHandlers } from './lib/environment';
import { median, ratio, round, shuffled } from './lib/stats';

interface Options {
  readonly rounds: { thumb: number; large: number };
  readonly coldRounds: number;
  readonly warmup: number;
}

const options = JSON.parse(process.argv[2] ?? '{"rounds":{"thumb":5,"large":3},"coldRounds":3,"warmup":1}') as Options;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench transforms] ${message}\n`);

prepareInProcessHandlers(['BUCKET_NAME']);
const { createTransformImageHandler, MAX_INLINE_BYTES } = await import('../functions/transform-image.ts');
const { AVIF_EFFORT, SharpRenderer } = await import('../functions/adapters/sharp-renderer.ts');
const { readTransformSettings } = await import('../functions/core/config.ts');

/** 4000 x 3000 RGB: gradients plus xorshift noise, the same bytes every run. */
async function twelveMegapixelJpeg(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const raw = Buffer.alloc(width * height * 3);
  let state = 0x12345678;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const noise = (state & 0x3f) - 32;
      const at = (y * width + x) * 3;
      raw[at] = Math.max(0, Math.min(255, ((x * 255) / width + noise) | 0));
      raw[at + 1] = Math.max(0, Math.min(255, ((y * 255) / height + noise) | 0));
      raw[at + 2] = Math.max(0, Math.min(255, 128 + 100 * Math.sin((x + y) / 150) + noise));
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

const CASES = {
  thumb: { label: '300 px WebP thumbnail', canonical: 'w300-hauto-inside-webp-q80', floor: (input: Buffer) => sharp(input).rotate().resize({ width: 300, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer() },
  large: { label: '1200 px AVIF', canonical: 'w1200-hauto-inside-avif-q50', floor: (input: Buffer) => sharp(input).rotate().resize({ width: 1200, withoutEnlargement: true }).avif({ quality: 50, effort: AVIF_EFFORT }).toBuffer() },
} as const;
type CaseName = keyof typeof CASES;

const ID = 'BenchBenchBenchBench00';

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await work();
  return [performance.now() - start, value];
}

async function renderCost(input: Buffer) {
  const handler = createTransformImageHandler({
    // A bucket that has the original and never the variant: every call renders.
    objects: {
      getOriginal: async () => input,
      getVariant: async () => undefined,
      putVariant: async () => undefined,
    },
    renderer: new SharpRenderer(readTransformSettings(process.env)),
    maxInlineBytes: MAX_INLINE_BYTES,
  });
  const results: Record<string, unknown> = {};
  for (const name of Object.keys(CASES) as CaseName[]) {
    const c = CASES[name];
    const event = { rawPath: `/variants/${ID}/${c.canonical}`, requestContext: { http: { method: 'GET' } } } as never;
    const samples = { handler: [] as number[], floor: [] as number[] };
    let outputBytes = { handler: 0, floor: 0 };
    const total = options.warmup + options.rounds[name];
    for (let round = 0; round < total; round += 1) {
      for (const series of shuffled(['handler', 'floor'] as const)) {
        if (series === 'handler') {
          const [ms, answer] = await timed(() => handler(event));
          if (answer.statusCode !== 200) throw new Error(`handler answered ${answer.statusCode}`);
          outputBytes.handler = Buffer.from(answer.body as string, 'base64').byteLength;
          if (round >= options.warmup) samples.handler.push(ms);
        } else {
          const [ms, bytes] = await timed(() => c.floor(input));
          outputBytes.floor = bytes.byteLength;
          if (round >= options.warmup) samples.floor.push(ms);
        }
      }
    }
    const handlerMs = median(samples.handler);
    const floorMs = median(samples.floor);
    results[name] = {
      label: c.label,
      rounds: options.rounds[name],
      handlerMs: round(handlerMs, 1),
      floorMs: round(floorMs, 1),
      handlerToFloor: ratio(handlerMs, floorMs),
      outputBytes,
    };
    log(`${c.label}: handler ${round(handlerMs, 1)} ms, sharp directly ${round(floorMs, 1)} ms, x${ratio(handlerMs, floorMs)} (${options.rounds[name]} rounds)`);
  }
  return results;
}

async function threadScaling(input: Buffer) {
  const cores = availableParallelism();
  const initialThreads = sharp.concurrency();
  const results: Record<string, unknown> = { threadsAvailable: cores, libvipsDefaultThreads: initialThreads };
  for (const name of Object.keys(CASES) as CaseName[]) {
    const c = CASES[name];
    const samples: Record<string, number[]> = { one: [], all: [] };
    const rounds = Math.max(3, Math.ceil(options.rounds[name] / 2));
    for (let round = 0; round < rounds + 1; round += 1) {
      for (const series of shuffled(['one', 'all'] as const)) {
        sharp.concurrency(series === 'one' ? 1 : cores);
        const [ms] = await timed(() => c.floor(input));
        if (round > 0) samples[series]!.push(ms);
      }
    }
    sharp.concurrency(initialThreads);
    const one = median(samples.one!);
    const all = median(samples.all!);
    results[name] = { rounds, oneThreadMs: round(one, 1), allThreadsMs: round(all, 1), speedup: ratio(one, all) };
    log(`${c.label}: 1 thread ${round(one, 1)} ms, ${cores} threads ${round(all, 1)} ms, speed-up x${ratio(one, all)}`);
  }
  return results;
}

async function bundle(workDir: string): Promise<string> {
  const outdir = join(workDir, 'transform-image');
  mkdirSync(outdir, { recursive: true });
  // The options of lib/imager-function.ts (plus sharp external), so this is the shipped code.
  await build({
    entryPoints: [join(ROOT, 'functions', 'transform-image.ts')],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['sharp'],
    banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
    alias: { '@aws-sdk/credential-provider-node': join(ROOT, 'functions', 'runtime', 'lambda-credentials.ts') },
    logLevel: 'error',
  });
  // On Lambda sharp sits in the asset's node_modules; here the dev tree's (host) build.
  symlinkSync(join(ROOT, 'node_modules'), join(outdir, 'node_modules'), 'dir');
  return join(outdir, 'index.mjs');
}

interface ColdReport {
  importMs: number;
  firstRequestMs?: number;
  maxRssKiB: number;
  status?: number;
  bodyBytes?: number;
}

function coldRun(mode: 'load' | 'first' | 'sharp', bundlePath: string, originalPath: string, canonical: string): Promise<ColdReport & { wallMs: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'transform-cold-child.mjs'), mode, bundlePath, originalPath, canonical], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'BENCH',
        AWS_SECRET_ACCESS_KEY: 'BENCH',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        BUCKET_NAME: 'bench-bucket',
        IMAGER_MAX_PIXELS: '100000000',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - start;
      const line = out.split('\n').find((l) => l.startsWith('@@cold '));
      if (code !== 0 || !line) return reject(new Error(`cold child ${mode} exited ${code}: ${out.slice(-500)}`));
      resolve({ ...(JSON.parse(line.slice(7)) as ColdReport), wallMs });
    });
  });
}

async function coldStart(workDir: string, input: Buffer) {
  const bundlePath = await bundle(workDir);
  const originalPath = join(workDir, 'original.jpg');
  writeFileSync(originalPath, input);
  type Series = 'sharp' | 'load' | 'firstThumb' | 'firstLarge';
  const runs: Record<Series, Array<ColdReport & { wallMs: number }>> = { sharp: [], load: [], firstThumb: [], firstLarge: [] };
  for (let round = 0; round < options.coldRounds; round += 1) {
    for (const series of shuffled(['sharp', 'load', 'firstThumb', 'firstLarge'] as const)) {
      const mode = series === 'sharp' ? 'sharp' : series === 'load' ? 'load' : 'first';
      const canonical = series === 'firstLarge' ? CASES.large.canonical : CASES.thumb.canonical;
      const report = await coldRun(mode, bundlePath, originalPath, canonical);
      if (mode === 'first' && report.status !== 200) throw new Error(`first render answered ${report.status}`);
      runs[series].push(report);
    }
  }
  const summary = (series: Series) => ({
    wallMs: round(median(runs[series].map((r) => r.wallMs)), 1),
    importMs: round(median(runs[series].map((r) => r.importMs)), 1),
    ...(runs[series][0]?.firstRequestMs !== undefined ? { firstRequestMs: round(median(runs[series].map((r) => r.firstRequestMs ?? 0)), 1) } : {}),
    maxRssMiB: round(median(runs[series].map((r) => r.maxRssKiB)) / 1024, 1),
    peakRssMiB: round(Math.max(...runs[series].map((r) => r.maxRssKiB)) / 1024, 1),
  });
  const result = {
    rounds: options.coldRounds,
    bundleBytes: (await import('node:fs')).statSync(bundlePath).size,
    importSharpOnly: summary('sharp'),
    load: summary('load'),
    loadAndFirstThumbnail: summary('firstThumb'),
    loadAndFirstLargeAvif: summary('firstLarge'),
  };
  log(
    `cold start (${options.coldRounds} rounds, wall ms median): import sharp ${result.importSharpOnly.wallMs}, bundle load ${result.load.wallMs}, load + first thumbnail ${result.loadAndFirstThumbnail.wallMs}, load + first 1200 px AVIF ${result.loadAndFirstLargeAvif.wallMs}`,
  );
  log(`peak memory (VmHWM, max of runs): thumbnail ${result.loadAndFirstThumbnail.peakRssMiB} MiB, 1200 px AVIF ${result.loadAndFirstLargeAvif.peakRssMiB} MiB`);
  return result;
}

const workDir = mkdtempSync(join(tmpdir(), 'imager-bench-transforms-'));
try {
  log('generating the 12 MP JPEG');
  const input = await twelveMegapixelJpeg();
  const meta = await sharp(input).metadata();
  const source = { width: meta.width, height: meta.height, megapixels: round(((meta.width ?? 0) * (meta.height ?? 0)) / 1e6, 1), jpegBytes: input.byteLength };
  log(`source: ${source.width} x ${source.height} JPEG, ${(input.byteLength / 1024 / 1024).toFixed(2)} MiB; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`);
  const render = await renderCost(input);
  const threads = await threadScaling(input);
  const cold = await coldStart(workDir, input);
  const report = { source, versions: { sharp: sharp.versions.sharp, vips: sharp.versions.vips }, render, threads, coldStart: cold };
  process.stdout.write(`@@bench ${JSON.stringify(report)}\n`);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
