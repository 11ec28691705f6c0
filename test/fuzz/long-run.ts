/**
 * `npm run fuzz`: the fuzz suite's properties for minutes instead of seconds, before a release.
 * Same generators and checks as test/fuzz/upload.fuzz.test.ts; runs rounds of every property
 * (round r uses seed + r) until the time is up, then writes bench/results/fuzz.json.
 *
 *   npm run fuzz                      # 240 s
 *   npm run fuzz -- --duration 600    # or FUZZ_SECONDS=600
 *   FUZZ_SEED=123 npm run fuzz        # replay a run's rounds
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { logger } from '../../functions/runtime/logger';
import { FuzzHarness } from './harness';
import { PROPERTIES, runsFor } from './properties';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Refusals are the point here; their info logs would drown the progress lines.
logger.setLogLevel('SILENT');

function seconds(): number {
  const flag = process.argv.indexOf('--duration');
  const raw = flag >= 0 ? process.argv[flag + 1] : process.env.FUZZ_SECONDS;
  const value = raw === undefined ? 240 : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--duration must be a positive number of seconds, got ${raw}`);
  return value;
}

interface Failure {
  readonly property: string;
  readonly seed: number;
  readonly path: string | undefined;
  readonly counterexample: string;
  readonly error: string;
}

async function main(): Promise<void> {
  const durationS = seconds();
  const seedText = process.env.FUZZ_SEED;
  const seed = seedText ? Number(seedText) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const roundCases = 2_000;
  console.log(`fuzz long run: seed ${seed}, ${durationS} s, rounds of ${roundCases} cases`);

  const harness = await FuzzHarness.start();
  const started = Date.now();
  const deadline = started + durationS * 1000;
  const byProperty = new Map<string, number>(PROPERTIES.map((p) => [p.name, 0]));
  const failures: Failure[] = [];
  let cases = 0;
  let rounds = 0;
  try {
    while (Date.now() < deadline) {
      const roundSeed = (seed + rounds) | 0;
      const runs = runsFor(roundCases);
      for (const [index, p] of PROPERTIES.entries()) {
        const details = await fc.check(p.property(harness), { seed: roundSeed, numRuns: runs[index], endOnFailure: true });
        cases += details.numRuns;
        byProperty.set(p.name, (byProperty.get(p.name) ?? 0) + details.numRuns);
        if (details.failed) {
          failures.push({
            property: p.name,
            seed: roundSeed,
            path: details.counterexamplePath ?? undefined,
            counterexample: fc.stringify(details.counterexample).slice(0, 2_000),
            error: String(details.errorInstance).slice(0, 2_000),
          });
          console.error(`FAILED ${p.name} (seed ${roundSeed}, path ${details.counterexamplePath}):\n${String(details.errorInstance)}`);
        }
        // What the round stored must be gone: refusals write nothing, every 201 was removed.
        try {
          await harness.assertNothingStored();
        } catch (error) {
          failures.push({ property: `${p.name} (storage empty afterwards)`, seed: roundSeed, path: undefined, counterexample: '', error: String(error) });
          throw error;
        }
      }
      rounds += 1;
      console.log(`  ${Math.round((Date.now() - started) / 1000)} s: ${cases} cases, ${failures.length} failures`);
    }
  } finally {
    await harness.stop();
  }

  const result = {
    seed,
    cases,
    failures: failures.length,
    duration_s: Math.round((Date.now() - started) / 100) / 10,
    date: new Date().toISOString(),
    rounds,
    cases_by_property: Object.fromEntries(byProperty),
    failure_details: failures,
  };
  mkdirSync(new URL('../../docs/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../../bench/results/fuzz.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify({ seed, cases, failures: failures.length, duration_s: result.duration_s, date: result.date }));
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
