import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { PayloadTooLargeError } from '../../functions/core/errors';
import { inspectImage } from '../../functions/core/formats/inspect';
import { prepareForPublishing } from '../../functions/core/published-image';
import { fixture } from './support/fakes';

/**
 * Width and height as displayed where the header image-size reads does not say it
 * (docs/metadata.md): an AVIF's clean aperture, held to what libheif (libvips, sharp, and so
 * Imager's transforms) decodes from the same bytes; an OS/2 bitmap's 16-bit sides.
 */
const LIMITS: Limits = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.byteLength, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function u32s(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeInt32BE(v | 0, i * 4));
  return out;
}

/** A clap property: width N/D, height N/D, horizontal offset N/D, vertical offset N/D. */
function clap(wN: number, wD: number, hN: number, hD: number, xN: number, xD: number, yN: number, yD: number): Buffer {
  return box('clap', u32s(wN, wD, hN, hD, xN, xD, yN, yD));
}

const irot = (angle: number) => box('irot', Buffer.from([angle]));

interface RawBox {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

function children(bytes: Buffer, from: number, to: number): RawBox[] {
  const boxes: RawBox[] = [];
  for (let at = from; at < to; ) {
    const size = bytes.readUInt32BE(at);
    boxes.push({ type: bytes.toString('latin1', at + 4, at + 8), start: at, end: at + size });
    at += size;
  }
  return boxes;
}

/**
 * test/fixtures/sample.avif (64x48, written by sharp) with `properties` added to its primary
 * item, after the ones it has (transformative properties come last, in clap, irot, imir order).
 * The meta box grows, so mdat moves and the one iloc extent offset is moved with it.
 */
function sampleAvifWith(properties: readonly Buffer[]): Buffer {
  const input = fixture('sample.avif');
  const top = children(input, 0, input.byteLength);
  const meta = top.find((b) => b.type === 'meta')!;
  const parts = children(input, meta.start + 12, meta.end);
  const grown = properties.reduce((sum, p) => sum + p.byteLength, 0) + properties.length;
  const rebuilt = parts.map((part) => {
    const bytes = Buffer.from(input.subarray(part.start, part.end));
    if (part.type === 'iloc') {
      // version 0, offset and length sizes 4, no base offset: one item with one extent.
      expect(bytes.readUInt16BE(14)).toBe(1);
      bytes.writeUInt32BE(bytes.readUInt32BE(bytes.byteLength - 8) + grown, bytes.byteLength - 8);
      return bytes;
    }
    if (part.type !== 'iprp') return bytes;
    const [ipco, ipma] = children(input, part.start + 8, part.end);
    const existing = children(input, ipco.start + 8, ipco.end).length;
    const newIpco = box('ipco', input.subarray(ipco.start + 8, ipco.end), ...properties);
    const entry = input.subarray(ipma.start + 16, ipma.end); // item ID, count, associations (version 0, one entry)
    const count = entry[2];
    const added = properties.map((_, i) => 0x80 | (existing + 1 + i));
    const newEntry = Buffer.concat([entry.subarray(0, 2), Buffer.from([count + properties.length]), entry.subarray(3), Buffer.from(added)]);
    const newIpma = box('ipma', input.subarray(ipma.start + 8, ipma.start + 16), newEntry);
    return box('iprp', newIpco, newIpma);
  });
  const newMeta = box('meta', input.subarray(meta.start + 8, meta.start + 12), ...rebuilt);
  expect(newMeta.byteLength - (meta.end - meta.start)).toBe(grown);
  return Buffer.concat([input.subarray(0, meta.start), newMeta, input.subarray(meta.end)]);
}

async function libheifSize(bytes: Buffer): Promise<{ width: number; height: number }> {
  const { info } = await sharp(bytes).rotate().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
}

describe('AVIF: the clean aperture (clap) and rotation, as libheif shows them', () => {
  it.each([
    ['centred, cutting rows off top and bottom (as Chimera_8bit_cropped_480x256.avif does)', [clap(64, 1, 34, 1, 0, 2, 0, 2)], { width: 64, height: 34 }],
    ['off centre, with fractions to round', [clap(33, 1, 21, 1, 5, 2, -3, 2)], { width: 33, height: 21 }],
    ['at the top left corner', [clap(32, 1, 24, 1, -16, 1, -12, 1)], { width: 32, height: 24 }],
    ['then turned a quarter (irot after clap)', [clap(33, 1, 21, 1, 0, 1, 0, 1), irot(1)], { width: 21, height: 33 }],
  ])('%s', async (_name, properties, shown) => {
    const file = sampleAvifWith(properties);
    expect(prepareForPublishing(Buffer.from(file), LIMITS)).toMatchObject({ format: 'avif', ...shown });
    expect(await libheifSize(file)).toEqual(shown);
  });

  it.each([
    ['fractions that are no fractions (a zero denominator)', clap(32, 0, 24, 1, 0, 1, 0, 1)],
    ['a rectangle larger than the image (libheif refuses to decode it; Chrome shows the whole image)', clap(100, 1, 100, 1, 0, 1, 0, 1)],
  ])('reports the whole image for a clap with %s', (_name, property) => {
    const file = sampleAvifWith([property]);
    expect(prepareForPublishing(Buffer.from(file), LIMITS)).toMatchObject({ width: 64, height: 48 });
  });

  it('counts the uncropped image against the pixel limit: a decoder allocates all of it', () => {
    const file = sampleAvifWith([clap(8, 1, 6, 1, 0, 1, 0, 1)]);
    expect(inspectImage({ head: file, tail: file, size: file.byteLength }, { ...LIMITS, maxPixels: 64 * 48 })).toMatchObject({ width: 8, height: 6 });
    expect(() => inspectImage({ head: file, tail: file, size: file.byteLength }, { ...LIMITS, maxPixels: 64 * 48 - 1 })).toThrow(PayloadTooLargeError);
    expect(() => inspectImage({ head: file, tail: file, size: file.byteLength }, { ...LIMITS, maxPixels: 64 * 48 - 1 })).toThrow('Image is 64x48 pixels');
  });

  it('keeps the clap and the pixels through metadata removal (libheif shows the stored file the same)', async () => {
    const file = sampleAvifWith([clap(33, 1, 21, 1, 5, 2, -3, 2)]);
    const stored = Buffer.from(prepareForPublishing(Buffer.from(file), LIMITS).bytes);
    expect(await libheifSize(stored)).toEqual({ width: 33, height: 21 });
    const [a, b] = await Promise.all([sharp(file).raw().toBuffer(), sharp(stored).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });
});

describe('BMP: the OS/2 1.x core header', () => {
  /** A 12-byte BITMAPCOREHEADER bitmap, 24 bits, no palette. */
  function os2Bitmap(width: number, height: number): Buffer {
    const rowBytes = Math.ceil((width * 3) / 4) * 4;
    const header = Buffer.alloc(26);
    header.write('BM', 0, 'latin1');
    header.writeUInt32LE(26 + rowBytes * height, 2);
    header.writeUInt32LE(26, 10);
    header.writeUInt32LE(12, 14);
    header.writeUInt16LE(width, 18);
    header.writeUInt16LE(height, 20);
    header.writeUInt16LE(1, 22); // planes
    header.writeUInt16LE(24, 24);
    return Buffer.concat([header, Buffer.alloc(rowBytes * height, 0x80)]);
  }

  it('reads the 16-bit width and height, not the 32-bit fields of later headers', () => {
    const bmp = os2Bitmap(127, 64);
    expect(inspectImage({ head: bmp, tail: bmp, size: bmp.byteLength }, LIMITS)).toEqual({ format: 'bmp', contentType: 'image/bmp', width: 127, height: 64 });
  });

  it('checks that its pixel rows fit the file, as for Windows headers', () => {
    const bmp = os2Bitmap(127, 64);
    expect(() => inspectImage({ head: bmp.subarray(0, bmp.byteLength - 1), tail: bmp.subarray(0, bmp.byteLength - 1), size: bmp.byteLength - 1 }, LIMITS)).toThrow('Invalid image format');
  });

  it('refuses a zero side with 400, and more than the pixel limit with 413', () => {
    const flat = os2Bitmap(127, 0);
    expect(() => inspectImage({ head: flat, tail: flat, size: flat.byteLength }, LIMITS)).toThrow('Invalid image format');
    const big = os2Bitmap(40_000, 1);
    big.writeUInt16LE(40_000, 20); // 40,000 x 40,000 declared, one row of data
    expect(() => inspectImage({ head: big, tail: big, size: big.byteLength }, LIMITS)).toThrow(PayloadTooLargeError);
  });
});
