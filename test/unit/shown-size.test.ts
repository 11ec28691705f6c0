import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { PayloadTooLargeError } from '../../functions/core/errors';
import { inspectImage } from '../../functions/core/formats/inspect';

/**
 * Width and height as displayed where the header image-size reads does not say it
 * (docs/metadata.md): an OS/2 bitmap's 16-bit sides.
 */
const LIMITS: Limits = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };

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
