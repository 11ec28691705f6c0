/**
 * Byte helpers shared by the format walks: views without copies, byte orders, the CRC-32 PNG
 * chunks need, and "zero these ranges but never those" for walks that clean a file in place.
 * Nothing here knows any format.
 */

/** A Buffer view of the same bytes (no copy), so walks get readUInt32BE, indexOf, equals. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A half-open range [start, end) of a file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Readers for one byte order (TIFF and EXIF say theirs in the first two bytes). */
export interface Endian {
  readonly littleEndian: boolean;
  u16(bytes: Buffer, at: number): number;
  u32(bytes: Buffer, at: number): number;
  /** A 64-bit field as a number: exact up to 2^53, and past that larger than any file, which is all a reader checks it against. */
  u64(bytes: Buffer, at: number): number;
  writeU16(bytes: Buffer, at: number, value: number): void;
  writeU32(bytes: Buffer, at: number, value: number): void;
  writeU64(bytes: Buffer, at: number, value: number): void;
}

/** One byte order, by its flag; every reader and writer decides by it, so both orders share one definition. */
class ByteOrder implements Endian {
  constructor(readonly littleEndian: boolean) {}

  u16(bytes: Buffer, at: number): number {
    return this.littleEndian ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
  }

  u32(bytes: Buffer, at: number): number {
    return this.littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
  }

  u64(bytes: Buffer, at: number): number {
    return Number(this.littleEndian ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at));
  }

  writeU16(bytes: Buffer, at: number, value: number): void {
    if (this.littleEndian) bytes.writeUInt16LE(value, at);
    else bytes.writeUInt16BE(value, at);
  }

  writeU32(bytes: Buffer, at: number, value: number): void {
    if (this.littleEndian) bytes.writeUInt32LE(value, at);
    else bytes.writeUInt32BE(value, at);
  }

  writeU64(bytes: Buffer, at: number, value: number): void {
    if (this.littleEndian) bytes.writeBigUInt64LE(BigInt(value), at);
    else bytes.writeBigUInt64BE(BigInt(value), at);
  }
}

export const BIG_ENDIAN: Endian = new ByteOrder(false);
export const LITTLE_ENDIAN: Endian = new ByteOrder(true);

/** The FourCC / chunk type at `at`, as text. */
export function fourcc(bytes: Buffer, at: number): string {
  return bytes.toString('latin1', at, at + 4);
}

/** Made on the first CRC: every function that checks images loads this module, few write a chunk. */
let crcTable: Int32Array | undefined;

function crcTableOnce(): Int32Array {
  crcTable ??= Int32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  return crcTable;
}

/** CRC-32 (ISO-HDLC, as PNG uses it). Only ever run over the few bytes a walk writes itself. */
export function crc32(bytes: Uint8Array): number {
  const table = crcTableOnce();
  let crc = -1;
  for (let i = 0; i < bytes.byteLength; i += 1) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * Zeroes every `drop` range of `out` except where a `keep` range covers it. Walks that clean in
 * place (TIFF, ISO-BMFF) collect both from a hostile file's offsets: a metadata tag pointing into
 * the pixel data must not wipe pixels, so whatever something kept needs is written back after.
 * Ranges are clamped to the file. Returns how many bytes were zeroed (dropped and not kept).
 */
export function zeroRanges(original: Buffer, out: Buffer, drop: readonly ByteRange[], keep: readonly ByteRange[]): number {
  const size = out.byteLength;
  const clamp = (r: ByteRange): ByteRange | undefined => {
    const start = Math.max(0, Math.min(size, r.start));
    const end = Math.max(start, Math.min(size, r.end));
    return end > start ? { start, end } : undefined;
  };
  const dropped = mergeRanges(drop.map(clamp).filter((r): r is ByteRange => r !== undefined));
  if (dropped.length === 0) return 0;
  let zeroed = 0;
  for (const r of dropped) {
    out.fill(0, r.start, r.end);
    zeroed += r.end - r.start;
  }
  for (const r of mergeRanges(keep.map(clamp).filter((r): r is ByteRange => r !== undefined))) {
    // Only where a kept range overlaps a dropped one does anything need restoring.
    for (const d of dropped) {
      const start = Math.max(r.start, d.start);
      const end = Math.min(r.end, d.end);
      if (end > start) {
        original.copy(out, start, start, end);
        zeroed -= end - start;
      }
    }
  }
  return zeroed;
}

/** Sorted, overlapping and touching ranges joined. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else merged.push(r);
  }
  return merged;
}
