import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../functions/core/formats/shared/bytes';
import { Pieces } from '../../functions/core/formats/shared/pieces';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { HttpError, InvalidImageError } from '../../functions/core/errors';
import { inspectImage } from '../../functions/core/formats/inspect';
import { displayedSize, MAX_METADATA_GROWTH, stripMetadata } from '../../functions/core/formats/dispatch';
import { METADATA_FIXTURES, metadataFixture } from '../support/metadata-fixtures';
import { fixture } from './support/fakes';

const LIMITS: Limits = { maxImageBytes: DEFAULTS.maxLargeImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };

function inspect(bytes: Uint8Array) {
  return inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, LIMITS);
}

function strip(format: Parameters<typeof stripMetadata>[0], bytes: Buffer) {
  const result = stripMetadata(format, bytes);
  return { ...result, bytes: Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength) };
}

/** The TIFF block of the minimal EXIF: big-endian header, IFD0 with only Orientation, no IFD1. */
function minimalTiff(orientation: number): Buffer {
  const tiff = Buffer.from('4d4d002a000000080001011200030000000100000000000000000000', 'hex').subarray(0, 26);
  tiff.writeUInt16BE(orientation, 18);
  return tiff;
}

/** Every exifr section, raw tag numbers, so anything left shows up. */
const EXIFR_ALL: Parameters<typeof exifr.parse>[1] = {
  tiff: true, ifd1: true, exif: true, gps: true, interop: true, xmp: true, iptc: true, icc: false,
  jfif: false, ihdr: false, makerNote: true, userComment: true, mergeOutput: false, translateKeys: false,
  translateValues: false, reviveValues: false,
};

/** The ICC profile of a GIF: the ICCRGBG1 application extension's data sub-blocks (sharp does not report GIF profiles). */
function gifIcc(bytes: Buffer): Buffer | undefined {
  const marker = Buffer.from('\x21\xff\x0bICCRGBG1012', 'latin1');
  const at = bytes.indexOf(marker);
  if (at < 0) return undefined;
  const parts: Buffer[] = [];
  for (let offset = at + marker.byteLength; bytes[offset] !== 0; offset += 1 + bytes[offset]) {
    parts.push(bytes.subarray(offset + 1, offset + 1 + bytes[offset]));
  }
  return Buffer.concat(parts);
}

async function iccOf(format: string, bytes: Buffer): Promise<Buffer | undefined> {
  return format === 'gif' ? gifIcc(bytes) : (await sharp(bytes).metadata()).icc;
}

async function pixels(bytes: Buffer, animated: boolean): Promise<Buffer> {
  // No rotation applied: the stored pixels themselves are compared.
  return sharp(bytes, { animated }).raw().toBuffer();
}

