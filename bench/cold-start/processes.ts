import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShippedFunction } from './synth';

/** The harness every fresh-process measurement runs (plain JavaScript: it costs the same for every subject). */
const CHILD = new URL('./child.mjs', import.meta.url).pathname;

export interface ChildReport {
  mode: string;
  importMs: number;
  loadedSinceStartMs: number;
  firstRequestMs?: number;
  answeredSinceStartMs?: number;
  result?: unknown;
  warmMaxRssKiB?: number;
  eventMaxRssKiB?: number;
  maxRssKiB?: number;
  bigResult?: unknown;
  wallMs: number;
}

interface Spawned {
  readonly wallMs: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Spawns one fresh `node <args>` and times it from spawn to exit as the parent sees it. Stdout
 * is piped only when the caller reads it, so the timed process does the same work either way.
 */
function timedSpawn(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  captureStdout: boolean,
  viaShell = false,
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const output: Buffer[] = [];
    const errors: Buffer[] = [];
    const started = process.hrtime.bigint();
    const [command, argv] = viaShell ? ['/bin/sh', ['-c', '"$0" "$@"; exit $?', process.execPath, ...args]] : [process.execPath, args];
    const child = spawn(command, argv, { env, stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', reject);
    let wallMs = Number.NaN;
    child.on('exit', () => {
      wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
    });
    child.on('close', (code, signal) => {
      resolve({ wallMs, code, signal, stdout: Buffer.concat(output).toString('utf8'), stderr: Buffer.concat(errors).toString('utf8') });
    });
  });
}

/**
 * Spawns one fresh `node` running the harness; resolves with its report and the wall time.
 * `viaShell` starts it under `/bin/sh` (see bench/memory.ts for why peak-memory runs need that).
 */
export async function runChild(args: string[], env: Record<string, string>, timeoutMs = 30_000, viaShell = false): Promise<ChildReport> {
  const run = await timedSpawn([CHILD, ...args], env, timeoutMs, true, viaShell);
  const line = run.stdout.split('\n').find((l) => l.startsWith('@@bench '));
  if (run.code !== 0 || !line) {
    throw new Error(`child ${args.join(' ')} exited ${run.code}: ${run.stderr.slice(-2000)}${run.stdout.slice(-1000)}`);
  }
  return { ...(JSON.parse(line.slice('@@bench '.length)) as Omit<ChildReport, 'wallMs'>), wallMs: run.wallMs };
}

/** Spawns `node <args>`; resolves with the wall time from spawn to exit seen by the parent. */
export async function runEval(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<number> {
  const run = await timedSpawn(args, env, timeoutMs, false);
  if (run.code !== 0) throw new Error(`node ${args.join(' ')} exited ${run.code ?? run.signal}: ${run.stderr.slice(-2000)}`);
  return run.wallMs;
}

/** The empty handler every ratio divides by (the same file for both methods). */
export function writeEmptyHandler(workDir: string): string {
  const emptyDir = join(workDir, 'empty');
  mkdirSync(emptyDir, { recursive: true });
  const emptyBundle = join(emptyDir, 'index.mjs');
  writeFileSync(emptyBundle, "export const handler = async () => ({ statusCode: 200, body: '{}' });\n");
  return emptyBundle;
}

/** The empty handler and the references run under the stack's shared defaults (NODE_OPTIONS, Powertools settings). */
export function sharedEnvironment(functions: ShippedFunction[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(functions[0]?.environment ?? {}).filter(([key]) => key === 'NODE_OPTIONS' || key.startsWith('POWERTOOLS_')),
  );
}

/**
 * One run of the subject and one of the empty handler, in random order, so load on the machine
 * that comes and goes hits both alike.
 */
export async function pairedRun<T>(runSubject: () => Promise<T>, runEmpty: () => Promise<T>): Promise<{ subject: T; empty: T }> {
  if (Math.random() < 0.5) {
    const empty = await runEmpty();
    return { empty, subject: await runSubject() };
  }
  const subject = await runSubject();
  return { subject, empty: await runEmpty() };
}
