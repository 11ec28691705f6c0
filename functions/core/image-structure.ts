import { PayloadTooLargeError } from './errors';
import type { ImageFormat, ImageSample } from './image-format';
import { entropyEnd } from './jpeg-entropy';

/**
 * Structure checks behind "bytes that are really an image": image-size reads a header and
 * trusts it, so a file cut anywhere after its header, or one whose signature is only half
 * right, still "has" dimensions. These walks follow each format's own framing (chunks, boxes,
 * blocks, segments, IFDs) far enough to know the file is whole.
 *
 * Direct uploads hand over the whole file. Large uploads hand over only the first and last
 * bytes; where a walk needs bytes from the gap between them it stops there, and the format's
 * end marker (PNG IEND, JPEG EOI, GIF trailer) must still be in the tail.
 */
export function isStructurallySound(format: ImageFormat, sample: ImageSample, maxPixels = Number.POSITIVE_INFINITY): boolean {
  const bytes = new Sampled(sample);
  const pixels = new PixelBudget(maxPixels);
  switch (format) {
    case 'png':
      return png(bytes);
    case 'jpeg':
      return jpeg(bytes);
    case 'gif':
      return gif(bytes, pixels);
    case 'webp':
      return webp(bytes);
    case 'bmp':
      return bmp(bytes);
    case 'avif':
      return avif(bytes);
    case 'tiff':
      return tiff(bytes, pixels);
  }
}

/**
 * Pixels of every frame (GIF) or page (TIFF IFD) added up: whoever decodes the file decodes
 * all of them, so an animation of ten thousand full-screen frames is a pixel flood even though
 * its header declares one small screen. Over the limit: 413, like a single image that is too big.
 */
class PixelBudget {
  private total = 0;

  constructor(private readonly max: number) {}

  add(width: number, height: number, what: 'frame' | 'page'): void {
    this.total += width * height;
    if (this.total > this.max) {
      throw new PayloadTooLargeError(`Image ${what}s total more than ${this.max} pixels; the limit is ${this.max} pixels, every ${what} counted`);
    }
  }
}

/** Past the end of the file: the file is shorter than its own structure says. */
const EOF = Symbol('eof');
/** In the unread middle of a large upload: cannot tell. */
const GAP = Symbol('gap');
type Read = Uint8Array | typeof EOF | typeof GAP;

/** Random access to a file of which only the head and the tail may be known. */
class Sampled {
  readonly size: number;
  readonly whole: boolean;
  private readonly head: Buffer;
  private readonly tail: Buffer;

  constructor(sample: ImageSample) {
    this.size = sample.size;
    this.head = Buffer.from(sample.head.buffer, sample.head.byteOffset, sample.head.byteLength);
    this.tail = Buffer.from(sample.tail.buffer, sample.tail.byteOffset, sample.tail.byteLength);
    this.whole = this.head.byteLength >= sample.size;
  }

  read(offset: number, length: number): Read {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.size) return EOF;
    if (offset + length <= this.head.byteLength) return this.head.subarray(offset, offset + length);
    const tailStart = this.size - this.tail.byteLength;
    if (offset >= tailStart) return this.tail.subarray(offset - tailStart, offset - tailStart + length);
    return GAP;
  }

  tailIncludes(needle: Buffer): boolean {
    return this.tail.includes(needle);
  }

  endsWith(byte: number): boolean {
    return this.tail.byteLength > 0 && this.tail[this.tail.byteLength - 1] === byte;
  }

  /** The whole file (direct uploads), or undefined when only its ends are known. */
  all(): Buffer | undefined {
    return this.whole ? this.head.subarray(0, this.size) : undefined;
  }
}