describe.each(METADATA_FIXTURES)('$file', ({ file, format, orientation, animated, planted, exifrBlind }) => {
  const input = metadataFixture(file);
  const stripped = strip(format, input);
  const out = stripped.bytes;

  it('carried every planted string before (the fixture is what it claims)', () => {
    expect(planted.filter((s) => !input.includes(s))).toEqual([]);
  });

  it('keeps none of the planted strings', () => {
    expect(planted.filter((s) => out.includes(s))).toEqual([]);
    expect(out.includes('GPSLatitude')).toBe(false);
  });

  it('leaves no EXIF but Orientation, no GPS, XMP, IPTC or thumbnail (as readers see it)', async () => {
    const meta = await sharp(out).metadata();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.comments ?? []).toEqual([]);
    if (format === 'avif' || orientation === 1) expect(meta.exif).toBeUndefined();
    else if (format !== 'tiff') expect(meta.exif?.subarray(meta.exif.indexOf('MM\0*', 0, 'latin1'))).toEqual(minimalTiff(orientation));
    if (format !== 'webp' && format !== 'gif' && !exifrBlind) {
      // exifr reads JPEG, PNG, TIFF and HEIF/AVIF (not BigTIFF: see the BigTIFF test).
      expect(await exifr.gps(out).catch(() => undefined)).toBeUndefined();
      const left = (await exifr.parse(out, EXIFR_ALL)) as Record<string, Record<string, unknown>> | undefined;
      const sections = Object.keys(left ?? {});
      expect(sections.filter((s) => s !== 'ifd0')).toEqual([]);
      // AVIF keeps its orientation in irot, so no EXIF item survives at all.
      const exifOrientation = orientation === 1 || format === 'avif' ? {} : { 274: orientation };
      if (format !== 'tiff') expect(left?.ifd0 ?? {}).toEqual(exifOrientation);
      expect(await exifr.thumbnail(out)).toBeUndefined();
    }
  });

  it('keeps the ICC profile byte for byte', async () => {
    const before = await iccOf(format, input);
    expect(before?.byteLength).toBeGreaterThan(100);
    expect(await iccOf(format, out)).toEqual(before);
  });

  it(`keeps the orientation (${orientation}); displayedSize gives what a decoder shows`, async () => {
    expect(stripped.orientation).toBe(orientation);
    const [before, after] = await Promise.all([sharp(input).metadata(), sharp(out).metadata()]);
    if (format === 'avif') {
      // libheif applies irot/imir while decoding, so sharp reports no orientation, only turned sides.
      expect(out.includes('irot')).toBe(true);
    } else {
      expect(after.orientation ?? 1).toBe(orientation);
      expect(before.orientation ?? 1).toBe(orientation);
    }
    const stored = inspect(out);
    expect(displayedSize(stored.width, stored.height, stripped.orientation)).toEqual(after.autoOrient);
    expect(after.autoOrient).toEqual(before.autoOrient);
  });

  it('leaves every pixel as it was (decoded both, compared byte for byte)', async () => {
    const [a, b] = await Promise.all([pixels(input, animated), pixels(out, animated)]);
    expect(b.byteLength).toBe(a.byteLength);
    expect(b.equals(a)).toBe(true);
    if (animated) expect((await sharp(out, { animated: true }).metadata()).pages).toBeGreaterThan(1);
  });

  it('is still the same image to the sniffer, no larger, and stripping again changes nothing', () => {
    const before = inspect(input);
    expect(inspect(out)).toEqual(before);
    expect(out.byteLength).toBeLessThanOrEqual(input.byteLength);
    expect(stripped.removedBytes).toBe(input.byteLength - out.byteLength);
    expect(stripped.removedBytes + stripped.zeroedBytes).toBeGreaterThan(500);
    const again = stripMetadata(format, out);
    expect(again.bytes).toBe(out); // nothing left to do: the very same bytes back, no copy
    expect(again.orientation).toBe(orientation);
  });

  it('does not modify its input', () => {
    expect(input.equals(metadataFixture(file))).toBe(true);
  });

  it('in place (overwriteInput, as the upload handler strips its own body) gives the same file and orientation', () => {
    const owned = Buffer.concat([Buffer.from('--boundary\r\n'), input, Buffer.from('\r\n--boundary--')]);
    const file = owned.subarray(12, 12 + input.byteLength);
    const inPlace = stripMetadata(format, file, { overwriteInput: true });
    expect(Buffer.from(inPlace.bytes).equals(out)).toBe(true);
    expect(inPlace.orientation).toBe(stripped.orientation);
    expect(inPlace.removedBytes).toBe(stripped.removedBytes);
    if (['jpeg', 'png', 'webp', 'gif'].includes(format)) {
      // Written over the input, right-aligned where the kept data ends: a view, not a new buffer.
      expect(inPlace.bytes.buffer).toBe(owned.buffer);
      expect(inPlace.bytes.byteOffset).toBeGreaterThanOrEqual(file.byteOffset);
      expect(inPlace.bytes.byteOffset + inPlace.bytes.byteLength).toBeLessThanOrEqual(file.byteOffset + file.byteLength);
    }
    // Nothing outside the file was touched.
    expect(owned.subarray(0, 12).toString()).toBe('--boundary\r\n');
    expect(owned.subarray(12 + input.byteLength).toString()).toBe('\r\n--boundary--');
  });
});

