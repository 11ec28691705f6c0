import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: removes, once every test file has run, the cloud assemblies this run's
 * synths left in the temp directory. A CDK `App` without an `outdir` synthesizes into a new
 * `cdk.outXXXXXX` there and never removes it; the infra, platform and bench-floor tests make
 * about 120 of them (3 GB) per run, enough to fill a disk over a day of runs. Only directories
 * made since this run started are removed, so another run's are left alone.
 */
export default function setup(): () => void {
  const startedMs = Date.now() - 1000;
  return () => {
    const dir = tmpdir();
    for (const name of readdirSync(dir)) {
      if (!name.startsWith('cdk.out')) continue;
      const path = join(dir, name);
      try {
        if (statSync(path).birthtimeMs >= startedMs) rmSync(path, { recursive: true, force: true });
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  };
}
