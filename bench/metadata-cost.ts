/**
 * Metadata removal cost (run by bench/run.ts in its own process): stripMetadata on a 4 MiB JPEG
 * carrying EXIF (GPS, camera, thumbnail), XMP, IPTC, a comment and an ICC profile, against the
 * least any stored copy costs: `Buffer.from(bytes)`. Interleaved in random order per round,
 * medians. Prints one `@@bench {...}` line.
 *
 *   tsx bench/metadata-cost.ts '{"imageBytes":4194304,"rounds":300,"warmup":10}'
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { stripMetadata } from '../functions/core/image-metadata.ts';
import { median, ratio, round, shuffled } from './lib/stats';

interface Options {
  readonly imageBytes: number;
  readonly rounds: number;
  readonly warmup: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;

/** The metadata segments of the committed fixture (everything between SOI and the first DQT). */
function metadataSegments(): Buffer {
  const fixture = readFileSync(new URL('../test/fixtures/metadata/jpeg.jpg', import.meta.url));
  let offset = 2;
  while (fixture[offset + 1] !== 0xdb) offset += 2 + fixture.readUInt16BE(offset + 2);
  return fixture.subarray(2, offset);
}

/**
 * A photo-like JPEG of about `bytes`: noise pixels (which JPEG cannot shrink much), so the
 * entropy-coded data is as long and as full of 0xff bytes as a real photo's, then the fixture's
 * metadata segments spliced in after SOI.
 */
async function jpegOfSize(bytes: number): Promise<Buffer> {
  const width = 1024;
  const encode = (height: number) =>
    sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
  const probe = await encode(256);
  const height = Math.max(16, Math.round((256 * bytes) / probe.byteLength));
  const image = await encode(height);
  const segments = metadataSegments();
  return Buffer.concat([image.subarray(0, 2), segments, image.subarray(2)]);
}

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