describe('Pieces written over their source', () => {
  const source = () => Buffer.from('HEADxxxxxxxxBODY-BODY-BODY-END!', 'latin1');

  it('moves only what precedes the last kept run and returns a view of the source', () => {
    const owned = source();
    const out = new Pieces(owned, { overwriteSource: true });
    out.push(owned.subarray(0, 4)); // HEAD
    out.push(Buffer.from('hd', 'latin1')); // a rewritten piece of its own
    out.push(owned.subarray(12)); // the body, in place
    const result = out.toBuffer();
    expect(result.toString('latin1')).toBe('HEADhdBODY-BODY-BODY-END!');
    expect(result.buffer).toBe(owned.buffer);
    expect(result.byteOffset + result.byteLength).toBe(owned.byteOffset + owned.byteLength);
  });

  it('writes pieces of its own after the last view onto the dropped bytes there', () => {
    const owned = Buffer.from('HEADxxxxBODYmetadata', 'latin1');
    const out = new Pieces(owned, { overwriteSource: true });
    out.push(owned.subarray(0, 4));
    out.push(owned.subarray(8, 12));
    out.push(Buffer.from('exif', 'latin1'));
    const result = out.toBuffer();
    expect(result.toString('latin1')).toBe('HEADBODYexif');
    expect(result.buffer).toBe(owned.buffer);
  });

  it('copies instead when a piece of its own is longer than what it replaced, or views are out of order', () => {
    const grown = source();
    const a = new Pieces(grown, { overwriteSource: true });
    a.push(grown.subarray(0, 4));
    a.push(Buffer.from('a-header-longer-than-the-gap', 'latin1'));
    a.push(grown.subarray(12));
    const before = Buffer.from(grown);
    expect(a.toBuffer().toString('latin1')).toBe('HEADa-header-longer-than-the-gapBODY-BODY-BODY-END!');
    expect(grown.equals(before)).toBe(true);

    const swapped = source();
    const b = new Pieces(swapped, { overwriteSource: true });
    b.push(swapped.subarray(12, 16));
    b.push(swapped.subarray(0, 4));
    b.push(swapped.subarray(27));
    expect(b.toBuffer().toString('latin1')).toBe('BODYHEADEND!');
    expect(swapped.equals(source())).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Per-format details the fixtures alone do not pin.

function jpegSegments(bytes: Buffer): Array<{ marker: number; payload: Buffer }> {
  const segments: Array<{ marker: number; payload: Buffer }> = [];
  let offset = 2;
  while (offset + 4 <= bytes.byteLength && bytes[offset + 1] !== 0xda) {
    const length = bytes.readUInt16BE(offset + 2);
    segments.push({ marker: bytes[offset + 1], payload: bytes.subarray(offset + 4, offset + 2 + length) });
    offset += 2 + length;
  }
  return segments;
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(payload.byteLength + 2, 2);
  return Buffer.concat([head, payload]);
}

describe('JPEG', () => {
  const input = metadataFixture('jpeg.jpg');
  const plain = fixture('sample.jpg');

  it('keeps JFIF, ICC (APP2), Adobe (APP14) and the frame; the minimal EXIF is exactly Orientation', () => {
    const adobe = jpegSegment(0xee, Buffer.from('Adobe\0\x64\0\0\0\0\x01', 'latin1'));
    const withAdobe = Buffer.concat([input.subarray(0, 2), adobe, input.subarray(2)]);
    const out = strip('jpeg', withAdobe).bytes;
    const markers = jpegSegments(out).map((s) => s.marker.toString(16));
    expect(markers.filter((m) => m.startsWith('e') || m === 'fe').sort()).toEqual(['e0', 'e1', 'e2', 'ee']);
    const app1 = jpegSegments(out).find((s) => s.marker === 0xe1)!;
    expect(app1.payload).toEqual(Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), minimalTiff(6)]));
    expect(out.includes(adobe)).toBe(true);
  });

  it('cuts the JFIF thumbnail and drops JFXX, MPF, other APPn, COM and everything after EOI', () => {
    const jfif = Buffer.from('JFIF\0\x01\x02\0\0\x01\0\x01\x02\x01', 'latin1');
    const thumbnail = Buffer.alloc(2 * 1 * 3, 0x7f);
    const segments = [
      jpegSegment(0xe0, Buffer.concat([jfif, thumbnail])),
      jpegSegment(0xe0, Buffer.from('JFXX\0\x10thumbnail-bytes', 'latin1')),
      jpegSegment(0xe2, Buffer.from('MPF\0secondary-image-index', 'latin1')),
      jpegSegment(0xe1, Buffer.from('http://ns.adobe.com/xmp/extension/\0extended-xmp', 'latin1')),
      jpegSegment(0xed, Buffer.from('Photoshop 3.0\0iptc', 'latin1')),
      jpegSegment(0xe5, Buffer.from('maker-data', 'latin1')),
      jpegSegment(0xfe, Buffer.from('a comment', 'latin1')),
    ];
    const trailer = Buffer.from('second image / video trailer', 'latin1');
    // The plain sample starts with its own JFIF APP0; the crafted segments go before it.
    const file = Buffer.concat([plain.subarray(0, 2), ...segments, plain.subarray(2), trailer]);
    const out = strip('jpeg', file).bytes;
    for (const needle of ['JFXX', 'MPF', 'extended-xmp', 'Photoshop', 'maker-data', 'a comment', 'trailer']) {
      expect(out.includes(needle), needle).toBe(false);
    }
    const app0 = jpegSegments(out).filter((s) => s.marker === 0xe0);
    expect(app0[0].payload).toEqual(Buffer.concat([jfif.subarray(0, 12), Buffer.from([0, 0])]));
    expect(out.subarray(out.byteLength - 2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(strip('jpeg', plain).bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
  });

  it('writes no EXIF when there was no valid orientation (absent, 0, 9)', () => {
    for (const value of [0, 9]) {
      const tiff = minimalTiff(6);
      tiff.writeUInt16BE(value, 18);
      const file = Buffer.concat([plain.subarray(0, 2), jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])), plain.subarray(2)]);
      const result = strip('jpeg', file);
      expect(result.orientation).toBe(1);
      expect(result.bytes.includes('Exif')).toBe(false);
    }
    expect(strip('jpeg', plain).orientation).toBe(1);
  });

  it('returns the very input when there is nothing to remove', () => {
    const once = strip('jpeg', input).bytes;
    expect(stripMetadata('jpeg', once).bytes).toBe(once);
  });

  it('finds segments between progressive scans (a COM hidden after the first scan goes)', async () => {
    const progressive = await sharp(metadataFixture('jpeg.jpg')).jpeg({ progressive: true }).toBuffer();
    const sos = progressive.indexOf(Buffer.from([0xff, 0xda]));
    const secondScanTables = progressive.indexOf(Buffer.from([0xff, 0xc4]), sos); // DHT before a later scan
    expect(secondScanTables).toBeGreaterThan(sos);
    const hidden = jpegSegment(0xfe, Buffer.from('HiddenBetweenScans', 'latin1'));
    const file = Buffer.concat([progressive.subarray(0, secondScanTables), hidden, progressive.subarray(secondScanTables)]);
    const out = strip('jpeg', file).bytes;
    expect(out.includes('HiddenBetweenScans')).toBe(false);
    expect((await sharp(out).raw().toBuffer()).equals(await sharp(progressive).raw().toBuffer())).toBe(true);
  });
});

describe('JPEG entropy data made of 0xff00 pairs (the dense path, shared by the structure check)', () => {
  it('still finds the first marker after the scan wherever it falls, and keeps every data byte', () => {
    const plain = fixture('sample.jpg');
    const sos = plain.lastIndexOf(Buffer.from([0xff, 0xda]));
    const header = plain.subarray(0, sos + 2 + plain.readUInt16BE(sos + 2));
    const hidden = jpegSegment(0xfe, Buffer.from('HiddenAfterDenseScan', 'latin1'));
    const eoi = Buffer.from([0xff, 0xd9]);
    // Lengths around the 64 KiB windows, odd and even, with restart markers and fill bytes inside.
    for (const pairs of [100, 32_767, 32_768, 32_769, 40_000, 70_001]) {
      const data = Buffer.alloc(pairs * 2 + 5);
      for (let i = 0; i < pairs * 2; i += 2) data.writeUInt16BE(i % 998 === 0 ? 0xffd3 : 0xff00, i);
      data.set([0x12, 0x34, 0x56, 0xff, 0xff], pairs * 2); // data, then a fill byte before the marker
      const file = Buffer.concat([header, data, hidden, eoi]);
      const out = strip('jpeg', file).bytes;
      expect(out.equals(Buffer.concat([header, data, eoi])), `${pairs} pairs`).toBe(true);
      // The structure check walks the same data with the same scan: complete, and refused when cut.
      expect(inspect(file).format, `${pairs} pairs`).toBe('jpeg');
      expect(() => inspect(Buffer.concat([header, data])), `${pairs} pairs, no marker after`).toThrow(InvalidImageError);
    }
  });
});

function pngChunks(bytes: Buffer): Array<{ type: string; valid: boolean }> {
  const chunks: Array<{ type: string; valid: boolean }> = [];
  for (let offset = 8; offset + 12 <= bytes.byteLength; ) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const crc = bytes.readUInt32BE(offset + 8 + length);
    chunks.push({ type, valid: crc === crc32(bytes.subarray(offset + 4, offset + 8 + length)) });
    offset += 12 + length;
  }
  return chunks;
}

