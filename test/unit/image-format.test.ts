import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { HttpError, InvalidImageError, PayloadTooLargeError } from '../../functions/core/errors';
import { isStructurallySound } from '../../functions/core/formats/dispatch';
import { formatLimit, inspectImage } from '../../functions/core/formats/inspect';
import { ALLOWED_FORMATS } from '../../functions/core/formats/registry';
import { pngChunk } from '../support/images';
import { fixture } from './support/fakes';

const LIMITS: Limits = { maxImageBytes: 4 * 1024 * 1024, maxLargeImageBytes: 50 * 1024 * 1024, maxPixels: DEFAULTS.maxPixels };

function whole(bytes: Uint8Array) {
  return { head: bytes, tail: bytes, size: bytes.byteLength };
}

function refusal(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected a refusal');
}

/**
 * A greyscale PNG whose IHDR declares `width` x `height`. Small images get real (black) pixel
 * data; huge ones only a token IDAT, since the pixel limit refuses them before any data is read.
 */
function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = width * height <= 1_000_000 ? Buffer.alloc((width + 1) * height) : Buffer.alloc(2);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The classic smallest GIF89a (2-colour table, one image, LZW data, trailer) with chosen dimensions. */
function gif(width: number, height: number): Buffer {
  const size = (w: number, h: number) => [w & 0xff, w >> 8, h & 0xff, h >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    ...size(width, height),
    0x80, 0x00, 0x00, // global colour table of 2 entries
    0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
    0x2c, 0x00, 0x00, 0x00, 0x00, ...size(width, height), 0x00, // image descriptor
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW minimum code size 2, one 2-byte sub-block, block end
    0x3b, // trailer
  ]);
}

const SAMPLES: Array<[file: string, format: string, contentType: string]> = [
  ['sample.jpg', 'jpeg', 'image/jpeg'],
  ['sample.png', 'png', 'image/png'],
  ['sample.gif', 'gif', 'image/gif'],
  ['sample.webp', 'webp', 'image/webp'],
  ['sample.avif', 'avif', 'image/avif'],
  ['sample.bmp', 'bmp', 'image/bmp'],
  ['sample.tiff', 'tiff', 'image/tiff'],
];

describe('inspectImage: allowed formats', () => {
  it('covers every allowed format with a fixture', () => {
    expect(SAMPLES.map(([, format]) => format).sort()).toEqual([...ALLOWED_FORMATS].sort());
  });

  it.each(SAMPLES)('sniffs %s as %s (%s), 64x48', (file, format, contentType) => {
    const bytes = fixture(file);
    expect(inspectImage(whole(bytes), LIMITS)).toEqual({ format, contentType, width: 64, height: 48 });
  });

  it('sniffs the bytes, never a name or a declared type: a PNG is png whatever it was called', () => {
    // inspectImage only sees bytes; a PNG handed over as "photo.jpg"/image/jpeg is still png.
    const bytes = fixture('sample.png');
    expect(inspectImage(whole(bytes), LIMITS).format).toBe('png');
    expect(inspectImage(whole(bytes), LIMITS).contentType).toBe('image/png');
  });
});

describe('inspectImage: refusals', () => {
  it.each(['sample.heic', 'script.svg', 'not-an-image.png'])('refuses %s with 400 "Invalid image format"', (file) => {
    const error = refusal(() => inspectImage(whole(fixture(file)), LIMITS));
    expect(error).toBeInstanceOf(InvalidImageError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('Invalid image format');
  });

  it('refuses a plain text file', () => {
    const error = refusal(() => inspectImage(whole(Buffer.from('hello, this is not an image at all\n')), LIMITS));
    expect(error).toBeInstanceOf(InvalidImageError);
    expect(error.statusCode).toBe(400);
  });

  it('refuses an empty file with 400', () => {
    const error = refusal(() => inspectImage(whole(new Uint8Array()), LIMITS));
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/empty/i);
  });

  it('refuses a file over the size limit with 413 naming the limit', () => {
    const bytes = fixture('sample.png');
    const error = refusal(() => inspectImage(whole(bytes), { ...LIMITS, maxImageBytes: 1024 }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.statusCode).toBe(413);
    expect(error.message).toContain('1 KiB');
    expect(error.message).toContain('1024 bytes');
    // The limit for large uploads is passed explicitly.
    const large = refusal(() => inspectImage(whole(bytes), LIMITS, 1000));
    expect(large.statusCode).toBe(413);
    expect(large.message).toContain('1000 bytes');
  });

  it('accepts a file exactly at the size limit', () => {
    const bytes = fixture('sample.png');
    expect(inspectImage(whole(bytes), { ...LIMITS, maxImageBytes: bytes.byteLength }).format).toBe('png');
  });

  it.each([
    ['PNG 0x0', png(0, 0)],
    ['PNG 0x48', png(0, 48)],
    ['GIF 0x0', gif(0, 0)],
    ['GIF 64x0', gif(64, 0)],
  ])('refuses a %s image with 400', (_name, bytes) => {
    const error = refusal(() => inspectImage(whole(bytes), LIMITS));
    expect(error).toBeInstanceOf(InvalidImageError);
    expect(error.statusCode).toBe(400);
  });

  it('accepts the generated 1x1 images, so the 0x0 refusals are about the size alone', () => {
    expect(inspectImage(whole(png(1, 1)), LIMITS)).toMatchObject({ format: 'png', width: 1, height: 1 });
    expect(inspectImage(whole(gif(1, 1)), LIMITS)).toMatchObject({ format: 'gif', width: 1, height: 1 });
  });

  it('refuses a 200000x200000 PNG header with 413 naming the pixel limit', () => {
    const error = refusal(() => inspectImage(whole(png(200_000, 200_000)), LIMITS));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.statusCode).toBe(413);
    expect(error.message).toContain('200000x200000');
    expect(error.message).toContain(String(DEFAULTS.maxPixels));
  });

  it('accepts exactly the pixel limit and refuses one pixel more', () => {
    const limits = { ...LIMITS, maxPixels: 6 };
    expect(inspectImage(whole(png(3, 2)), limits)).toMatchObject({ width: 3, height: 2 });
    expect(inspectImage(whole(png(6, 1)), limits)).toMatchObject({ width: 6, height: 1 });
    expect(refusal(() => inspectImage(whole(png(7, 1)), limits)).statusCode).toBe(413);
    expect(refusal(() => inspectImage(whole(png(3, 3)), limits)).statusCode).toBe(413);
  });
});

