import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, ratio, round, shuffled } from '../lib/stats';
import type { ReferenceBundle } from './bundles';
import { lambdaEnvironment, representativeRequest, storageFixture } from './fixtures';
import { type ChildReport, pairedRun, runChild, sharedEnvironment, writeEmptyHandler } from './processes';
import type { ShippedFunction } from './synth';

export type Mode = 'load' | 'first' | 'loadWithoutSourceMaps';

interface Subject {
  readonly name: string;
  readonly bundle: string;
  readonly env: Record<string, string>;
  readonly invocation: string;
  readonly expect: (result: any) => boolean;
  /** Reference handlers are only loaded. */
  readonly loadOnly?: boolean;
}

export interface ColdStartOptions {
  readonly rounds: number;
  readonly modes: readonly Mode[];
  readonly references: ReferenceBundle[];
  readonly workDir: string;
  readonly log: (message: string) => void;
}

/** One measurement of a subject and the empty-handler run paired with it. */
interface Pair {
  readonly subject: ChildReport;
  readonly empty: ChildReport;
}

/**
 * Fresh-process timings, interleaved and paired: every round runs each function (and reference)
 * in every mode in a new random order, each run next to a run of the empty handler in the same
 * mode (which of the two goes first is random), so load on the machine that comes and goes hits
 * both alike. `ratio` is the definition: the function's median over the median of its
 * paired empty-handler runs; `medianOfPairRatios` is beside it as a check.
 */
export async function measureColdStarts(functions: ShippedFunction[], options: ColdStartOptions) {
  const emptyBundle = writeEmptyHandler(options.workDir);
  const fixture = storageFixture();
  const shared = sharedEnvironment(functions);

  const subjectFor = (name: string, bundle: string, env: Record<string, string>, request: { event: unknown; expect: (r: any) => boolean }): Subject => {
    const invocation = join(options.workDir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}.invocation.json`);
    writeFileSync(invocation, JSON.stringify({ event: request.event, fixture }));
    return { name, bundle, env, invocation, expect: request.expect };
  };
  const empty = subjectFor('(empty handler)', emptyBundle, lambdaEnvironment('empty', shared), { event: {}, expect: (r) => r?.statusCode === 200 });
  const subjects: Subject[] = functions.map((fn) =>
    subjectFor(fn.name, fn.bundle, lambdaEnvironment(fn.name, fn.environment), representativeRequest(fn.name)),
  );
  for (const reference of options.references) {
    subjects.push({ ...empty, name: reference.name, bundle: reference.bundle, loadOnly: true });
  }

  const failures: string[] = [];
  const run = async (subject: Subject, mode: Mode): Promise<ChildReport> => {
    const env = { ...subject.env };
    if (mode === 'loadWithoutSourceMaps') delete env.NODE_OPTIONS;
    const args = mode === 'first' ? ['first', subject.bundle, subject.invocation] : ['load', subject.bundle];
    const report = await runChild(args, env);
    if (mode === 'first' && !subject.expect(report.result)) {
      failures.push(`${subject.name}: unexpected first response ${JSON.stringify(report.result).slice(0, 300)}`);
    }
    return report;
  };

  const pairs = new Map<string, Pair[]>();
  for (let r = 0; r < options.rounds; r += 1) {
    const jobs = shuffled(
      subjects.flatMap((subject) => (subject.loadOnly ? (['load'] as Mode[]) : options.modes).map((mode) => ({ subject, mode }))),
    );
    for (const { subject, mode } of jobs) {
      const pair: Pair = await pairedRun(() => run(subject, mode), () => run(empty, mode));
      const key = `${subject.name}|${mode}`;
      pairs.set(key, [...(pairs.get(key) ?? []), pair]);
    }
    options.log(`cold start: round ${r + 1}/${options.rounds}`);
  }

  type Field = 'wallMs' | 'importMs' | 'loadedSinceStartMs' | 'firstRequestMs' | 'answeredSinceStartMs';
  const of = (name: string, mode: Mode) => pairs.get(`${name}|${mode}`) ?? [];
  const med = (name: string, mode: Mode, field: Field, side: keyof Pair = 'subject') =>
    round(median(of(name, mode).map((p) => Number(p[side][field]))));
  /** Median of the per-pair ratios subject / empty handler. */
  const pairedRatio = (name: string, mode: Mode, field: Field) =>
    round(median(of(name, mode).map((p) => Number(p.subject[field]) / Number(p.empty[field]))));
  const allEmpty = (mode: Mode, field: Field) =>
    round(median([...pairs.entries()].filter(([key]) => key.endsWith(`|${mode}`)).flatMap(([, ps]) => ps.map((p) => Number(p.empty[field])))));

  const emptyHandler = Object.fromEntries(
    options.modes.map((mode) => [
      mode,
      {
        wallMs: allEmpty(mode, 'wallMs'),
        [mode === 'first' ? 'answeredSinceStartMs' : 'loadedSinceStartMs']: allEmpty(mode, mode === 'first' ? 'answeredSinceStartMs' : 'loadedSinceStartMs'),
        runs: [...pairs.entries()].filter(([key]) => key.endsWith(`|${mode}`)).reduce((n, [, ps]) => n + ps.length, 0),
      },
    ]),
  );
  /** Wall time against the paired empty-handler runs: the figures every mode reports first. */
  const wall = (name: string, mode: Mode) => {
    const wallMs = med(name, mode, 'wallMs');
    const pairedEmptyWallMs = med(name, mode, 'wallMs', 'empty');
    return { wallMs, pairedEmptyWallMs, ratio: ratio(wallMs, pairedEmptyWallMs) };
  };
  const load = (name: string) => ({
    ...wall(name, 'load'),
    medianOfPairRatios: pairedRatio(name, 'load', 'wallMs'),
    importMs: med(name, 'load', 'importMs'),
    loadedSinceStartMs: med(name, 'load', 'loadedSinceStartMs'),
    ratioInChild: pairedRatio(name, 'load', 'loadedSinceStartMs'),
  });
  const perFunction = functions.map((fn) => ({
    name: fn.name,
    logicalId: fn.logicalId,
    entry: `functions/${fn.file}.ts`,
    bundleBytes: fn.bundleBytes,
    sourceMapBytes: fn.sourceMapBytes,
    runs: of(fn.name, 'load').length,
    load: load(fn.name),
    ...(options.modes.includes('first')
      ? {
          loadAndFirstRequest: {
            ...wall(fn.name, 'first'),
            medianOfPairRatios: pairedRatio(fn.name, 'first', 'wallMs'),
            importMs: med(fn.name, 'first', 'importMs'),
            firstRequestMs: med(fn.name, 'first', 'firstRequestMs'),
            answeredSinceStartMs: med(fn.name, 'first', 'answeredSinceStartMs'),
            ratioInChild: pairedRatio(fn.name, 'first', 'answeredSinceStartMs'),
          },
        }
      : {}),
    ...(options.modes.includes('loadWithoutSourceMaps')
      ? { loadWithoutSourceMaps: wall(fn.name, 'loadWithoutSourceMaps') }
      : {}),
  }));
  const references = options.references.map((reference) => ({
    name: reference.name,
    bundleBytes: reference.bundleBytes,
    runs: of(reference.name, 'load').length,
    load: load(reference.name),
  }));
  return { emptyHandler, references, functions: perFunction, failures };
}