describe('PNG', () => {
  it('keeps the allow-listed chunks with valid CRCs, a minimal eXIf, and nothing else', () => {
    const out = strip('png', metadataFixture('png.png')).bytes;
    const chunks = pngChunks(out);
    expect(chunks.every((c) => c.valid)).toBe(true);
    expect(chunks.map((c) => c.type).filter((t) => !['IHDR', 'IDAT', 'IEND', 'iCCP', 'pHYs', 'gAMA', 'cHRM', 'bKGD', 'sRGB'].includes(t))).toEqual(['eXIf']);
    const exif = out.indexOf('eXIf', 0, 'latin1');
    expect(out.subarray(exif + 4, exif + 4 + 26)).toEqual(minimalTiff(6));
  });

  it('drops tIME, sPLT, unknown chunks and bytes after IEND; keeps APNG and colour chunks', async () => {
    const { pngChunk } = await import('../support/images');
    const plain = fixture('sample.png');
    const ihdrEnd = 8 + 12 + 13;
    const extra = [
      pngChunk('tIME', Buffer.from([7, 0xea, 1, 2, 3, 4, 5])),
      pngChunk('sPLT', Buffer.from('PlantedPalette\0\x08', 'latin1')),
      pngChunk('prVt', Buffer.from('PlantedPrivate', 'latin1')),
      pngChunk('cICP', Buffer.from([1, 13, 0, 1])),
      pngChunk('acTL', Buffer.from([0, 0, 0, 1, 0, 0, 0, 0])),
    ];
    const file = Buffer.concat([plain.subarray(0, ihdrEnd), ...extra, plain.subarray(ihdrEnd), Buffer.from('PlantedTrailer')]);
    const out = strip('png', file).bytes;
    const types = pngChunks(out).map((c) => c.type);
    expect(types).toContain('cICP');
    expect(types).toContain('acTL');
    expect(types).not.toContain('tIME');
    expect(types).not.toContain('sPLT');
    expect(types).not.toContain('prVt');
    expect(out.includes('Planted')).toBe(false);
  });
});

