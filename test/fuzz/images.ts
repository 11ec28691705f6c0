import { readFileSync } from 'node:fs';
import { ALLOWED_FORMATS, CONTENT_TYPES, type ImageFormat } from '../../functions/core/formats/registry';

/**
 * Image bytes for the fuzz suite: the committed fixtures of every allowed format, and the
 * mutations the suite applies to them (truncation, patched dimensions, broken signatures,
 * polyglots, harmless metadata). Each mutation comes with what the API must answer, decided
 * here from the format's own rules, not from the implementation.
 */

const FILES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'sample.jpg',
  png: 'sample.png',
  gif: 'sample.gif',
  webp: 'sample.webp',
  avif: 'sample.avif',
  bmp: 'sample.bmp',
  tiff: 'sample.tiff',
};

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

/** The committed 64x48 sample of every allowed format. */
export const SAMPLES: Readonly<Record<ImageFormat, Buffer>> = Object.fromEntries(
  ALLOWED_FORMATS.map((format) => [format, fixture(FILES[format])]),
) as Record<ImageFormat, Buffer>;

export const SAMPLE_WIDTH = 64;
export const SAMPLE_HEIGHT = 48;

/** A valid image and what the API must report for it. */
export interface ValidImage {
  readonly format: ImageFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: Buffer;
}

export function sample(format: ImageFormat): ValidImage {
  return { format, contentType: CONTENT_TYPES[format], width: SAMPLE_WIDTH, height: SAMPLE_HEIGHT, bytes: SAMPLES[format] };
}

// ---------------------------------------------------------------------------------------------
// Dimensions: where each format keeps them, so zero and huge values can be patched in.

interface DimensionField {
  readonly offset: number;
  readonly write: (bytes: Buffer, offset: number, value: number) => void;
  /** Largest value the field can hold. */
  readonly max: number;
}

const u16le = (b: Buffer, o: number, v: number): void => void b.writeUInt16LE(v, o);
const u16be = (b: Buffer, o: number, v: number): void => void b.writeUInt16BE(v, o);
const u32be = (b: Buffer, o: number, v: number): void => void b.writeUInt32BE(v, o);
const i32le = (b: Buffer, o: number, v: number): void => void b.writeInt32LE(v, o);
/** VP8 key frame: 14 bits of size, 2 bits of scale (kept at 0). */
const vp8 = (b: Buffer, o: number, v: number): void => void b.writeUInt16LE(v & 0x3fff, o);

