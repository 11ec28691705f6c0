import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { imageSize } from 'image-size';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaEnvironment, representativeRequest, storageFixture } from '../../bench/cold-start/fixtures';
import { ROOT, type ShippedFunction, shippedFunctions, synthesize } from '../../bench/cold-start/synth';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName } from '../../functions/function-table';
import { type Arm64Node, provideArm64Node } from '../support/arm64-node';

/**
 * The shipped bundles on Lambda's own platform: Node.js 24 on linux-arm64 (emulated with
 * qemu-user on other machines; test/support/arm64-node.ts provides it). `cdk synth` builds every
 * function's asset; each is copied alone into an empty folder (no node_modules above it, so it
 * can resolve nothing but what it carries), started with the environment its template gives it
 * and answers its sample event (events/<file>.json) against the benchmark's storage stub
 * (bench/cold-start/child.mjs, holding what bench/cold-start/fixtures.ts puts there).
 * TransformImage renders a real WebP with the linux-arm64 sharp inside its own asset.
 * Under emulation, times say nothing about Lambda: none is reported.
 */

/** The harness that plays the Lambda runtime: start the stub, import the bundle, invoke the handler once. */
const CHILD = join(ROOT, 'bench', 'cold-start', 'child.mjs');

let arm: Arm64Node;
let outdir: string;
let work: string;
let shipped: Map<FunctionName, ShippedFunction>;
const fixture = storageFixture();

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'imager-arm64-synth-'));
  work = mkdtempSync(join(tmpdir(), 'imager-arm64-run-'));
  // The download (network) and the synth (CPU) overlap.
  [arm] = await Promise.all([provideArm64Node({ log: (message) => console.log(`arm64: ${message}`) }), synthesize(outdir)]);
  console.log(`arm64: Node ${arm.version} (node ${arm.sources.node}; qemu ${arm.sources.qemu}; libraries ${arm.sources.sysroot})`);
  shipped = new Map(shippedFunctions(outdir, { withNativeModules: true }).map((fn) => [fn.name, fn]));
}, 15 * 60_000);

afterAll(() => {
  for (const dir of [outdir, work]) if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly code: number | null;
  readonly result: any;
  readonly output: string;
}

/**
 * Copies `fn`'s asset (all of it, or without `leaveOut`) into an empty folder and has the arm64
 * Node answer `event` from it, with the function's template environment, in that folder.
 */
async function answerOnArm64(fn: ShippedFunction, event: unknown, leaveOut?: string): Promise<Answer> {
  const asset = dirname(fn.bundle);
  const base = mkdtempSync(join(work, `${fn.name}-`));
  const folder = join(base, 'function');
  mkdirSync(folder);
  for (const entry of readdirSync(asset)) {
    if (entry !== leaveOut) cpSync(join(asset, entry), join(folder, entry), { recursive: true });
  }
  // Nothing above the folder may lend it a module.
  for (let dir = dirname(folder); dir !== dirname(dir); dir = dirname(dir)) {
    expect(existsSync(join(dir, 'node_modules')), `${dir} has a node_modules folder`).toBe(false);
  }
  const invocation = join(base, 'invocation.json');
  writeFileSync(invocation, JSON.stringify({ event, fixture }));
  const env = lambdaEnvironment(fn.name, fn.environment);
  return new Promise((resolve, reject) => {
    const child = spawn(arm.command, [...arm.prefix, CHILD, 'first', join(folder, 'index.mjs'), invocation], {
      cwd: folder,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      const line = output.split('\n').find((l) => l.startsWith('@@bench '));
      resolve({ code, result: line ? (JSON.parse(line.slice('@@bench '.length)) as { result: unknown }).result : undefined, output });
    });
  });
}

const eventOf = (name: FunctionName): unknown => JSON.parse(readFileSync(join(ROOT, 'events', `${FUNCTIONS[name].file}.json`), 'utf8'));

describe('the shipped bundles on Node.js 24, linux-arm64', () => {
  it('runs Node 24 built for linux-arm64', () => {
    expect(arm.version).toMatch(/^v24\./);
  });

  it('has an asset for every function of the table', () => {
    expect([...shipped.keys()].sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  for (const name of FUNCTION_NAMES.filter((n) => n !== 'TransformImage')) {
    it(`${name}: its asset alone answers events/${FUNCTIONS[name].file}.json`, async () => {
      const request = representativeRequest(name);
      const answer = await answerOnArm64(shipped.get(name)!, request.event);
      expect(answer.code, answer.output.slice(-2000)).toBe(0);
      expect(request.expect(answer.result), JSON.stringify(answer.result)).toBe(true);
    }, 180_000);
  }

  it('TransformImage: its asset alone renders a WebP variant with the linux-arm64 sharp it carries', async () => {
    const fn = shipped.get('TransformImage')!;
    expect(existsSync(join(dirname(fn.bundle), 'node_modules', '@img', 'sharp-linux-arm64')), 'the asset carries sharp for linux-arm64').toBe(true);
    const answer = await answerOnArm64(fn, eventOf('TransformImage'));
    expect(answer.code, answer.output.slice(-2000)).toBe(0);
    expect(answer.result.statusCode, JSON.stringify(answer.result)).toBe(200);
    // The harness keeps the first 200 base64 characters of a body: the WebP header, with its size.
    const head = Buffer.from(answer.result.body, 'base64');
    expect(head.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(head.subarray(8, 12).toString('latin1')).toBe('WEBP');
    // The stub's original is test/fixtures/sample.png (64 x 48): w=300 fit=inside never enlarges.
    expect(imageSize(head)).toMatchObject({ type: 'webp', width: 64, height: 48 });
  }, 180_000);

  it('TransformImage without the node_modules of its asset cannot load: the sharp that rendered was its own', async () => {
    const answer = await answerOnArm64(shipped.get('TransformImage')!, eventOf('TransformImage'), 'node_modules');
    expect(answer.code).not.toBe(0);
    expect(answer.output).toMatch(/Cannot find (package|module) 'sharp'/);
  }, 180_000);
});
