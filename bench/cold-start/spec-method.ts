import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { median, ratio, round, shuffled } from '../lib/stats';
import type { ReferenceBundle } from './bundles';
import { lambdaEnvironment } from './fixtures';
import { pairedRun, runEval, sharedEnvironment, writeEmptyHandler } from './processes';
import type { ShippedFunction } from './synth';

/*
 * docs/performance.md's own method, beside the bare ESM entry (bare-entry.ts). docs/performance.md publishes "an
 * empty module loads in 58 ms; a handler importing only the DynamoDB client, 96 ms (x1.65);
 * S3 + presigner + DynamoDB, 110 ms (x1.94)". A fresh `node -e "import('<file url>')"`
 * reproduces those ratios here only when the process starts with NODE_EXTRA_CA_CERTS naming the
 * system CA bundle, as every shell of this workplace has it: reading that bundle at start adds
 * ~30 ms to every process, the empty one included, which is the published 58 ms against our ~25 ms,
 * and divides every ratio down. The entry form itself (eval or file, CommonJS or module eval)
 * moves the empty start by well under a millisecond; the controls below measure both claims in
 * every run. Lambda's nodejs20.x and later runtimes do not set NODE_EXTRA_CA_CERTS, so the bare
 * ESM entry is the closer one to Lambda and its targets stay the stricter ones.
 */

/** docs/performance.md's published figures (2026-11-26, 2 cores, Node 20, minified ESM bundles, median of 30). */
export const SPEC_PUBLISHED = {
  emptyModuleMs: 58,
  references: [
    { spec: 'a handler importing only the DynamoDB client', publishedMs: 96, publishedRatio: 1.65, reference: '(reference) DynamoDB client only', sameBundle: true },
    { spec: 'S3 + presigner + DynamoDB', publishedMs: 110, publishedRatio: 1.94, reference: '(reference) DynamoDB + S3 clients + presigner', sameBundle: true },
    // Same published figure, our bundle without the presigner: shows what the presigner adds.
    { spec: 'S3 + presigner + DynamoDB', publishedMs: 110, publishedRatio: 1.94, reference: '(reference) DynamoDB + S3 clients', sameBundle: false },
  ],
} as const;

const evalCommonJs = (url: string) => ['-e', `import(${JSON.stringify(url)})`];
const evalModule = (url: string) => ['--input-type=module', '-e', `await import(${JSON.stringify(url)})`];

/** The spec method and its two controls (each differs from it in one thing). */
export const EVAL_VARIANTS = {
  spec: {
    label: 'spec method',
    command: `node -e "import('<file url>')"`,
    extraCaCerts: true,
    args: evalCommonJs,
  },
  specModuleEntry: {
    label: 'control: spec method with a module eval entry',
    command: `node --input-type=module -e "await import('<file url>')"`,
    extraCaCerts: true,
    args: evalModule,
  },
  evalWithoutExtraCaCerts: {
    label: 'control: spec method without NODE_EXTRA_CA_CERTS',
    command: `node -e "import('<file url>')"`,
    extraCaCerts: false,
    args: evalCommonJs,
  },
} as const;
type EvalVariant = keyof typeof EVAL_VARIANTS;

/** The CA bundle the spec method starts with: this process's NODE_EXTRA_CA_CERTS, else the system bundle. */
export function extraCaCerts(): { path: string; source: string; bytes: number; certificates: number } | undefined {
  const fromEnvironment = process.env.NODE_EXTRA_CA_CERTS;
  const path = fromEnvironment && existsSync(fromEnvironment) ? fromEnvironment : '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  return {
    path,
    source: path === fromEnvironment ? 'NODE_EXTRA_CA_CERTS of the bench process' : 'system CA bundle (the bench process has no NODE_EXTRA_CA_CERTS)',
    bytes: Buffer.byteLength(text),
    certificates: text.split('-----BEGIN CERTIFICATE-----').length - 1,
  };
}

export interface SpecColdStartOptions {
  readonly rounds: number;
  readonly references: ReferenceBundle[];
  readonly workDir: string;
  readonly log: (message: string) => void;
}

/**
 * docs/performance.md's method: each function bundle and reference in a fresh `node -e "import(url)"`,
 * wall time from the parent, each run paired with a run of the empty handler under the same
 * method (random order within the pair, pairs in a new random order each round), with the
 * environment of the bare method plus NODE_EXTRA_CA_CERTS. The controls run only the empty
 * handler and the two published reference bundles (docs/performance.md).
 */
