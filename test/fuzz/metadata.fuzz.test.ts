import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { HttpError } from '../../functions/core/errors';
import { isStructurallySound, MAX_METADATA_GROWTH, stripMetadata } from '../../functions/core/formats/dispatch';
import { type ImageInfo, inspectImage } from '../../functions/core/formats/inspect';
import { ALLOWED_FORMATS, type ImageFormat } from '../../functions/core/formats/registry';
import { METADATA_FIXTURES, metadataFixture } from '../support/metadata-fixtures';
import { SAMPLES } from './images';
import { fuzzSettings } from './properties';

/**
 * The metadata walks under hostile bytes (pure, no API): every fixture with metadata and every
 * plain sample, mutated (truncated, bytes changed, length fields overwritten, bytes inserted,
 * removed or duplicated). For any input: either a 4xx HttpError or a result; a result is never
 * longer than the input plus a minimal EXIF, stripping it again gives the same bytes, and when
 * the sniffer accepted the input it accepts the output as the same image. Replay a failure with
 *   FUZZ_SEED=<seed> [FUZZ_PATH=<path>] npx vitest run test/fuzz/metadata.fuzz.test.ts
 */
const { seed, path } = fuzzSettings(5_000);
const RUNS = Number(process.env.METADATA_FUZZ_RUNS ?? 6_000);
const LIMITS: Limits = { maxImageBytes: DEFAULTS.maxLargeImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };

interface Base {
  readonly label: string;
  readonly format: ImageFormat;
  readonly bytes: Buffer;
}

const BASES: readonly Base[] = [
  ...METADATA_FIXTURES.map((f) => ({ label: f.file, format: f.format, bytes: metadataFixture(f.file) })),
  ...ALLOWED_FORMATS.map((format) => ({ label: `sample ${format}`, format, bytes: SAMPLES[format] })),
];

function verdict(bytes: Buffer): ImageInfo | undefined {
  try {
    return inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, LIMITS);
  } catch (error) {
    if (error instanceof HttpError && error.statusCode < 500) return undefined;
    throw error;
  }
}

function jpegStructureSound(bytes: Buffer): boolean {
  return isStructurallySound('jpeg', { head: bytes, tail: bytes, size: bytes.byteLength });
}

/** The property every input must satisfy; returns what happened, for the distribution check. */
function check(format: ImageFormat, bytes: Buffer, label: string): 'stripped' | 'refused' {
  const copy = Buffer.from(bytes);
  let result: ReturnType<typeof stripMetadata>;
  try {
    result = stripMetadata(format, bytes);
  } catch (error) {
    assert.ok(error instanceof HttpError, `${label}: threw ${String(error)}`);
    assert.ok(error.statusCode >= 400 && error.statusCode < 500, `${label}: status ${error.statusCode}`);
    assert.ok(bytes.equals(copy), `${label}: the input was modified`);
    // In place, the same refusal, and the owned bytes are left as they were.
    const owned = Buffer.from(bytes);
    assert.throws(() => stripMetadata(format, owned, { overwriteInput: true }), HttpError, `${label}: refused only when copying`);
    assert.ok(owned.equals(copy), `${label}: a refused in-place walk wrote over its input`);
    if (format === 'jpeg') assert.equal(jpegStructureSound(bytes), false, `${label}: the metadata walk refused a JPEG the structure check accepts`);
    return 'refused';
  }
  const out = Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
  assert.ok(bytes.equals(copy), `${label}: the input was modified`);
  // One JPEG marker walk serves both the structure check and the strip (checkAndStrip): same verdicts.
  if (format === 'jpeg') assert.equal(jpegStructureSound(bytes), true, `${label}: the metadata walk accepted a JPEG the structure check refuses`);
  assert.ok(out.byteLength <= bytes.byteLength + MAX_METADATA_GROWTH, `${label}: grew from ${bytes.byteLength} to ${out.byteLength}`);
  assert.equal(result.removedBytes, bytes.byteLength - out.byteLength, label);
  assert.ok(result.orientation >= 1 && result.orientation <= 8, `${label}: orientation ${result.orientation}`);
  // In place (the upload handler's mode): the same file and orientation, written over an owned copy.
  const inPlace = stripMetadata(format, Buffer.from(bytes), { overwriteInput: true });
  assert.ok(Buffer.from(inPlace.bytes).equals(out), `${label}: in place gave other bytes`);
  assert.equal(inPlace.orientation, result.orientation, `${label}: in place gave another orientation`);
  const again = stripMetadata(format, out);
  assert.ok(Buffer.from(again.bytes).equals(out), `${label}: stripping twice changed the bytes`);
  assert.equal(again.orientation, result.orientation, `${label}: stripping twice changed the orientation`);
  const before = verdict(bytes);
  if (before && before.format === format) assert.deepEqual(verdict(out), before, `${label}: the sniffer accepted the input but not the output`);
  return 'stripped';
}

