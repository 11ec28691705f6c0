import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FuzzHarness } from './harness';
import { fuzzSettings, PROPERTIES, runsFor } from './properties';

/**
 * Property/fuzz suite against the upload path (docs/security-and-reliability.md): at least 5,000 generated cases per run,
 * seeded. The seed is printed; replay a failure with
 *   FUZZ_SEED=<seed> [FUZZ_PATH=<path>] [FUZZ_RUNS=<n>] npx vitest run test/fuzz -t "<property>"
 * Every refusal is a 4xx in the envelope with no write attempted; every 201 stored exactly the
 * bytes sent; after each property the bucket and the images table are empty again.
 */
const { seed, total, path } = fuzzSettings(5_200);
const runs = runsFor(total);

let harness: FuzzHarness;
beforeAll(async () => {
  console.log(`fuzz: seed ${seed}, ${total} cases (replay with FUZZ_SEED=${seed})`);
  harness = await FuzzHarness.start();
});
afterAll(async () => {
  await harness.stop();
});

describe(`upload fuzzing (seed ${seed})`, () => {
  it('runs at least 5,000 cases unless FUZZ_RUNS asks for fewer', () => {
    const sum = runs.reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThanOrEqual(process.env.FUZZ_RUNS ? total - PROPERTIES.length : 5_000);
  });

  PROPERTIES.forEach((p, index) => {
    it(p.name, async () => {
      await harness.assertNothingStored();
      await fc.assert(p.property(harness), { seed, path, numRuns: runs[index], endOnFailure: true });
      await harness.assertNothingStored();
    }, 120_000);
  });
});