describe('WebP', () => {
  it('fixes the VP8X flags (EXIF only for the minimal EXIF, no XMP) and the RIFF size', () => {
    const input = metadataFixture('webp.webp');
    expect(input[20] & 0x0c).toBe(0x0c); // EXIF and XMP flagged before
    const out = strip('webp', input).bytes;
    expect(out.readUInt32LE(4)).toBe(out.byteLength - 8);
    expect(out[20] & 0x0c).toBe(0x08);
    const animated = strip('webp', metadataFixture('webp-animated.webp')).bytes;
    expect(animated[20] & 0x0e).toBe(0x02); // still animated, no EXIF, no XMP
    expect(animated.readUInt32LE(4)).toBe(animated.byteLength - 8);
  });
});

describe('GIF', () => {
  it('keeps the loop (NETSCAPE2.0) and the ICC (ICCRGBG1) extensions, drops XMP and comments', () => {
    const input = metadataFixture('gif.gif');
    const out = strip('gif', input).bytes;
    expect(out.includes('NETSCAPE2.0')).toBe(true);
    expect(out.includes('ICCRGBG1012')).toBe(true);
    expect(out.includes('XMP DataXMP')).toBe(false);
    expect(out.includes(Buffer.from([0x21, 0xfe]))).toBe(false);
  });

  it('drops plain text extensions (free text no viewer draws) and keeps the graphic control before one, which viewers apply to the next image', () => {
    const input = metadataFixture('gif.gif');
    const afterPalette = 13 + 3 * 2 ** ((input[10] & 0x07) + 1);
    const control = Buffer.from([0x21, 0xf9, 0x04, 0x05, 0x32, 0x00, 0x07, 0x00]); // delay 50, transparent index 7
    const text = Buffer.concat([Buffer.from([0x21, 0x01, 0x0c]), Buffer.alloc(12, 1), Buffer.from([0x0b]), Buffer.from('PlantedText', 'latin1'), Buffer.from([0x00])]);
    const file = Buffer.concat([input.subarray(0, afterPalette), control, text, input.subarray(afterPalette)]);
    const out = strip('gif', file).bytes;
    expect(out.includes('PlantedText')).toBe(false);
    expect(out.includes(Buffer.from([0x21, 0x01]))).toBe(false);
    expect(out.includes(control)).toBe(true);
    expect(out.equals(Buffer.concat([strip('gif', input).bytes.subarray(0, afterPalette), control, strip('gif', input).bytes.subarray(afterPalette)]))).toBe(true);
  });
});

function tiffIfds(bytes: Buffer): number[][] {
  const le = bytes.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const ifds: number[][] = [];
  for (let offset = u32(4); offset !== 0 && ifds.length < 10; ) {
    const count = u16(offset);
    ifds.push(Array.from({ length: count }, (_, i) => u16(offset + 2 + i * 12)));
    offset = u32(offset + 2 + count * 12);
  }
  return ifds;
}