export async function measureSpecColdStarts(functions: ShippedFunction[], options: SpecColdStartOptions) {
  const ca = extraCaCerts();
  const emptyBundle = writeEmptyHandler(options.workDir);
  const sharedEnv = lambdaEnvironment('empty', sharedEnvironment(functions));
  interface EvalSubject {
    readonly name: string;
    readonly bundle: string;
    readonly env: Record<string, string>;
  }
  const empty: EvalSubject = { name: '(empty handler)', bundle: emptyBundle, env: sharedEnv };
  const subjects: EvalSubject[] = [
    ...functions.map((fn) => ({ name: fn.name, bundle: fn.bundle, env: lambdaEnvironment(fn.name, fn.environment) })),
    ...options.references.map((reference) => ({ name: reference.name, bundle: reference.bundle, env: sharedEnv })),
  ];
  const calibrationNames = new Set<string>(SPEC_PUBLISHED.references.filter((r) => r.sameBundle).map((r) => r.reference));
  const controls = subjects.filter((s) => calibrationNames.has(s.name));

  const run = (subject: EvalSubject, variant: EvalVariant): Promise<number> => {
    const { args, extraCaCerts: withCa } = EVAL_VARIANTS[variant];
    const env = withCa && ca ? { ...subject.env, NODE_EXTRA_CA_CERTS: ca.path } : subject.env;
    return runEval(args(pathToFileURL(subject.bundle).href), env);
  };
  const pairs = new Map<string, Array<{ subject: number; empty: number }>>();
  for (let r = 0; r < options.rounds; r += 1) {
    const jobs = shuffled([
      ...subjects.map((subject) => ({ subject, variant: 'spec' as EvalVariant })),
      ...controls.flatMap((subject) => (['specModuleEntry', 'evalWithoutExtraCaCerts'] as EvalVariant[]).map((variant) => ({ subject, variant }))),
    ]);
    for (const { subject, variant } of jobs) {
      const pair = await pairedRun(() => run(subject, variant), () => run(empty, variant));
      const key = `${variant}|${subject.name}`;
      pairs.set(key, [...(pairs.get(key) ?? []), pair]);
    }
    options.log(`cold start, spec method: round ${r + 1}/${options.rounds}`);
  }

  const summary = (variant: EvalVariant, name: string) => {
    const ps = pairs.get(`${variant}|${name}`) ?? [];
    const wallMs = round(median(ps.map((p) => p.subject)));
    const pairedEmptyWallMs = round(median(ps.map((p) => p.empty)));
    return {
      wallMs,
      pairedEmptyWallMs,
      ratio: ratio(wallMs, pairedEmptyWallMs),
      medianOfPairRatios: round(median(ps.map((p) => p.subject / p.empty))),
      runs: ps.length,
    };
  };
  const emptyOf = (variant: EvalVariant) => {
    const runs = [...pairs.entries()].filter(([key]) => key.startsWith(`${variant}|`)).flatMap(([, ps]) => ps.map((p) => p.empty));
    return { wallMs: round(median(runs)), runs: runs.length };
  };
  const describe = (variant: EvalVariant) => ({
    label: EVAL_VARIANTS[variant].label,
    command: EVAL_VARIANTS[variant].command,
    nodeExtraCaCerts: EVAL_VARIANTS[variant].extraCaCerts ? (ca?.path ?? null) : null,
  });
  return {
    spec: {
      ...describe('spec'),
      extraCaCerts: ca ?? null,
      rounds: options.rounds,
      emptyHandler: emptyOf('spec'),
      functions: functions.map((fn) => ({ name: fn.name, bundleBytes: fn.bundleBytes, load: summary('spec', fn.name) })),
      references: options.references.map((reference) => ({ name: reference.name, bundleBytes: reference.bundleBytes, load: summary('spec', reference.name) })),
    },
    controls: Object.fromEntries(
      (['specModuleEntry', 'evalWithoutExtraCaCerts'] as const).map((variant) => [
        variant,
        {
          ...describe(variant),
          emptyHandler: emptyOf(variant),
          references: controls.map((subject) => ({ name: subject.name, load: summary(variant, subject.name) })),
        },
      ]),
    ) as Record<'specModuleEntry' | 'evalWithoutExtraCaCerts', { label: string; command: string; nodeExtraCaCerts: string | null; emptyHandler: { wallMs: number; runs: number }; references: Array<{ name: string; load: ReturnType<typeof summary> }> }>,
  };
}
