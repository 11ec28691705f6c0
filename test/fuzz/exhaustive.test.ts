import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { HttpError } from '../../functions/core/errors';
import { inspectImage } from '../../functions/core/formats/inspect';
import { ALLOWED_FORMATS } from '../../functions/core/formats/registry';
import { isAlternativeSignature, isWholeWhenCutTo, SAMPLES, SIGNATURE_BYTES } from './images';

/**
 * The deterministic complement of the random suite: every truncation point and every
 * single-byte signature change of every allowed sample, through the sniffer the upload path
 * uses. Random cases find the unexpected; this proves the whole finite space of these two.
 */
const LIMITS: Limits = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };

function verdict(bytes: Buffer): string {
  try {
    return `accepted as ${inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, LIMITS).format}`;
  } catch (error) {
    if (error instanceof HttpError) return `${error.statusCode} ${error.message}`;
    throw error;
  }
}

describe.each(ALLOWED_FORMATS)('%s sample', (format) => {
  const full = SAMPLES[format];

  it('is accepted whole', () => {
    expect(verdict(Buffer.from(full))).toBe(`accepted as ${format}`);
  });

  it(`is refused as "Invalid image format" when cut at any of its ${full.byteLength - 1} inner offsets (a GIF missing only its trailer aside)`, () => {
    const wrong: number[] = [];
    const whole: number[] = [];
    for (let length = 1; length < full.byteLength; length += 1) {
      // A copy, as a request body would be: nothing of the original lies beyond the cut.
      const answer = verdict(Buffer.from(full.subarray(0, length)));
      if (isWholeWhenCutTo(format, length)) whole.push(length);
      if (answer !== (isWholeWhenCutTo(format, length) ? `accepted as ${format}` : '400 Invalid image format')) wrong.push(length);
    }
    expect(wrong).toEqual([]);
    // Only the one cut that leaves every block whole is accepted, and only for GIF.
    expect(whole).toEqual(format === 'gif' ? [full.byteLength - 1] : []);
  });

  it('is refused when any signature byte takes any other value (GIF87a aside)', () => {
    const accepted: string[] = [];
    for (const offset of SIGNATURE_BYTES[format]) {
      for (let value = 0; value < 256; value += 1) {
        if (value === full[offset] || isAlternativeSignature(format, offset, value)) continue;
        const bytes = Buffer.from(full);
        bytes[offset] = value;
        if (verdict(bytes) !== '400 Invalid image format') accepted.push(`${offset}=0x${value.toString(16)}`);
      }
    }
    expect(accepted).toEqual([]);
  });
});

describe('large uploads (only the head and the tail are read)', () => {
  it('a PNG whose tail lacks the IEND chunk CRC is refused; with it, accepted', () => {
    const png = SAMPLES.png;
    const head = png.subarray(0, 64);
    expect(inspectImage({ head, tail: png.subarray(png.byteLength - 32), size: png.byteLength }, LIMITS).format).toBe('png');
    const cut = png.subarray(0, png.byteLength - 2);
    expect(() => inspectImage({ head, tail: cut.subarray(cut.byteLength - 32), size: cut.byteLength }, LIMITS)).toThrow('Invalid image format');
  });

  it('an AVIF followed by bytes that are no box is refused when the head shows it', () => {
    const file = Buffer.concat([SAMPLES.avif, Buffer.alloc(1000, 0xff)]);
    const sample = { head: file.subarray(0, 600), tail: file.subarray(file.byteLength - 100), size: file.byteLength };
    expect(() => inspectImage(sample, LIMITS)).toThrow('Invalid image format');
    const whole = { head: SAMPLES.avif.subarray(0, 300), tail: SAMPLES.avif.subarray(300), size: SAMPLES.avif.byteLength };
    expect(inspectImage(whole, LIMITS).format).toBe('avif');
  });
});
