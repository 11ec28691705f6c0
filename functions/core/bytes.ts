/**
 * Byte helpers shared by the pure format walks (metadata removal): views without copies, the
 * CRC-32 PNG chunks need, and "zero these ranges but never those" for walks that clean a file
 * in place. Nothing here knows any format.
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
  writeU16(bytes: Buffer, at: number, value: number): void;
  writeU32(bytes: Buffer, at: number, value: number): void;
}

export const BIG_ENDIAN: Endian = {
  littleEndian: false,
  u16: (b, at) => b.readUInt16BE(at),
  u32: (b, at) => b.readUInt32BE(at),
  writeU16: (b, at, v) => void b.writeUInt16BE(v, at),
  writeU32: (b, at, v) => void b.writeUInt32BE(v, at),
};

export const LITTLE_ENDIAN: Endian = {
  littleEndian: true,
  u16: (b, at) => b.readUInt16LE(at),
  u32: (b, at) => b.readUInt32LE(at),
  writeU16: (b, at, v) => void b.writeUInt16LE(v, at),
  writeU32: (b, at, v) => void b.writeUInt32LE(v, at),
};

/** The FourCC / chunk type at `at`, as text. */
export function fourcc(bytes: Buffer, at: number): string {
  return bytes.toString('latin1', at, at + 4);
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (ISO-HDLC, as PNG uses it). Only ever run over the few bytes a walk writes itself. */
export function crc32(bytes: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < bytes.byteLength; i += 1) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
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

/**
 * The pieces of a rewritten file, mostly views of the original: one copy at the end
 * (Buffer.concat) instead of one per piece, so a walk that keeps 4 MiB of entropy data copies it
 * once, and no copy at all when the pieces turn out to be the whole original in order.
 *
 * With `overwriteSource` (a source the caller owns and will not read again) the file is written
 * over the source instead, right-aligned where its last piece ends: the large tail (a JPEG's
 * entropy data, a PNG's last IDAT chunks) stays where it is and only the small pieces before it
 * move, so removing a few kilobytes of metadata costs no 4 MiB allocation and no 4 MiB copy.
 */
export class Pieces {
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  /** Still exactly source[0, length): every piece so far was the next view of the source. */
  private verbatim = true;

  constructor(
    private readonly source: Buffer,
    private readonly options: { readonly overwriteSource?: boolean } = {},
  ) {}

  push(part: Uint8Array): void {
    if (part.byteLength === 0) return;
    if (this.verbatim && (part.buffer !== this.source.buffer || part.byteOffset !== this.source.byteOffset + this.length)) {
      this.verbatim = false;
    }
    this.parts.push(part);
    this.length += part.byteLength;
  }

  get byteLength(): number {
    return this.length;
  }

  /** The new file; the source itself when nothing was left out, changed or added. */
  toBuffer(): Buffer {
    if (this.verbatim && this.length === this.source.byteLength) return this.source;
    return (this.options.overwriteSource && this.inPlace()) || Buffer.concat(this.parts, this.length);
  }

  /**
   * Moves the pieces within the source, last first, each to where it ends up when the file ends
   * where the last view of the source ends (plus any pieces of its own after that view). Every piece that is a view of the source moves right or stays
   * (which a walk that only drops or shrinks guarantees), so no move overwrites source bytes a
   * piece still to be moved needs; when that does not hold (views out of order, a piece larger
   * than what it replaced), nothing is written and the caller copies instead.
   */
  private inPlace(): Buffer | undefined {
    const { source, parts } = this;
    const offsetOf = (part: Uint8Array): number =>
      part.buffer === source.buffer && part.byteOffset >= source.byteOffset && part.byteOffset + part.byteLength <= source.byteOffset + source.byteLength
        ? part.byteOffset - source.byteOffset
        : -1;
    // The file ends where the last view ends plus the pieces of its own after it (a minimal EXIF
    // chunk written where a WebP's metadata chunks were): those land on dropped bytes.
    let lastView = parts.length - 1;
    while (lastView >= 0 && offsetOf(parts[lastView]) < 0) lastView -= 1;
    if (lastView < 0) return undefined;
    let end = offsetOf(parts[lastView]) + parts[lastView].byteLength;
    for (let i = lastView + 1; i < parts.length; i += 1) end += parts[i].byteLength;
    if (end > source.byteLength) return undefined;
    // Plan first: the destination of every piece, and whether the moves are safe.
    const destinations = new Array<number>(parts.length);
    let destination = end;
    let sourceFloor = source.byteLength; // views must sit in order, each ending before the next one starts
    for (let i = parts.length - 1; i >= 0; i -= 1) {
      destination -= parts[i].byteLength;
      if (destination < 0) return undefined;
      const offset = offsetOf(parts[i]);
      if (offset >= 0) {
        if (offset + parts[i].byteLength > sourceFloor || destination < offset) return undefined;
        sourceFloor = offset;
      }
      // A piece of its own (a rewritten header) lands at or after the end of the view before it
      // (that view's destination is at or after its source), so it overwrites nothing still needed.
      destinations[i] = destination;
    }
    for (let i = parts.length - 1; i >= 0; i -= 1) {
      const offset = offsetOf(parts[i]);
      if (offset === destinations[i]) continue;
      if (offset >= 0) source.copyWithin(destinations[i], offset, offset + parts[i].byteLength);
      else source.set(parts[i], destinations[i]);
    }
    return source.subarray(destination, end);
  }
}