function startsWith(bytes: Sampled, signature: readonly number[]): boolean {
  const read = bytes.read(0, signature.length);
  return read instanceof Uint8Array && signature.every((value, i) => read[i] === value);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** IEND has no data, so its chunk (length, type, CRC) is always these 12 bytes. */
const PNG_IEND_CHUNK = Buffer.from('0000000049454e44ae426082', 'hex');

function png(bytes: Sampled): boolean {
  if (!startsWith(bytes, PNG_SIGNATURE)) return false;
  const all = bytes.all();
  if (!all) return bytes.tailIncludes(PNG_IEND_CHUNK);
  // Walk the chunks: every declared length must fit, up to a complete IEND.
  let offset = 8;
  while (offset + 12 <= all.byteLength) {
    const length = all.readUInt32BE(offset);
    if (length > 0x7fffffff) return false;
    const end = offset + 12 + length;
    if (end > all.byteLength) return false;
    if (all.subarray(offset, end).equals(PNG_IEND_CHUNK)) return true;
    offset = end;
  }
  return false;
}

const JPEG_EOI = Buffer.from([0xff, 0xd9]);

function jpeg(bytes: Sampled): boolean {
  if (!startsWith(bytes, [0xff, 0xd8, 0xff])) return false;
  const all = bytes.all();
  if (!all) return bytes.tailIncludes(JPEG_EOI);
  let offset = 2;
  for (;;) {
    if (offset >= all.byteLength || all[offset] !== 0xff) return false;
    while (offset < all.byteLength && all[offset] === 0xff) offset += 1; // fill bytes
    if (offset >= all.byteLength) return false;
    const marker = all[offset];
    offset += 1;
    if (marker === 0xd9) return true; // EOI
    if (marker === 0xd8 || marker === 0x00) return false;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (offset + 2 > all.byteLength) return false;
    const length = all.readUInt16BE(offset);
    if (length < 2 || offset + length > all.byteLength) return false;
    offset += length;
    if (marker === 0xda) {
      // Entropy-coded data: runs to the next marker that is not a stuffed 0xff00 or a restart.
      offset = entropyEnd(all, offset);
      if (offset < 0) return false;
    }
  }
}

function gif(bytes: Sampled, pixels: PixelBudget): boolean {
  const signature = bytes.read(0, 6);
  if (!(signature instanceof Uint8Array)) return false;
  if (!/^GIF8[79]a$/.test(Buffer.from(signature).toString('latin1'))) return false;
  const all = bytes.all();
  if (!all) return bytes.endsWith(0x3b);
  if (all.byteLength < 13) return false;
  const screenWidth = all.readUInt16LE(6);
  const screenHeight = all.readUInt16LE(8);
  let offset = 13;
  if (all[10] & 0x80) offset += 3 * 2 ** ((all[10] & 0x07) + 1);
  const skipSubBlocks = (from: number): number => {
    let at = from;
    for (;;) {
      if (at >= all.byteLength) return -1;
      const length = all[at];
      at += 1 + length;
      if (length === 0) return at;
    }
  };
  let frames = 0;
  for (;;) {
    if (offset >= all.byteLength) return false;
    const introducer = all[offset];
    if (introducer === 0x3b) return frames > 0 && offset === all.byteLength - 1; // nothing after the trailer
    if (introducer === 0x21) {
      offset = skipSubBlocks(offset + 2);
    } else if (introducer === 0x2c) {
      if (offset + 10 > all.byteLength) return false;
      // Every frame must lie inside the logical screen the header declares (and whose size was
      // checked against the limit), and is counted against the pixel limit itself.
      const left = all.readUInt16LE(offset + 1);
      const top = all.readUInt16LE(offset + 3);
      const width = all.readUInt16LE(offset + 5);
      const height = all.readUInt16LE(offset + 7);
      if (width === 0 || height === 0 || left + width > screenWidth || top + height > screenHeight) return false;
      pixels.add(width, height, 'frame');
      frames += 1;
      const flags = all[offset + 9];
      offset += 10;
      if (flags & 0x80) offset += 3 * 2 ** ((flags & 0x07) + 1);
      offset = skipSubBlocks(offset + 1); // LZW minimum code size, then the data
    } else {
      return false;
    }
    if (offset < 0) return false;
  }
}

function webp(bytes: Sampled): boolean {
  const header = bytes.read(0, 12);
  if (!(header instanceof Uint8Array)) return false;
  const h = Buffer.from(header);
  if (h.toString('latin1', 0, 4) !== 'RIFF' || h.toString('latin1', 8, 12) !== 'WEBP') return false;
  const riffEnd = 8 + h.readUInt32LE(4);
  if (riffEnd > bytes.size) return false;
  // Chunks (fourcc, size, data padded to even) must tile the RIFF payload exactly.
  let offset = 12;
  let first = true;
  while (offset < riffEnd) {
    const chunk = bytes.read(offset, 8);
    if (chunk === EOF) return false;
    if (chunk === GAP) return true;
    const c = Buffer.from(chunk);
    if (first && !['VP8 ', 'VP8L', 'VP8X'].includes(c.toString('latin1', 0, 4))) return false;
    first = false;
    const length = c.readUInt32LE(4);
    offset += 8 + length + (length % 2);
  }
  return offset === riffEnd && !first;
}

function bmp(bytes: Sampled): boolean {
  const header = bytes.read(0, 30);
  if (!(header instanceof Uint8Array)) return false;
  const h = Buffer.from(header);
  if (h.toString('latin1', 0, 2) !== 'BM') return false;
  const declared = h.readUInt32LE(2); // 0 = "unknown", allowed by the format
  const dataOffset = h.readUInt32LE(10);
  if ((declared !== 0 && declared > bytes.size) || dataOffset >= bytes.size) return false;
  const infoSize = h.readUInt32LE(14);
  if (infoSize < 40) return true; // OS/2 core headers: sizes above are all they declare
  const width = h.readInt32LE(18);
  const height = Math.abs(h.readInt32LE(22));
  const bitsPerPixel = h.readUInt16LE(28);
  const compression = bytes.read(30, 4);
  if (!(compression instanceof Uint8Array)) return false;
  const method = Buffer.from(compression).readUInt32LE(0);
  // Uncompressed rows (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS): the pixel array has a known size.
  if (method !== 0 && method !== 3 && method !== 6) return true;
  if (width <= 0 || bitsPerPixel === 0) return false;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  return dataOffset + rowBytes * height <= bytes.size;
}

function avif(bytes: Sampled): boolean {
  // ISO-BMFF: the top-level boxes, ftyp first, must tile the file exactly.
  // The coded image lives in an mdat box (AVIF encoders do not use meta/idat for it).
  let offset = 0;
  let first = true;
  let mdat = false;
  while (offset < bytes.size) {
    const header = bytes.read(offset, 8);
    if (header === EOF) return false;
    if (header === GAP) return true;
    const h = Buffer.from(header);
    const type = h.toString('latin1', 4, 8);
    if (first && type !== 'ftyp') return false;
    first = false;
    if (type === 'mdat') mdat = true;
    let length = h.readUInt32BE(0);
    if (length === 0) return mdat; // "to the end of the file"
    if (length === 1) {
      const large = bytes.read(offset + 8, 8);
      if (large === EOF) return false;
      if (large === GAP) return true;
      length = Number(Buffer.from(large).readBigUInt64BE(0));
      if (length < 16) return false;
    } else if (length < 8) {
      return false;
    }
    offset += length;
  }
  return offset === bytes.size && mdat;
}

const TIFF_TYPE_BYTES: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };

