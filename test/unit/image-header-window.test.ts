import { imageSize } from 'image-size';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { HttpError, InvalidImageError } from '../../functions/core/errors';
import { HEADER_WINDOW_BYTES, inspectImage } from '../../functions/core/formats/inspect';

/**
 * Files larger than the header window are sized from a bounded copy of their start, checked
 * against image-size on the file itself (no copy). These tests build files whose answer changes
 * if either shortcut is trusted alone, and require the same verdict as a copy of exactly the
 * file's bytes (which owns its whole buffer, so image-size can read nothing else).
 */

const W = HEADER_WINDOW_BYTES;
const LIMITS: Limits = { maxImageBytes: 4 * 1024 * 1024, maxLargeImageBytes: 50 * 1024 * 1024, maxPixels: DEFAULTS.maxPixels };
/** A pixel limit of 1 makes the verdict name the dimensions image-size found, before any other check. */
const SHOW_SIZE: Limits = { ...LIMITS, maxPixels: 1 };

type Verdict = { ok: string } | { status: number; message: string; reason?: string };

function verdict(bytes: Uint8Array, limits: Limits): Verdict {
  try {
    const info = inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, limits);
    return { ok: `${info.format} ${info.width}x${info.height}` };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.statusCode, message: error.message, reason: error instanceof InvalidImageError ? error.reason : undefined };
  }
}

/** The file as a view into a larger buffer, as the form parser hands over an upload inside its request body. */
function inBody(file: Buffer, after: Buffer = Buffer.from('\r\n--boundary--\r\n', 'latin1')): Buffer {
  const before = Buffer.from('--boundary\r\nContent-Disposition: form-data; name="image"\r\n\r\n', 'latin1');
  const body = Buffer.concat([before, file, after]);
  return body.subarray(before.byteLength, before.byteLength + file.byteLength);
}

/** Exactly the file's bytes in a buffer of their own: the reference answer. */
function exact(file: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(file.byteLength);
  file.copy(copy);
  return copy;
}

function windowOf(file: Buffer): Buffer {
  return exact(file.subarray(0, W));
}

/** A 32-bit uncompressed BMP of `width` x `height` (real, decodable pixel rows). */
function bmp(width: number, height: number): Buffer {
  const header = Buffer.alloc(54);
  const pixels = 4 * width * height;
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + pixels, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(32, 28);
  header.writeUInt32LE(pixels, 34);
  return Buffer.concat([header, Buffer.alloc(pixels, 0x5a)]);
}

function jpegSegment(marker: number, length: number, fill = 0): Buffer {
  const segment = Buffer.alloc(2 + length, fill);
  segment[0] = 0xff;
  segment[1] = marker;
  segment.writeUInt16BE(length, 2);
  return segment;
}

/** SOF0 (baseline frame header) for a 3-component image of `width` x `height`. */
function sof0(width: number, height: number): Buffer {
  const segment = jpegSegment(0xc0, 17);
  segment[4] = 8;
  segment.writeUInt16BE(height, 5);
  segment.writeUInt16BE(width, 7);
  segment[9] = 3;
  return segment;
}

/**
 * A JPEG whose frame header (3000x2000) starts exactly at the window's end, after padding APP
 * segments. image-size, reading the window alone, finds no marker there and re-synchronises byte
 * by byte inside the last APP segment, where a decoy frame header says 10x10.
 */
function jpegWithDecoyAtWindowEnd(): Buffer {
  const lastLength = 0xf000; // low byte 0: the re-sync reads (0x00, first data byte) as a length
  const lastStart = W - lastLength - 2; // its marker: marker (2) + length (which counts itself) ends at W
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  let offset = 2;
  while (offset < lastStart) {
    const length = Math.min(0xfff0, lastStart - offset - 2);
    parts.push(jpegSegment(0xe1, length));
    offset += 2 + length;
  }
  expect(offset).toBe(lastStart);
  const last = jpegSegment(0xe2, lastLength);
  last[4] = 0x10; // first data byte: the re-sync's "length" is 16
  sof0(10, 10).copy(last, 2 + 1 + 16); // where that length points: a decoy frame header
  parts.push(last);
  parts.push(sof0(3000, 2000), jpegSegment(0xda, 12), Buffer.alloc(4096, 0x33), Buffer.from([0xff, 0xd9]));
  const file = Buffer.concat(parts);
  expect(file.subarray(W, W + 2)).toEqual(Buffer.from([0xff, 0xc0]));
  return file;
}