const base = fc.constantFrom(...BASES);
const INTERESTING = [0, 1, 2, 7, 8, 12, 0xff, 0xffff, 0x7fffffff, 0xffffffff];

type Mutation = (bytes: Buffer) => Buffer;

/** One mutation at a position given as a fraction of the current length (so it lands inside whatever is left). */
const mutation: fc.Arbitrary<{ label: string; apply: Mutation }> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((f) => ({
    label: `truncate@${f.toFixed(3)}`,
    apply: (b: Buffer) => b.subarray(0, Math.floor(b.byteLength * f)),
  })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })).map(([f, v]) => ({
    label: `byte@${f.toFixed(3)}=${v}`,
    apply: (b: Buffer) => {
      const c = Buffer.from(b);
      if (c.byteLength > 0) c[Math.min(c.byteLength - 1, Math.floor(c.byteLength * f))] = v;
      return c;
    },
  })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...INTERESTING), fc.boolean(), fc.constantFrom(2, 4)).map(([f, v, le, width]) => ({
    label: `u${width * 8}${le ? 'le' : 'be'}@${f.toFixed(3)}=${v}`,
    apply: (b: Buffer) => {
      const c = Buffer.from(b);
      const at = Math.floor(Math.max(0, c.byteLength - width) * f);
      if (c.byteLength < width) return c;
      const value = width === 2 ? v & 0xffff : v >>> 0;
      if (width === 2) le ? c.writeUInt16LE(value, at) : c.writeUInt16BE(value, at);
      else le ? c.writeUInt32LE(value, at) : c.writeUInt32BE(value, at);
      return c;
    },
  })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([f, extra]) => ({
    label: `insert@${f.toFixed(3)}+${extra.byteLength}`,
    apply: (b: Buffer) => {
      const at = Math.floor(b.byteLength * f);
      return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
    },
  })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 600 })).map(([f, n]) => ({
    label: `delete@${f.toFixed(3)}-${n}`,
    apply: (b: Buffer) => {
      const at = Math.floor(b.byteLength * f);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
    },
  })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 400 })).map(([f, g, n]) => ({
    label: `duplicate@${f.toFixed(3)}->${g.toFixed(3)}x${n}`,
    apply: (b: Buffer) => {
      const from = Math.floor(b.byteLength * f);
      const to = Math.floor(b.byteLength * g);
      return Buffer.concat([b.subarray(0, to), b.subarray(from, from + n), b.subarray(to)]);
    },
  })),
);

describe(`metadata removal under mutation (seed ${seed})`, () => {
  it(`holds its properties over ${RUNS} mutated files of every format`, () => {
    const outcomes = { stripped: 0, refused: 0 };
    fc.assert(
      fc.property(base, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.option(fc.constantFrom(...ALLOWED_FORMATS), { freq: 8 }), (b, mutations, wrongFormat) => {
        const bytes = mutations.reduce((acc, m) => m.apply(acc), b.bytes);
        const format = wrongFormat ?? b.format;
        outcomes[check(format, bytes, `${b.label} as ${format} after ${mutations.map((m) => m.label).join(', ')}`)] += 1;
      }),
      { seed, path, numRuns: RUNS, endOnFailure: true },
    );
    // Both sides were exercised: mutations that keep a file strippable and ones that break it.
    expect(outcomes.stripped).toBeGreaterThan(RUNS / 10);
    expect(outcomes.refused).toBeGreaterThan(RUNS / 10);
  }, 120_000);

  it.each(BASES.map((b) => [b.label, b] as const))('%s: every truncation is refused or stripped safely, and the whole file strips', (label, b) => {
    for (let length = 0; length < b.bytes.byteLength; length += 1) {
      // A copy, as a request body would be: nothing of the original lies beyond the cut.
      check(b.format, Buffer.from(b.bytes.subarray(0, length)), `${label} cut to ${length}`);
    }
    expect(check(b.format, b.bytes, label)).toBe('stripped');
  }, 120_000);
});