/** The tags of each IFD in a little-endian BigTIFF's chain (8-byte counts, 20-byte entries, 8-byte offsets). */
function bigTiffIfds(bytes: Buffer): number[][] {
  const ifds: number[][] = [];
  for (let offset = Number(bytes.readBigUInt64LE(8)); offset !== 0 && ifds.length < 10; ) {
    const count = Number(bytes.readBigUInt64LE(offset));
    ifds.push(Array.from({ length: count }, (_, i) => bytes.readUInt16LE(offset + 8 + i * 20)));
    offset = Number(bytes.readBigUInt64LE(offset + 8 + count * 20));
  }
  return ifds;
}

describe('TIFF', () => {
  it('drops the thumbnail IFD and every metadata tag, keeps byte order, structure, ICC and Orientation', () => {
    const input = metadataFixture('tiff-le.tiff');
    const before = tiffIfds(input);
    expect(before).toHaveLength(2);
    for (const tag of [271, 272, 305, 315, 700, 33723, 34377, 34665, 34853]) expect(before[0]).toContain(tag);
    const out = strip('tiff', input).bytes;
    expect(out.toString('latin1', 0, 2)).toBe('II');
    const after = tiffIfds(out);
    expect(after).toHaveLength(1);
    for (const tag of [271, 272, 305, 315, 700, 33723, 34377, 34665, 34853]) expect(after[0]).not.toContain(tag);
    for (const tag of [256, 257, 258, 259, 262, 273, 274, 277, 278, 279, 34675]) expect(after[0]).toContain(tag);
    // The thumbnail's pixels (IFD1's strips) are gone too: zeroed, or cut off with the file's end.
    const ifd1 = input.readUInt32LE(input.readUInt32LE(4) + 2 + before[0].length * 12);
    const entry = (tag: number) => {
      const count = input.readUInt16LE(ifd1);
      for (let i = 0; i < count; i += 1) if (input.readUInt16LE(ifd1 + 2 + i * 12) === tag) return ifd1 + 2 + i * 12;
      throw new Error(`no tag ${tag} in IFD1`);
    };
    expect(input.readUInt32LE(entry(273) + 4)).toBe(1); // one strip: its offset and length are inline
    const stripStart = input.readUInt32LE(entry(273) + 8);
    const stripBytes = input.readUInt32LE(entry(279) + 8);
    expect(input.subarray(stripStart, stripStart + stripBytes).some((b) => b !== 0)).toBe(true);
    expect(out.subarray(stripStart, stripStart + stripBytes).every((b) => b === 0)).toBe(true);
    const big = strip('tiff', metadataFixture('tiff-be.tiff')).bytes;
    expect(big.toString('latin1', 0, 2)).toBe('MM');
  });

  it('BigTIFF: drops the thumbnail IFD, the EXIF and GPS sub-IFDs and every metadata tag; keeps the 64-bit layout, ICC and Orientation', () => {
    const input = metadataFixture('bigtiff.tif');
    const before = bigTiffIfds(input);
    expect(before).toHaveLength(2);
    for (const tag of [271, 272, 305, 315, 700, 33723, 34377, 34665, 34853]) expect(before[0]).toContain(tag);
    const out = strip('tiff', input).bytes;
    expect(out.readUInt16LE(2)).toBe(43);
    const after = bigTiffIfds(out);
    expect(after).toHaveLength(1);
    expect(after[0].filter((tag) => ![254, 256, 257, 258, 259, 262, 266, 273, 274, 277, 278, 279, 284, 317, 318, 319, 34675].includes(tag))).toEqual([]);
    for (const tag of [256, 257, 273, 274, 279, 34675]) expect(after[0]).toContain(tag);
  });

  it('refuses an IFD chain that loops', () => {
    const input = Buffer.from(strip('tiff', metadataFixture('tiff-be.tiff')).bytes);
    const ifd = input.readUInt32BE(4);
    const count = input.readUInt16BE(ifd);
    input.writeUInt32BE(ifd, ifd + 2 + count * 12); // next IFD = itself
    expect(() => stripMetadata('tiff', input)).toThrow(InvalidImageError);
  });
});

// A minimal ISO-BMFF file built box by box: enough structure for the walk, not a decodable image.
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.byteLength, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}
const u8 = (...v: number[]) => Buffer.from(v);
const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const full = (version: number) => u32(version << 24);

/**
 * ftyp, meta (av01 item 1 with irot/imir; Exif item 2 and XMP item 3 describing it; av01 item 4,
 * its thumbnail, and item 5, the thumbnail's alpha plane), mdat.
 */