/** TIFF entry: tag, type (3 SHORT, 4 LONG, 0 ignored), count 1, value. */
function tiffEntry(tag: number, type: number, value: number): Buffer {
  const entry = Buffer.alloc(12);
  entry.writeUInt16LE(tag, 0);
  entry.writeUInt16LE(type, 2);
  entry.writeUInt32LE(1, 4);
  if (type === 3) entry.writeUInt16LE(value, 8);
  else entry.writeUInt32LE(value, 8);
  return entry;
}

describe('inspectImage on files larger than the header window', () => {
  it('sizes a large BMP inside a request body from its window, and accepts it', () => {
    const file = bmp(300, 300); // 360 KB
    expect(file.byteLength).toBeGreaterThan(W);
    expect(verdict(inBody(file), LIMITS)).toEqual({ ok: 'bmp 300x300' });
    expect(verdict(inBody(file), LIMITS)).toEqual(verdict(exact(file), LIMITS));
  });

  it('reads on past the window when the frame header lies beyond it', () => {
    const file = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      ...Array.from({ length: 5 }, () => jpegSegment(0xe1, 0xfff0)),
      sof0(640, 480),
      jpegSegment(0xda, 12),
      Buffer.alloc(1024, 0x33),
      Buffer.from([0xff, 0xd9]),
    ]);
    expect(file.indexOf(Buffer.from([0xff, 0xc0]))).toBeGreaterThan(W);
    expect(() => imageSize(windowOf(file))).toThrow();
    expect(verdict(inBody(file), SHOW_SIZE)).toMatchObject({ status: 413, message: expect.stringContaining('640x480') });
  });

  it('is not fooled by a window that ends exactly at a JPEG marker', () => {
    const file = jpegWithDecoyAtWindowEnd();
    // What each shortcut alone would say: the window is fooled, the whole file is not.
    expect(imageSize(windowOf(file))).toMatchObject({ width: 10, height: 10 });
    expect(imageSize(exact(file))).toMatchObject({ width: 3000, height: 2000 });
    const found = verdict(inBody(file), SHOW_SIZE);
    expect(found).toMatchObject({ status: 413, message: expect.stringContaining('3000x2000') });
    expect(found).toEqual(verdict(exact(file), SHOW_SIZE));
  });

  it("takes the whole file's answer when image-size reads past the window (TIFF entries)", () => {
    const entries = [tiffEntry(256, 3, 64), tiffEntry(257, 3, 48)];
    // image-size reads 12-byte entries until a zero tag, past the IFD's own count: fill past the
    // window with ignored entries, then two that change the size.
    const fillers = Math.ceil((W + 1000) / 12);
    for (let i = 0; i < fillers; i += 1) entries.push(tiffEntry(0x7777, 0, 0));
    entries.push(tiffEntry(256, 4, 40_000), tiffEntry(257, 4, 40_000), Buffer.alloc(12));
    const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 2, 0]);
    const file = Buffer.concat([header, ...entries, Buffer.alloc(64)]);
    expect(imageSize(windowOf(file))).toMatchObject({ width: 64, height: 48 });
    const found = verdict(inBody(file), SHOW_SIZE);
    expect(found).toMatchObject({ status: 413, message: expect.stringContaining('40000x40000') });
    expect(found).toEqual(verdict(exact(file), SHOW_SIZE));
  });

  it('refuses a large JPEG cut inside its frame header, whatever follows it in the body', () => {
    const padding = Array.from({ length: 5 }, () => jpegSegment(0xe1, 0xfff0));
    const cut = Buffer.concat([Buffer.from([0xff, 0xd8]), ...padding, sof0(640, 480).subarray(0, 5)]);
    // In the body, the bytes after the cut would complete the header as 60000x60000.
    const completion = Buffer.from([0xea, 0x60, 0xea, 0x60, 0x03]);
    const view = inBody(cut, completion);
    expect(imageSize(Buffer.from(view.buffer, view.byteOffset, view.byteLength))).toMatchObject({ width: 60_000, height: 60_000 });
    const found = verdict(view, LIMITS);
    expect(found).toEqual({ status: 400, message: 'Invalid image format', reason: 'unrecognised or unreadable header' });
    expect(found).toEqual(verdict(exact(cut), LIMITS));
  });

  it('still refuses a small truncated header inside a body (copied whole)', () => {
    const header = bmp(2, 2).subarray(0, 20); // cut before the width and height
    const view = inBody(header, Buffer.from([0x40, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00]));
    expect(verdict(view, LIMITS)).toMatchObject({ status: 400, reason: 'unrecognised or unreadable header' });
  });
});
