/**
 * Metadata removal cost (run by bench/run.ts in its own process): stripMetadata on a 4 MiB JPEG
 * carrying EXIF (GPS, camera, thumbnail), XMP, IPTC, a comment and an ICC profile, against the
 * least any stored copy costs: `Buffer.from(bytes)`. Interleaved in random order per round,
 * medians. Prints one `@@bench {...}` line.
 *
 *   tsx bench/metadata-cost.ts '{"imageBytes":4194304,"rounds":300,"warmup":10}'
 */
import { stripMetadata } from '../functions/core/formats/dispatch.ts';
import { jpegOfSize } from './lib/photo';
import { median, ratio, round, shuffled } from './lib/stats';

interface Options {
  readonly imageBytes: number;
  readonly rounds: number;
  readonly warmup: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;

const image = await jpegOfSize(options.imageBytes);
const once = stripMetadata('jpeg', image);
const strippedBytes = Buffer.from(once.bytes.buffer, once.bytes.byteOffset, once.bytes.byteLength);
const checks = {
  orientationKept: once.orientation === 6,
  metadataGone: !strippedBytes.includes('PlantedMake') && !strippedBytes.includes('<x:xmpmeta') && !strippedBytes.includes('PlantedComment'),
  endsWithEoi: strippedBytes.readUInt16BE(strippedBytes.byteLength - 2) === 0xffd9,
};

type Method = 'copy' | 'strip';
let sink = 0;
function timed(method: Method): number {
  const start = process.hrtime.bigint();
  const out = method === 'copy' ? Buffer.from(image) : stripMetadata('jpeg', image).bytes;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  sink += out.byteLength;
  return ms;
}

const samples: Record<Method, number[]> = { copy: [], strip: [] };
for (let i = 0; i < options.warmup + options.rounds; i += 1) {
  for (const method of shuffled<Method>(['copy', 'strip'])) {
    const ms = timed(method);
    if (i >= options.warmup) samples[method].push(ms);
  }
}
const copyMs = median(samples.copy);
const stripMs = median(samples.strip);
const report = {
  imageBytes: image.byteLength,
  strippedBytes: strippedBytes.byteLength,
  removedBytes: once.removedBytes,
  rounds: samples.strip.length,
  copyMs: round(copyMs, 3),
  stripMs: round(stripMs, 3),
  stripToCopy: ratio(stripMs, copyMs),
  checks,
};
if (sink === 0) throw new Error('nothing was produced');
process.stdout.write(`\n@@bench ${JSON.stringify(report)}\n`);
process.exit(0);