function heifWithMetadata(transforms: Buffer[]): { file: Buffer; exifAt: number; xmpAt: number; imageAt: number; thumbnailAt: number } {
  const image = Buffer.from('IMAGEDATA-IMAGEDATA', 'latin1');
  const exif = Buffer.concat([u32(0), Buffer.from('MM\0*PlantedHeifExif', 'latin1')]);
  const xmp = Buffer.from('<x:xmpmeta>PlantedHeifXmp</x:xmpmeta>', 'latin1');
  const thumbnail = Buffer.from('PlantedThumbnailPixels', 'latin1');
  const alpha = Buffer.from('PlantedThumbnailAlpha', 'latin1');
  const build = (mdatStart: number) => {
    const at = (n: number) => u32(mdatStart + 8 + n);
    const thumbAt = image.byteLength + exif.byteLength + xmp.byteLength;
    const iloc = box('iloc', full(0), u8(0x44, 0x00), u16(5),
      u16(1), u16(0), u16(1), at(0), u32(image.byteLength),
      u16(2), u16(0), u16(1), at(image.byteLength), u32(exif.byteLength),
      u16(3), u16(0), u16(1), at(image.byteLength + exif.byteLength), u32(xmp.byteLength),
      u16(4), u16(0), u16(1), at(thumbAt), u32(thumbnail.byteLength),
      u16(5), u16(0), u16(1), at(thumbAt + thumbnail.byteLength), u32(alpha.byteLength));
    const infe = (id: number, type: string, extra = Buffer.alloc(0)) => box('infe', full(2), u16(id), u16(0), Buffer.from(type, 'latin1'), Buffer.from('\0', 'latin1'), extra);
    const iinf = box('iinf', full(0), u16(5), infe(1, 'av01'), infe(2, 'Exif'), infe(3, 'mime', Buffer.from('application/rdf+xml\0', 'latin1')), infe(4, 'av01'), infe(5, 'av01'));
    const iref = box('iref', full(0), box('cdsc', u16(2), u16(1), u16(1)), box('cdsc', u16(3), u16(1), u16(1)), box('thmb', u16(4), u16(1), u16(1)), box('auxl', u16(5), u16(1), u16(4)));
    const ipco = box('ipco', box('ispe', full(0), u32(64), u32(48)), ...transforms);
    const associations = [1, ...transforms.map((_, i) => 0x80 | (i + 2))];
    const ipma = box('ipma', full(0), u32(3), u16(1), u8(associations.length, ...associations), u16(2), u8(0), u16(4), u8(1, 1));
    const meta = box('meta', full(0), box('hdlr', full(0), u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(13)), box('pitm', full(0), u16(1)), iloc, iinf, iref, box('iprp', ipco, ipma));
    const ftyp = box('ftyp', Buffer.from('avifmif1miafavif', 'latin1'));
    return Buffer.concat([ftyp, meta, box('mdat', image, exif, xmp, thumbnail, alpha)]);
  };
  const mdatStart = build(0).byteLength - (8 + image.byteLength + exif.byteLength + xmp.byteLength + thumbnail.byteLength + alpha.byteLength);
  const file = build(mdatStart);
  const exifAt = mdatStart + 8 + image.byteLength;
  const xmpAt = exifAt + exif.byteLength;
  return { file, imageAt: mdatStart + 8, exifAt, xmpAt, thumbnailAt: xmpAt + xmp.byteLength };
}

