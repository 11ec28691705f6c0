import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { InvalidImageError, PayloadTooLargeError } from '../../functions/core/errors';
import { inspectImage } from '../../functions/core/formats/inspect';

/**
 * Pixel and structure checks beyond the first frame. Every GIF frame counts
 * whole against the pixel limit, wherever it lies (frames past the logical screen are shown the
 * way browsers and libvips show them: docs/limits.md); every TIFF IFD (page) is walked and
 * checked, not only the first.
 */
const LIMITS: Limits = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };
const inspect = (bytes: Buffer, limits = LIMITS) => inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, limits);

interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A GIF89a: screen, no global palette, each frame with a tiny local palette and a minimal LZW block. */
function gif(screen: { width: number; height: number }, frames: readonly Frame[]): Buffer {
  const parts: Buffer[] = [Buffer.from('GIF89a', 'latin1')];
  const lsd = Buffer.alloc(7);
  lsd.writeUInt16LE(screen.width, 0);
  lsd.writeUInt16LE(screen.height, 2);
  parts.push(lsd);
  for (const frame of frames) {
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x2c;
    descriptor.writeUInt16LE(frame.left, 1);
    descriptor.writeUInt16LE(frame.top, 3);
    descriptor.writeUInt16LE(frame.width, 5);
    descriptor.writeUInt16LE(frame.height, 7);
    descriptor[9] = 0x80; // local colour table of 2 entries
    parts.push(descriptor, Buffer.from([0, 0, 0, 255, 255, 255]), Buffer.from([0x02, 0x02, 0x4c, 0x01, 0x00]));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

interface Page {
  readonly width: number;
  readonly height: number;
  /** Strip offset override (default: the page's own data). */
  readonly stripOffset?: number;
  readonly stripBytes?: number;
}

/** A little-endian TIFF: one strip of bytes per page, the IFDs chained (or looped by `loopTo`). */
function tiff(pages: readonly Page[], options: { loopTo?: number } = {}): Buffer {
  const ENTRIES = 4;
  const ifdSize = 2 + ENTRIES * 12 + 4;
  const data = 16;
  const layout = pages.map((_, i) => 8 + i * (ifdSize + data));
  const out = Buffer.alloc(8 + pages.length * (ifdSize + data));
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(layout[0], 4);
  pages.forEach((page, i) => {
    let at = layout[i];
    out.writeUInt16LE(ENTRIES, at);
    at += 2;
    const entry = (tag: number, value: number) => {
      out.writeUInt16LE(tag, at);
      out.writeUInt16LE(4, at + 2); // LONG
      out.writeUInt32LE(1, at + 4);
      out.writeUInt32LE(value, at + 8);
      at += 12;
    };
    entry(256, page.width);
    entry(257, page.height);
    entry(273, page.stripOffset ?? layout[i] + ifdSize);
    entry(279, page.stripBytes ?? data);
    const next = i + 1 < pages.length ? layout[i + 1] : options.loopTo !== undefined ? layout[options.loopTo] : 0;
    out.writeUInt32LE(next, at);
  });
  return out;
}

/** The same pages as `tiff`, in the BigTIFF layout: 16-byte header, 8-byte counts, 20-byte entries, 8-byte offsets (LONG8 strips). */
function bigTiff(pages: readonly Page[], options: { loopTo?: number } = {}): Buffer {
  const ENTRIES = 4;
  const ifdSize = 8 + ENTRIES * 20 + 8;
  const data = 16;
  const layout = pages.map((_, i) => 16 + i * (ifdSize + data));
  const out = Buffer.alloc(16 + pages.length * (ifdSize + data));
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(43, 2);
  out.writeUInt16LE(8, 4); // offsets are 8 bytes
  out.writeBigUInt64LE(BigInt(layout[0]), 8);
  pages.forEach((page, i) => {
    let at = layout[i];
    out.writeBigUInt64LE(BigInt(ENTRIES), at);
    at += 8;
    const entry = (tag: number, type: number, value: number) => {
      out.writeUInt16LE(tag, at);
      out.writeUInt16LE(type, at + 2);
      out.writeBigUInt64LE(1n, at + 4);
      out.writeBigUInt64LE(BigInt(value), at + 12);
      at += 20;
    };
    entry(256, 4, page.width);
    entry(257, 4, page.height);
    entry(273, 16, page.stripOffset ?? layout[i] + ifdSize); // LONG8
    entry(279, 16, page.stripBytes ?? data);
    const next = i + 1 < pages.length ? layout[i + 1] : options.loopTo !== undefined ? layout[options.loopTo] : 0;
    out.writeBigUInt64LE(BigInt(next), at);
  });
  return out;
}

describe('GIF: every frame descriptor', () => {
  it('accepts frames inside the logical screen', () => {
    const file = gif({ width: 64, height: 48 }, [
      { left: 0, top: 0, width: 64, height: 48 },
      { left: 10, top: 8, width: 54, height: 40 },
    ]);
    expect(inspect(file)).toMatchObject({ format: 'gif', width: 64, height: 48 });
  });

  it.each([
    ['wider than the screen', { left: 0, top: 0, width: 65, height: 48 }],
    ['placed past the right edge', { left: 60, top: 0, width: 10, height: 10 }],
    ['placed past the bottom', { left: 0, top: 40, width: 10, height: 10 }],
    ['wholly outside the screen', { left: 100, top: 100, width: 10, height: 10 }],
  ])('accepts a later frame %s, shown cut to the screen (as browsers and libvips show it)', (_name, frame) => {
    const file = gif({ width: 64, height: 48 }, [{ left: 0, top: 0, width: 64, height: 48 }, frame]);
    expect(inspect(file)).toMatchObject({ format: 'gif', width: 64, height: 48 });
  });

  it('counts a frame past the screen whole against the pixel limit, not cut to the screen', () => {
    const frames = [
      { left: 0, top: 0, width: 64, height: 48 },
      { left: 0, top: 0, width: 65, height: 48 },
    ];
    const file = gif({ width: 64, height: 48 }, frames);
    const whole = 64 * 48 + 65 * 48;
    expect(inspect(file, { ...LIMITS, maxPixels: whole })).toMatchObject({ width: 64, height: 48 });
    expect(() => inspect(file, { ...LIMITS, maxPixels: whole - 1 })).toThrow(PayloadTooLargeError);
  });

  it.each([
    ['larger than the screen', { left: 0, top: 0, width: 70, height: 50 }, { width: 70, height: 50 }],
    ['placed past its corner', { left: 10, top: 10, width: 64, height: 48 }, { width: 74, height: 58 }],
    ['inside it', { left: 2, top: 2, width: 10, height: 10 }, { width: 64, height: 48 }],
  ])('grows the canvas to a first frame %s (the size browsers and libvips show)', (_name, first, shown) => {
    const file = gif({ width: 64, height: 48 }, [first, { left: 0, top: 0, width: 80, height: 60 }]);
    expect(inspect(file)).toMatchObject({ format: 'gif', ...shown });
  });

  it('refuses a 65535 x 65535 frame in a 64 x 48 screen with 413: counted whole, it is a pixel flood', () => {
    const file = gif({ width: 64, height: 48 }, [{ left: 0, top: 0, width: 64, height: 48 }, { left: 0, top: 0, width: 65535, height: 65535 }]);
    expect(() => inspect(file)).toThrow(PayloadTooLargeError);
  });

  it('refuses a small frame placed at 65535,65535 with 413: the canvas holding every frame is the flood (Pillow allocates it)', () => {
    const file = gif({ width: 100, height: 100 }, [{ left: 0, top: 0, width: 100, height: 100 }, { left: 65535, top: 65535, width: 100, height: 100 }]);
    expect(() => inspect(file)).toThrow(/frames span 65635x65635 pixels; the limit is 100000000 pixels/);
    // The same frame where the canvas stays within the limit is accepted.
    const near = gif({ width: 100, height: 100 }, [{ left: 0, top: 0, width: 100, height: 100 }, { left: 9000, top: 9000, width: 100, height: 100 }]);
    expect(inspect(near)).toMatchObject({ width: 100, height: 100 });
  });

  it('refuses an empty frame with 400', () => {
    const file = gif({ width: 64, height: 48 }, [{ left: 0, top: 0, width: 64, height: 48 }, { left: 0, top: 0, width: 0, height: 10 }]);
    expect(() => inspect(file)).toThrow(InvalidImageError);
  });

  it('counts every frame against the pixel limit: 150 full frames of a 1000 x 1000 screen is 150 M pixels -> 413', () => {
    const screen = { width: 1000, height: 1000 };
    const frames = Array.from({ length: 150 }, () => ({ left: 0, top: 0, width: 1000, height: 1000 }));
    const file = gif(screen, frames);
    expect(file.byteLength).toBeLessThan(4096); // a few KB that would decode to 600 MB of RGBA
    expect(() => inspect(file)).toThrow(PayloadTooLargeError);
    expect(() => inspect(file)).toThrow(/frames total more than 100000000 pixels/);
    // 100 such frames are exactly the limit: accepted.
    expect(inspect(gif(screen, frames.slice(0, 100)))).toMatchObject({ width: 1000, height: 1000 });
  });
});

describe('TIFF: every IFD', () => {
  it('accepts a multi-page file whose pages are all whole', () => {
    expect(inspect(tiff([{ width: 4, height: 4 }, { width: 8, height: 2 }, { width: 2, height: 2 }]))).toMatchObject({ format: 'tiff', width: 4, height: 4 });
  });

  it('refuses a later page whose strip lies outside the file (400)', () => {
    const file = tiff([{ width: 4, height: 4 }, { width: 4, height: 4, stripOffset: 1_000_000 }]);
    expect(() => inspect(file)).toThrow(InvalidImageError);
  });

  it('refuses a later page without dimensions or with a zero side (400)', () => {
    expect(() => inspect(tiff([{ width: 4, height: 4 }, { width: 0, height: 4 }]))).toThrow(InvalidImageError);
  });

  it('refuses an IFD chain that loops back (400), instead of walking forever', () => {
    expect(() => inspect(tiff([{ width: 4, height: 4 }, { width: 4, height: 4 }], { loopTo: 0 }))).toThrow(InvalidImageError);
  });

  it('refuses a next-IFD offset past the end of the file (400)', () => {
    const file = tiff([{ width: 4, height: 4 }]);
    file.writeUInt32LE(file.byteLength + 100, 8 + 2 + 4 * 12);
    expect(() => inspect(file)).toThrow(InvalidImageError);
  });

  it('counts every page against the pixel limit: a small first page and a 20,000 x 20,000 second one -> 413', () => {
    const file = tiff([{ width: 4, height: 4 }, { width: 20_000, height: 20_000 }]);
    expect(() => inspect(file)).toThrow(PayloadTooLargeError);
    expect(() => inspect(file)).toThrow(/pages total more than 100000000 pixels/);
  });
});

describe('BigTIFF: every IFD, in the 64-bit layout', () => {
  it('accepts a multi-page file whose pages are all whole, as a TIFF', () => {
    expect(inspect(bigTiff([{ width: 4, height: 4 }, { width: 8, height: 2 }]))).toMatchObject({ format: 'tiff', contentType: 'image/tiff', width: 4, height: 4 });
  });

  it('refuses a page whose strip lies outside the file, and a chain that loops (400)', () => {
    expect(() => inspect(bigTiff([{ width: 4, height: 4 }, { width: 4, height: 4, stripOffset: 1_000_000 }]))).toThrow(InvalidImageError);
    expect(() => inspect(bigTiff([{ width: 4, height: 4 }, { width: 4, height: 4 }], { loopTo: 0 }))).toThrow(InvalidImageError);
  });

  it('refuses an entry count no file could hold (2^40 entries) with 400, without allocating for it', () => {
    const file = bigTiff([{ width: 4, height: 4 }]);
    file.writeBigUInt64LE(2n ** 40n, 16);
    expect(() => inspect(file)).toThrow(InvalidImageError);
  });

  it('refuses a header whose offset size is not 8 (400)', () => {
    const file = bigTiff([{ width: 4, height: 4 }]);
    file.writeUInt16LE(4, 4);
    expect(() => inspect(file)).toThrow(InvalidImageError);
  });

  it('counts every page against the pixel limit (413)', () => {
    expect(() => inspect(bigTiff([{ width: 4, height: 4 }, { width: 20_000, height: 20_000 }]))).toThrow(/pages total more than 100000000 pixels/);
  });
});