describe('truncated bodies (cut after the header)', () => {
  it.each([
    ['sample.png', 'png', 100],
    ['sample.jpg', 'jpeg', 300],
    ['sample.gif', 'gif', 800],
    ['sample.webp', 'webp', 100],
    ['sample.bmp', 'bmp', 200],
  ] as const)('refuses %s (%s) cut at %i bytes', (file, format, cut) => {
    const full = fixture(file);
    const cutBytes = full.subarray(0, cut);
    expect(isStructurallySound(format, whole(full))).toBe(true);
    expect(isStructurallySound(format, whole(cutBytes))).toBe(false);
    const error = refusal(() => inspectImage(whole(cutBytes), LIMITS));
    expect(error).toBeInstanceOf(InvalidImageError);
    expect(error.statusCode).toBe(400);
    expect((error as InvalidImageError).reason).toMatch(/truncated/);
  });

  it('refuses a GIF cut short even when its palette or data hold a 0x3b byte', () => {
    // 0x3b is the GIF trailer but also an ordinary palette/LZW byte: only a final 0x3b counts.
    const full = Buffer.from(fixture('sample.gif'));
    full[13] = 0x3b; // first byte of the global colour table
    expect(inspectImage(whole(full), LIMITS).format).toBe('gif');
    const cut = full.subarray(0, 800);
    expect(isStructurallySound('gif', whole(cut))).toBe(false);
  });

  it('refuses a header-only PNG (no IEND) and a BMP whose data offset is past the end', () => {
    const header = png(64, 48).subarray(0, 33); // signature + IHDR
    expect(isStructurallySound('png', whole(header))).toBe(false);
    const bmp = Buffer.from(fixture('sample.bmp'));
    bmp.writeUInt32LE(0, 2); // "size unknown" is allowed by the format
    bmp.writeUInt32LE(bmp.byteLength + 10, 10);
    expect(isStructurallySound('bmp', whole(bmp))).toBe(false);
  });

  it('checks the tail separately from the head (large uploads read only both ends)', () => {
    const full = fixture('sample.png');
    const sample = { head: full.subarray(0, 64), tail: full.subarray(full.byteLength - 16), size: full.byteLength };
    expect(inspectImage(sample, LIMITS).format).toBe('png');
    const noEnd = { ...sample, tail: full.subarray(full.byteLength - 64, full.byteLength - 16) };
    expect(refusal(() => inspectImage(noEnd, LIMITS)).statusCode).toBe(400);
  });

  it.each(['sample.jpg', 'sample.gif'])('needs the end marker in the tail of a sampled %s', (file) => {
    const full = fixture(file);
    const sample = { head: full.subarray(0, 400), tail: full.subarray(full.byteLength - 16), size: full.byteLength };
    expect(inspectImage(sample, LIMITS).width).toBe(64);
    const cutTail = { ...sample, tail: full.subarray(full.byteLength - 32, full.byteLength - 16) };
    expect(refusal(() => inspectImage(cutTail, LIMITS)).statusCode).toBe(400);
  });
});

describe('formatLimit', () => {
  it('prints MiB, KiB or bytes', () => {
    expect(formatLimit(4 * 1024 * 1024)).toBe('4 MiB');
    expect(formatLimit(1536)).toBe('1536 bytes');
    expect(formatLimit(2048)).toBe('2 KiB');
    expect(formatLimit(1000)).toBe('1000 bytes');
  });
});
