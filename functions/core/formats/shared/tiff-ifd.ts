import { type ByteSource, GAP, type Gap, type GapOf, isBytes, readFrom } from './byte-source';
import { BIG_ENDIAN, type Endian, LITTLE_ENDIAN } from './bytes';

/**
 * The TIFF structure (header, IFDs, entries, values) that TIFF files and EXIF blocks (inside
 * JPEG, PNG, WebP) are both made of, read defensively: every offset is checked against the file
 * it points into. Over a sampled file a read may land in the unread middle (GAP); over a whole
 * file it cannot. Two layouts share the reader (`TiffLayout`): classic TIFF (2-byte entry counts,
 * 12-byte entries, 4-byte offsets) and BigTIFF (8-byte counts, 20-byte entries, 8-byte offsets),
 * which scanners, microscopes and GIS tools write for files of 4 GiB and more, and some for all.
 */

export const TYPE_SHORT = 3;
export const TYPE_LONG = 4;
export const TYPE_IFD = 13;
/** BigTIFF's 64-bit unsigned integer and IFD offset types. */
export const TYPE_LONG8 = 16;
export const TYPE_IFD8 = 18;

/** Bytes per value of each TIFF field type (unknown types count as 1, as readers do). */
const TYPE_BYTES: Readonly<Record<number, number>> = {
  1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
};

/** Bytes of one value of `type`. */
export function typeBytes(type: number): number {
  return TYPE_BYTES[type] ?? 1;
}

/** More IFDs than any real multi-page file has; also ends a chain that loops. */
export const MAX_IFDS = 1024;

/** Where a layout keeps its counts and offsets; the byte order comes with it. */
export class TiffLayout {
  /** Bytes of the header: byte order, version, (BigTIFF: offset size, padding), IFD0's offset. */
  readonly headerBytes: number;
  /** Where in the header IFD0's offset is. */
  readonly firstIfdAt: number;
  /** An IFD's entry count. */
  readonly countBytes: number;
  readonly entryBytes: number;
  /** Offsets (next IFD, out-of-line values), and the most value bytes an entry holds inline. */
  readonly offsetBytes: number;

  constructor(
    readonly endian: Endian,
    readonly big: boolean,
  ) {
    this.headerBytes = big ? 16 : 8;
    this.firstIfdAt = big ? 8 : 4;
    this.countBytes = big ? 8 : 2;
    this.entryBytes = big ? 20 : 12;
    this.offsetBytes = big ? 8 : 4;
  }

  count(bytes: Buffer, at: number): number {
    return this.big ? this.endian.u64(bytes, at) : this.endian.u16(bytes, at);
  }

  writeCount(bytes: Buffer, at: number, value: number): void {
    if (this.big) this.endian.writeU64(bytes, at, value);
    else this.endian.writeU16(bytes, at, value);
  }

  offset(bytes: Buffer, at: number): number {
    return this.big ? this.endian.u64(bytes, at) : this.endian.u32(bytes, at);
  }

  writeOffset(bytes: Buffer, at: number, value: number): void {
    if (this.big) this.endian.writeU64(bytes, at, value);
    else this.endian.writeU32(bytes, at, value);
  }

  /** Bytes of an IFD with `entries` entries: count, entries, next offset. */
  ifdBytes(entries: number): number {
    return this.countBytes + entries * this.entryBytes + this.offsetBytes;
  }
}

export interface TiffHeader {
  readonly layout: TiffLayout;
  readonly endian: Endian;
  readonly firstIfd: number;
}

/** One IFD entry, with where its value lives (inline in the entry, or at an offset). */
export interface IfdEntry {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  /** Offset of the entry itself (12 bytes, BigTIFF 20). */
  readonly entryOffset: number;
  /** Offset of the value bytes: inside the entry when inline. */
  readonly valueOffset: number;
  readonly valueBytes: number;
  /** The value is stored outside the entry (more than 4 bytes, BigTIFF 8). */
  readonly outOfLine: boolean;
}

export interface Ifd {
  readonly offset: number;
  readonly entries: readonly IfdEntry[];
  /** Offset of the next IFD in the chain, 0 at the end. */
  readonly next: number;
  /** First byte after the IFD (count, entries, next pointer). */
  readonly end: number;
}

export interface IfdOptions {
  /** An IFD without entries counts as unreadable (TIFF files require one; EXIF blocks get leeway). */
  readonly refuseEmpty?: boolean;
}

/**
 * "II" or "MM", then 42 and IFD0's 4-byte offset (classic), or 43, an offset size of 8, zero,
 * and IFD0's 8-byte offset (BigTIFF); undefined when the bytes are no TIFF header.
 */