function jpegFrame(bytes: Buffer): number {
  let offset = 2;
  while (offset + 4 < bytes.byteLength) {
    const marker = bytes[offset + 1];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return offset;
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  throw new Error('no SOF marker in the JPEG sample');
}

function tiffEntry(bytes: Buffer, tag: number): number {
  const ifd = bytes.readUInt32LE(4);
  const count = bytes.readUInt16LE(ifd);
  for (let i = 0; i < count; i += 1) {
    const at = ifd + 2 + i * 12;
    if (bytes.readUInt16LE(at) === tag) {
      if (bytes.readUInt16LE(at + 2) !== 3) throw new Error('TIFF sample: expected SHORT dimensions');
      return at + 8;
    }
  }
  throw new Error(`TIFF sample: no tag ${tag}`);
}

/** [width, height] fields of each sample. */
export function dimensionFields(format: ImageFormat): [DimensionField, DimensionField] {
  const bytes = SAMPLES[format];
  switch (format) {
    case 'png':
      return [
        { offset: 16, write: u32be, max: 0x7fffffff },
        { offset: 20, write: u32be, max: 0x7fffffff },
      ];
    case 'gif':
      return [
        { offset: 6, write: u16le, max: 0xffff },
        { offset: 8, write: u16le, max: 0xffff },
      ];
    case 'jpeg': {
      const sof = jpegFrame(bytes);
      return [
        { offset: sof + 7, write: u16be, max: 0xffff },
        { offset: sof + 5, write: u16be, max: 0xffff },
      ];
    }
    case 'webp':
      if (bytes.toString('latin1', 12, 16) !== 'VP8 ') throw new Error('WebP sample: expected a lossy VP8 chunk');
      return [
        { offset: 26, write: vp8, max: 0x3fff },
        { offset: 28, write: vp8, max: 0x3fff },
      ];
    case 'bmp':
      return [
        { offset: 18, write: i32le, max: 0x7fffffff },
        { offset: 22, write: i32le, max: 0x7fffffff },
      ];
    case 'avif': {
      const ispe = bytes.indexOf('ispe', 0, 'latin1');
      if (ispe < 0) throw new Error('AVIF sample: no ispe box');
      return [
        { offset: ispe + 8, write: u32be, max: 0x7fffffff },
        { offset: ispe + 12, write: u32be, max: 0x7fffffff },
      ];
    }
    case 'tiff':
      return [
        { offset: tiffEntry(bytes, 256), write: u16le, max: 0xffff },
        { offset: tiffEntry(bytes, 257), write: u16le, max: 0xffff },
      ];
  }
}

export function withDimensions(format: ImageFormat, width: number, height: number): Buffer {
  const bytes = Buffer.from(SAMPLES[format]);
  const [w, h] = dimensionFields(format);
  w.write(bytes, w.offset, width);
  h.write(bytes, h.offset, height);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Signatures: the bytes that say "I am this format".

/** Offsets of each sample's signature bytes. */
export const SIGNATURE_BYTES: Readonly<Record<ImageFormat, readonly number[]>> = {
  jpeg: [0, 1, 2], // SOI and the first marker's 0xff
  png: [0, 1, 2, 3, 4, 5, 6, 7],
  gif: [0, 1, 2, 3, 4, 5],
  webp: [0, 1, 2, 3, 8, 9, 10, 11],
  avif: [4, 5, 6, 7], // the first box must be ftyp
  bmp: [0, 1],
  tiff: [0, 1, 2, 3],
};

/**
 * True when changing byte `offset` of the sample to `value` still spells a valid signature of
 * the same format (GIF87a is as valid as GIF89a).
 */
export function isAlternativeSignature(format: ImageFormat, offset: number, value: number): boolean {
  return format === 'gif' && offset === 4 && (value === 0x37 || value === 0x39);
}

// ---------------------------------------------------------------------------------------------
// Polyglots and metadata.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}


/** Payloads that would be dangerous if a browser or another tool took them for what they are. */
export const PAYLOADS: Readonly<Record<string, Buffer>> = {
  html: Buffer.from('<!doctype html><html><body><script>alert(document.domain)</script></body></html>\n'),
  svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'),
  js: Buffer.from('/*\x00*/=1;alert(String.fromCharCode(88,83,83));//'),
  php: Buffer.from('<?php system($_GET["c"]); ?>'),
  zip: zipWith('payload.html', Buffer.from('<script>alert(1)</script>')),
};

/** A minimal stored (uncompressed) ZIP archive with one file: PNG+zip polyglots append this. */
export function zipWith(name: string, content: Buffer): Buffer {
  const nameBytes = Buffer.from(name, 'latin1');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.byteLength, 18);
  local.writeUInt32LE(content.byteLength, 22);
  local.writeUInt16LE(nameBytes.byteLength, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.byteLength, 20);
  central.writeUInt32LE(content.byteLength, 24);
  central.writeUInt16LE(nameBytes.byteLength, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + nameBytes.byteLength, 12);
  end.writeUInt32LE(30 + nameBytes.byteLength + content.byteLength, 16);
  return Buffer.concat([local, nameBytes, content, central, nameBytes, end]);
}

/**
 * Whether bytes after the format's end are tolerated (an image followed by a payload, e.g.
 * PNG+zip). JPEG: phones append data after EOI (motion photos), so it must be. PNG, WebP, BMP
 * and TIFF locate their data by declared lengths and offsets, which the payload cannot change.
 * GIF: every viewer stops at the trailer (whirlgif writes a comment after it, as in
 * moon_impact.gif), and the metadata walk drops what follows. AVIF's top-level boxes must tile
 * the file.
 */
export const TRAILING_DATA_ALLOWED: Readonly<Record<ImageFormat, boolean>> = {
  jpeg: true,
  png: true,
  webp: true,
  bmp: true,
  tiff: true,
  gif: true,
  avif: false,
};

/**
 * Lengths a sample may be cut to and still be whole to every viewer: a GIF whose last block is
 * whole and whose trailer alone is missing (browsers, libvips and ImageMagick all show it).
 */
export function isWholeWhenCutTo(format: ImageFormat, length: number): boolean {
  return format === 'gif' && length === SAMPLES.gif.byteLength - 1;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.byteLength, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid image of `format` that also carries `payload` where the format keeps metadata
 * (PNG tEXt chunk, GIF comment extension, JPEG COM segment); other formats are returned as is.
 * The result is still a valid image: only metadata changed.
 */
export function withMetadata(format: ImageFormat, payload: Buffer): Buffer {
  const bytes = SAMPLES[format];
  switch (format) {
    case 'png': {
      const afterIhdr = 8 + 12 + 13;
      const text = Buffer.concat([Buffer.from('Comment\0', 'latin1'), payload]);
      return Buffer.concat([bytes.subarray(0, afterIhdr), pngChunk('tEXt', text), bytes.subarray(afterIhdr)]);
    }
    case 'gif': {
      let offset = 13;
      if (bytes[10] & 0x80) offset += 3 * 2 ** ((bytes[10] & 0x07) + 1);
      const blocks: Buffer[] = [Buffer.from([0x21, 0xfe])];
      for (let at = 0; at < payload.byteLength; at += 255) {
        const part = payload.subarray(at, at + 255);
        blocks.push(Buffer.from([part.byteLength]), part);
      }
      blocks.push(Buffer.from([0]));
      return Buffer.concat([bytes.subarray(0, offset), ...blocks, bytes.subarray(offset)]);
    }
    case 'jpeg': {
      const data = payload.subarray(0, 65533);
      const segment = Buffer.alloc(4);
      segment.writeUInt16BE(0xfffe, 0);
      segment.writeUInt16BE(data.byteLength + 2, 2);
      return Buffer.concat([bytes.subarray(0, 2), segment, data, bytes.subarray(2)]);
    }
    default:
      return bytes;
  }
}

export const METADATA_FORMATS: readonly ImageFormat[] = ['png', 'gif', 'jpeg'];

/** Not allowed, whatever they are called: SVG (script) and HEIC (misread sizes). */
export const REFUSED_FILES = ['script.svg', 'sample.heic', 'not-an-image.png'] as const;

/** The first bytes of every allowed format's signature, to keep random bytes from being one. */
export function startsLikeAnImage(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (
    (b[0] === 0xff && b[1] === 0xd8) ||
    b.subarray(1, 4).toString('latin1') === 'PNG' ||
    b.subarray(0, 3).toString('latin1') === 'GIF' ||
    b.subarray(0, 4).toString('latin1') === 'RIFF' ||
    b.subarray(4, 8).toString('latin1') === 'ftyp' ||
    b.subarray(0, 2).toString('latin1') === 'BM' ||
    b.subarray(0, 2).toString('latin1') === 'II' ||
    b.subarray(0, 2).toString('latin1') === 'MM'
  );
}