describe('AVIF/HEIF', () => {
  it('keeps a meta child that runs to the end of meta (size field 0) its own size when the rewrite moves it: stripping twice changes nothing', () => {
    // The metadata fuzz harness's seed 716667851: the fixture's first 260, then 326 bytes put in
    // front of it, so meta ends in a box of size 0 that the rewrite moves forward.
    const original = metadataFixture('avif.avif');
    const once = Buffer.concat([original.subarray(0, 260), original]);
    const file = Buffer.concat([once.subarray(0, 326), once]);
    const out = Buffer.from(strip('avif', file).bytes);
    expect(out.includes('Planted')).toBe(false);
    expect(Buffer.from(strip('avif', out).bytes).equals(out)).toBe(true);
  });

  it('removes the Exif, XMP, thumbnail and thumbnail-alpha items from iinf, iloc, iref and ipma, zeroes their payload, moves nothing', () => {
    const { file, imageAt, exifAt, xmpAt, thumbnailAt } = heifWithMetadata([]);
    const result = strip('avif', file);
    const out = result.bytes;
    expect(out.byteLength).toBe(file.byteLength);
    expect(out.includes('Planted')).toBe(false);
    expect(out.includes('Exif')).toBe(false);
    expect(out.includes('mime')).toBe(false);
    for (const reference of ['cdsc', 'thmb', 'auxl']) expect(out.includes(reference), reference).toBe(false);
    expect(out.subarray(imageAt, exifAt)).toEqual(file.subarray(imageAt, exifAt));
    expect(out.subarray(exifAt).every((b) => b === 0)).toBe(true);
    expect(result.zeroedBytes).toBe(file.byteLength - exifAt); // the four payloads, which end the file
    expect(thumbnailAt).toBeGreaterThan(xmpAt);
    expect(out.includes('av01')).toBe(true); // the image item stays
    // iloc now lists only item 1 at its unchanged offset; meta is topped up with a free box.
    const iloc = out.indexOf('iloc', 0, 'latin1');
    expect(out.readUInt16BE(iloc + 10)).toBe(1);
    expect(out.readUInt32BE(iloc + 18)).toBe(imageAt);
    expect(out.indexOf('free', 0, 'latin1')).toBeGreaterThan(iloc);
    expect(strip('avif', out).bytes.equals(out)).toBe(true);
  });

  it('empties descriptive properties (udes), free space and unknown boxes in place', () => {
    const udes = box('udes', full(0), Buffer.from('en\0PlantedName\0PlantedDescription\0PlantedTags\0', 'latin1'));
    const { file } = heifWithMetadata([udes, box('irot', u8(3))]);
    const stale = box('free', Buffer.from('PlantedStaleXmp', 'latin1'));
    const uuid = box('uuid', Buffer.from('be7acfcb97a942e89c71999491e3afacPlantedUuidXmp', 'latin1'));
    const withBoxes = Buffer.concat([file, stale, uuid]);
    const result = strip('avif', withBoxes);
    expect(result.bytes.byteLength).toBe(withBoxes.byteLength);
    expect(result.bytes.includes('Planted')).toBe(false);
    expect(result.bytes.includes('udes')).toBe(false);
    expect(result.bytes.includes('uuid')).toBe(false);
    expect(result.orientation).toBe(6); // the irot after the emptied property still counts
    expect(strip('avif', result.bytes).bytes.equals(result.bytes)).toBe(true);
  });

  it('reports irot/imir of the primary item as the EXIF orientation they amount to', () => {
    const irot = (angle: number) => box('irot', u8(angle));
    const imir = (axis: number) => box('imir', u8(axis));
    const cases: Array<[Buffer[], number]> = [
      [[], 1],
      [[irot(1)], 8], // a quarter turn anticlockwise
      [[irot(2)], 3],
      [[irot(3)], 6], // three anticlockwise = one clockwise
      [[imir(0)], 2],
      [[imir(1)], 4],
      [[irot(1), imir(0)], 7], // (x, y) -> (y, -x) -> (-y, -x): transverse
      [[irot(3), imir(0)], 5], // (x, y) -> (-y, x) -> (y, x): transpose
    ];
    for (const [transforms, expected] of cases) {
      const result = strip('avif', heifWithMetadata(transforms).file);
      expect(result.orientation).toBe(expected);
      expect(result.bytes.includes('irot') || result.bytes.includes('imir')).toBe(transforms.length > 0);
    }
  });
});

describe('BMP', () => {
  it('is returned unchanged: the format has no metadata blocks', () => {
    const bmp = fixture('sample.bmp');
    const result = stripMetadata('bmp', bmp);
    expect(result.bytes).toBe(bmp);
    expect(result).toMatchObject({ orientation: 1, removedBytes: 0, zeroedBytes: 0 });
  });
});

describe('displayedSize', () => {
  it('swaps width and height for orientations 5 to 8 only', () => {
    expect([1, 2, 3, 4].map((o) => displayedSize(64, 48, o))).toEqual(Array(4).fill({ width: 64, height: 48 }));
    expect([5, 6, 7, 8].map((o) => displayedSize(64, 48, o))).toEqual(Array(4).fill({ width: 48, height: 64 }));
  });
});

describe('malformed input', () => {
  it('is a 400 InvalidImageError, never another error, and never larger output', () => {
    for (const { file, format } of METADATA_FIXTURES) {
      const input = metadataFixture(file);
      for (const length of [1, 8, 20, Math.floor(input.byteLength / 2), input.byteLength - 1]) {
        try {
          const out = stripMetadata(format, input.subarray(0, length));
          expect(out.bytes.byteLength).toBeLessThanOrEqual(length + MAX_METADATA_GROWTH);
        } catch (error) {
          expect(error).toBeInstanceOf(HttpError);
          expect((error as HttpError).statusCode).toBe(400);
        }
      }
    }
  });
});