export function readTiffHeader(bytes: Buffer): TiffHeader | undefined {
  if (bytes.byteLength < 8) return undefined;
  const order = bytes.toString('latin1', 0, 2);
  const endian = order === 'II' ? LITTLE_ENDIAN : order === 'MM' ? BIG_ENDIAN : undefined;
  if (!endian) return undefined;
  const version = endian.u16(bytes, 2);
  if (version === 42) return { layout: new TiffLayout(endian, false), endian, firstIfd: endian.u32(bytes, 4) };
  if (version !== 43 || bytes.byteLength < 16 || endian.u16(bytes, 4) !== 8 || endian.u16(bytes, 6) !== 0) return undefined;
  return { layout: new TiffLayout(endian, true), endian, firstIfd: endian.u64(bytes, 8) };
}

/** The IFD at `offset`: undefined when it does not fit in the file, GAP when it lies where the sample was not read. */
export function readIfd<S extends ByteSource>(source: S, layout: TiffLayout, offset: number, options: IfdOptions = {}): Ifd | undefined | GapOf<S> {
  if (offset < layout.headerBytes) return undefined;
  const countBytes = readFrom(source, offset, layout.countBytes);
  if (!isBytes(countBytes)) return countBytes;
  const count = layout.count(countBytes, 0);
  if (count === 0 && options.refuseEmpty) return undefined;
  const { endian, entryBytes, offsetBytes } = layout;
  const bodyBytes = count * entryBytes + offsetBytes;
  if (!Number.isSafeInteger(bodyBytes)) return undefined;
  const body = readFrom(source, offset + layout.countBytes, bodyBytes);
  if (!isBytes(body)) return body;
  const entries = new Array<IfdEntry>(count);
  for (let i = 0; i < count; i += 1) {
    const at = i * entryBytes;
    const type = endian.u16(body, at + 2);
    const n = layout.big ? endian.u64(body, at + 4) : endian.u32(body, at + 4);
    const valueBytes = n * typeBytes(type);
    const outOfLine = valueBytes > offsetBytes;
    const entryOffset = offset + layout.countBytes + at;
    const valueField = entryBytes - offsetBytes;
    entries[i] = {
      tag: endian.u16(body, at),
      type,
      count: n,
      entryOffset,
      valueOffset: outOfLine ? layout.offset(body, at + valueField) : entryOffset + valueField,
      valueBytes,
      outOfLine,
    };
  }
  return { offset, entries, next: layout.offset(body, count * entryBytes), end: offset + layout.ifdBytes(count) };
}

/** How an IFD chain ended: at a next offset of 0, with none at all, on an offset seen before (or too many), or on an IFD that does not fit. */
export type ChainEnd = 'end' | 'empty' | 'loop' | 'unreadable' | Gap;

/** The IFDs of the chain that starts at `first`, each once, in order; the return value says how the chain ended. */
export function* ifdChain<S extends ByteSource>(
  source: S,
  layout: TiffLayout,
  first: number,
  options: IfdOptions = {},
): Generator<Ifd, Exclude<ChainEnd, Gap> | GapOf<S>, undefined> {
  if (first === 0) return 'empty';
  const seen = new Set<number>();
  for (let offset = first; offset !== 0; ) {
    if (seen.has(offset) || seen.size >= MAX_IFDS) return 'loop';
    seen.add(offset);
    const ifd = readIfd(source, layout, offset, options);
    if (ifd === undefined) return 'unreadable';
    if (ifd === GAP) return ifd;
    yield ifd;
    offset = ifd.next;
  }
  return 'end';
}

/** The entry's value bytes, inline or out of line. */
export function readValue<S extends ByteSource>(source: S, entry: IfdEntry): Buffer | undefined | GapOf<S> {
  return readFrom(source, entry.valueOffset, entry.valueBytes);
}

/** The type holds plain unsigned integers (SHORT, LONG or BigTIFF's LONG8). */
export function isUnsignedInteger(entry: IfdEntry): boolean {
  return entry.type === TYPE_SHORT || entry.type === TYPE_LONG || entry.type === TYPE_LONG8;
}

/** The values of a SHORT, LONG, LONG8, IFD or IFD8 entry, from its value bytes. */
export function numbersIn(value: Buffer, endian: Endian, entry: IfdEntry): number[] {
  const width = TYPE_BYTES[entry.type];
  const values = new Array<number>(entry.count);
  for (let i = 0; i < entry.count; i += 1) {
    const at = i * width;
    values[i] = width === 2 ? endian.u16(value, at) : width === 4 ? endian.u32(value, at) : endian.u64(value, at);
  }
  return values;
}

/** The values of a SHORT, LONG, LONG8, IFD or IFD8 entry as numbers; undefined when they do not fit or the type is another. */
export function readNumbers<S extends ByteSource>(source: S, endian: Endian, entry: IfdEntry): number[] | undefined | GapOf<S> {
  if (!isUnsignedInteger(entry) && entry.type !== TYPE_IFD && entry.type !== TYPE_IFD8) return undefined;
  const value = readValue(source, entry);
  return isBytes(value) ? numbersIn(value, endian, entry) : value;
}