/** More IFDs than any real multi-page file has; also ends a chain that loops. */
const TIFF_MAX_IFDS = 1024;

function tiff(bytes: Sampled, pixels: PixelBudget): boolean {
  const header = bytes.read(0, 8);
  if (!(header instanceof Uint8Array)) return false;
  const h = Buffer.from(header);
  const order = h.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return false;
  const le = order === 'II';
  const u16 = (b: Buffer, at: number): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  if (u16(h, 2) !== 42) return false;

  // Every IFD (page) in the chain is checked, not only the first: each must be whole, its
  // image data inside the file, and its pixels count against the limit.
  const visited = new Set<number>();
  let ifd = u32(h, 4);
  do {
    if (ifd < 8 || visited.has(ifd) || visited.size >= TIFF_MAX_IFDS) return false;
    visited.add(ifd);
    const checked = tiffIfd(bytes, ifd, u16, u32, pixels);
    if (checked === GAP) return true; // a large upload's unread middle: cannot tell
    if (checked === false) return false;
    ifd = checked.next;
  } while (ifd !== 0);
  return true;
}

/** One IFD: false when it is broken, GAP when it lies in an unread part, else the next IFD's offset. */
function tiffIfd(
  bytes: Sampled,
  ifd: number,
  u16: (b: Buffer, at: number) => number,
  u32: (b: Buffer, at: number) => number,
  pixels: PixelBudget,
): { next: number } | false | typeof GAP {
  const countRead = bytes.read(ifd, 2);
  if (countRead === EOF) return false;
  if (countRead === GAP) return GAP;
  const count = u16(Buffer.from(countRead), 0);
  if (count === 0) return false;
  const entriesRead = bytes.read(ifd + 2, count * 12 + 4);
  if (entriesRead === EOF) return false;
  if (entriesRead === GAP) return GAP;
  const entries = Buffer.from(entriesRead);

  /** The values of an entry, as numbers (SHORT or LONG), or EOF/GAP. */
  const values = (at: number): number[] | typeof EOF | typeof GAP => {
    const type = u16(entries, at + 2);
    const n = u32(entries, at + 4);
    const width = TIFF_TYPE_BYTES[type] ?? 1;
    const inline = n * width <= 4;
    const data = inline ? entries.subarray(at + 8, at + 12) : bytes.read(u32(entries, at + 8), n * width);
    if (!(data instanceof Uint8Array)) return data;
    const d = Buffer.from(data);
    if (type !== 3 && type !== 4) return [];
    return Array.from({ length: n }, (_, i) => (type === 3 ? u16(d, i * 2) : u32(d, i * 4)));
  };

  const byTag = new Map<number, number>();
  for (let i = 0; i < count; i += 1) {
    const at = i * 12;
    byTag.set(u16(entries, at), at);
    // Every value stored outside the entry must lie inside the file.
    const type = u16(entries, at + 2);
    const n = u32(entries, at + 4);
    const length = n * (TIFF_TYPE_BYTES[type] ?? 1);
    if (length > 4 && u32(entries, at + 8) + length > bytes.size) return false;
  }

  // The page's dimensions (ImageWidth 256, ImageLength 257), each at least 1.
  const dimension = (tag: number): number | undefined => {
    const at = byTag.get(tag);
    if (at === undefined) return undefined;
    const read = values(at);
    return Array.isArray(read) && read.length === 1 ? read[0] : undefined;
  };
  const width = dimension(256);
  const height = dimension(257);
  if (!width || !height) return false;
  pixels.add(width, height, 'page');

  // The image data: strips (273/279) or tiles (324/325), each (offset, byte count) inside the file.
  const pairs: Array<[number, number]> = [
    [273, 279],
    [324, 325],
  ];
  for (const [offsetsTag, countsTag] of pairs) {
    const o = byTag.get(offsetsTag);
    const c = byTag.get(countsTag);
    if (o === undefined || c === undefined) continue;
    const offsets = values(o);
    const counts = values(c);
    if (offsets === EOF || counts === EOF) return false;
    if (offsets === GAP || counts === GAP) return GAP;
    if (offsets.length === 0 || offsets.length !== counts.length) return false;
    if (!offsets.every((start, i) => start + counts[i] <= bytes.size)) return false;
    return { next: u32(entries, count * 12) };
  }
  return false;
}
