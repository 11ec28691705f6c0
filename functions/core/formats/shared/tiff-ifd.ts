import { type ByteSource, GAP, type Gap, type GapOf, isBytes, readFrom } from './byte-source';
import { BIG_ENDIAN, type Endian, LITTLE_ENDIAN } from './bytes';

/**
 * The TIFF structure (header, IFDs, entries, values) that TIFF files and EXIF blocks (inside
 * JPEG, PNG, WebP) are both made of, read defensively: every offset is checked against the file
 * it points into. Over a sampled file a read may land in the unread middle (GAP); over a whole
 * file it cannot. The classic layout (2-byte entry counts, 12-byte entries, 4-byte offsets) is
 * known only here, so a second layout (BigTIFF's 8-byte counts, 20-byte entries, 8-byte offsets)
 * belongs beside it.
 */

export const TYPE_SHORT = 3;
export const TYPE_LONG = 4;
export const TYPE_IFD = 13;

/** Bytes per value of each TIFF field type (unknown types count as 1, as readers do). */
const TYPE_BYTES: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };

const ENTRY_BYTES = 12;

/** More IFDs than any real multi-page file has; also ends a chain that loops. */
export const MAX_IFDS = 1024;

export interface TiffHeader {
  readonly endian: Endian;
  readonly firstIfd: number;
}

/** One IFD entry, with where its value lives (inline in the entry, or at an offset). */
export interface IfdEntry {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  /** Offset of the 12-byte entry itself. */
  readonly entryOffset: number;
  /** Offset of the value bytes: entryOffset + 8 when inline. */
  readonly valueOffset: number;
  readonly valueBytes: number;
  /** The value is stored outside the entry (more than 4 bytes). */
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

/** "II*\0" or "MM\0*" and the offset of IFD0, or undefined when the bytes are no TIFF header. */
export function readTiffHeader(bytes: Buffer): TiffHeader | undefined {
  if (bytes.byteLength < 8) return undefined;
  const order = bytes.toString('latin1', 0, 2);
  const endian = order === 'II' ? LITTLE_ENDIAN : order === 'MM' ? BIG_ENDIAN : undefined;
  if (!endian || endian.u16(bytes, 2) !== 42) return undefined;
  return { endian, firstIfd: endian.u32(bytes, 4) };
}

/** The IFD at `offset`: undefined when it does not fit in the file, GAP when it lies where the sample was not read. */
export function readIfd<S extends ByteSource>(source: S, endian: Endian, offset: number, options: IfdOptions = {}): Ifd | undefined | GapOf<S> {
  if (offset < 8) return undefined;
  const countBytes = readFrom(source, offset, 2);
  if (!isBytes(countBytes)) return countBytes;
  const count = endian.u16(countBytes, 0);
  if (count === 0 && options.refuseEmpty) return undefined;
  const body = readFrom(source, offset + 2, count * ENTRY_BYTES + 4);
  if (!isBytes(body)) return body;
  const entries = new Array<IfdEntry>(count);
  for (let i = 0; i < count; i += 1) {
    const at = i * ENTRY_BYTES;
    const type = endian.u16(body, at + 2);
    const n = endian.u32(body, at + 4);
    const valueBytes = n * (TYPE_BYTES[type] ?? 1);
    const outOfLine = valueBytes > 4;
    const entryOffset = offset + 2 + at;
    entries[i] = {
      tag: endian.u16(body, at),
      type,
      count: n,
      entryOffset,
      valueOffset: outOfLine ? endian.u32(body, at + 8) : entryOffset + 8,
      valueBytes,
      outOfLine,
    };
  }
  return { offset, entries, next: endian.u32(body, count * ENTRY_BYTES), end: offset + 2 + count * ENTRY_BYTES + 4 };
}

/** How an IFD chain ended: at a next offset of 0, with none at all, on an offset seen before (or too many), or on an IFD that does not fit. */
export type ChainEnd = 'end' | 'empty' | 'loop' | 'unreadable' | Gap;

/** The IFDs of the chain that starts at `first`, each once, in order; the return value says how the chain ended. */
export function* ifdChain<S extends ByteSource>(
  source: S,
  endian: Endian,
  first: number,
  options: IfdOptions = {},
): Generator<Ifd, Exclude<ChainEnd, Gap> | GapOf<S>, undefined> {
  if (first === 0) return 'empty';
  const seen = new Set<number>();
  for (let offset = first; offset !== 0; ) {
    if (seen.has(offset) || seen.size >= MAX_IFDS) return 'loop';
    seen.add(offset);
    const ifd = readIfd(source, endian, offset, options);
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

/** The type holds plain unsigned numbers (SHORT or LONG). */
export function isShortOrLong(entry: IfdEntry): boolean {
  return entry.type === TYPE_SHORT || entry.type === TYPE_LONG;
}

/** The values of a SHORT, LONG or IFD entry, from its value bytes. */
export function numbersIn(value: Buffer, endian: Endian, entry: IfdEntry): number[] {
  const width = entry.type === TYPE_SHORT ? 2 : 4;
  const values = new Array<number>(entry.count);
  for (let i = 0; i < entry.count; i += 1) values[i] = width === 2 ? endian.u16(value, i * 2) : endian.u32(value, i * 4);
  return values;
}

/** The values of a SHORT, LONG or IFD entry as numbers; undefined when they do not fit or the type is another. */
export function readNumbers<S extends ByteSource>(source: S, endian: Endian, entry: IfdEntry): number[] | undefined | GapOf<S> {
  if (!isShortOrLong(entry) && entry.type !== TYPE_IFD) return undefined;
  const value = readValue(source, entry);
  return isBytes(value) ? numbersIn(value, endian, entry) : value;
}
