import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lambdaEnvironment, representativeRequest, storageFixture } from './cold-start/fixtures';
import { type ChildReport, runChild } from './cold-start/processes';
import type { ShippedFunction } from './cold-start/synth';
import { bmpOfSize, uploadEvent } from './lib/images';
import { median, ratio, round, shuffled } from './lib/stats';

export interface MemoryOptions {
  readonly runs: number;
  readonly imageBytes: number;
  readonly workDir: string;
  readonly log: (message: string) => void;
}

/**
 * Peak memory of one big upload through the shipped UploadImage bundle, in fresh processes with
 * the storage stub: "idle" (bundle loaded, one small warm-up upload answered), "event" (idle,
 * then the big event read and parsed, as the runtime hands it over) and "upload" (event, then
 * answered). Each reports its peak RSS; the upload's cost is upload minus idle.
 */
export async function measureUploadMemory(fn: ShippedFunction, options: MemoryOptions) {
  const image = bmpOfSize(options.imageBytes);
  const bigEventFile = join(options.workDir, 'memory-event.json');
  writeFileSync(bigEventFile, JSON.stringify(uploadEvent(image).event));
  const invocation = join(options.workDir, 'memory.invocation.json');
  const warmup = representativeRequest(fn.name);
  writeFileSync(invocation, JSON.stringify({ event: warmup.event, fixture: storageFixture(), bigEventFile }));
  const env = lambdaEnvironment(fn.name, fn.environment);

  const modes = ['idle', 'event', 'upload'] as const;
  const samples: Record<(typeof modes)[number], ChildReport[]> = { idle: [], event: [], upload: [] };
  const failures: string[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    for (const mode of shuffled(modes)) {
      const report = await runMemoryChild([mode, fn.bundle, invocation], env);
      if (!warmup.expect(report.result)) failures.push(`${mode}: warm-up answered ${JSON.stringify(report.result).slice(0, 200)}`);
      if (mode === 'upload' && (report.bigResult as { statusCode?: number } | undefined)?.statusCode !== 201) {
        failures.push(`upload answered ${JSON.stringify(report.bigResult).slice(0, 300)}`);
      }
      samples[mode].push(report);
    }
  }
  options.log(`memory: ${options.runs} runs of each`);
  const peakMiB = (mode: (typeof modes)[number]) => median(samples[mode].map((r) => (r.maxRssKiB ?? Number.NaN) / 1024));
  const idle = peakMiB('idle');
  const event = peakMiB('event');
  const upload = peakMiB('upload');
  const imageMiB = image.byteLength / (1024 * 1024);
  return {
    function: fn.name,
    imageBytes: image.byteLength,
    runs: options.runs,
    idlePeakRssMiB: round(idle),
    eventPeakRssMiB: round(event),
    uploadPeakRssMiB: round(upload),
    /** What holding the event costs (the runtime's JSON and the base64 body string). */
    eventAboveIdleMiB: round(event - idle),
    uploadAboveIdleMiB: round(upload - idle),
    uploadAboveIdleToImage: ratio(upload - idle, imageMiB),
    handlerAboveEventToImage: ratio(upload - event, imageMiB),
    failures,
  };
}

/**
 * Runs one measuring child as a child of `/bin/sh` rather than of this process. Linux carries
 * the peak RSS that getrusage reports (maxRSS) across fork and exec, so a `node` spawned straight
 * from the bench reports at least the bench's own RSS at the time: once the bench process grows
 * past an idle handler (about 54 MiB), "idle" silently becomes the bench's size and part of the
 * upload's cost disappears from the difference. The shell is small, and `; exit $?` keeps it
 * from exec'ing node in its own place.
 */
function runMemoryChild(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<ChildReport> {
  return runChild(args, env, timeoutMs, true);
}
