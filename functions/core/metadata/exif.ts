import { BIG_ENDIAN, type Endian, LITTLE_ENDIAN } from '../bytes';

/**
 * The TIFF structure (header, IFDs, entries) that both TIFF files and EXIF blocks are made of,
 * read defensively: every offset is checked against the bytes it points into. Shared by the
 * TIFF walk and by the walks that find an orientation inside an EXIF block (JPEG, PNG, WebP).
 */

/** EXIF/TIFF tag 274: how the stored pixels must be turned to be displayed (1..8). */
export const ORIENTATION_TAG = 0x0112;

/** Bytes per value of each TIFF field type (unknown types count as 1, as readers do). */
const TYPE_BYTES: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
export const TYPE_SHORT = 3;
export const TYPE_LONG = 4;
export const TYPE_IFD = 13;

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

/** "II*\0" or "MM\0*" and the offset of IFD0, or undefined when the bytes are no TIFF header. */
export function readTiffHeader(bytes: Buffer): TiffHeader | undefined {
  if (bytes.byteLength < 8) return undefined;
  const order = bytes.toString('latin1', 0, 2);
  const endian = order === 'II' ? LITTLE_ENDIAN : order === 'MM' ? BIG_ENDIAN : undefined;
  if (!endian || endian.u16(bytes, 2) !== 42) return undefined;
  return { endian, firstIfd: endian.u32(bytes, 4) };
}

/** The IFD at `offset`, or undefined when it does not fit in `bytes`. */
export function readIfd(bytes: Buffer, endian: Endian, offset: number): Ifd | undefined {
  if (offset < 8 || offset + 2 > bytes.byteLength) return undefined;
  const count = endian.u16(bytes, offset);
  const end = offset + 2 + count * 12 + 4;
  if (end > bytes.byteLength) return undefined;
  const entries: IfdEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = offset + 2 + i * 12;
    const type = endian.u16(bytes, at + 2);
    const n = endian.u32(bytes, at + 4);
    const valueBytes = n * (TYPE_BYTES[type] ?? 1);
    const outOfLine = valueBytes > 4;
    entries.push({
      tag: endian.u16(bytes, at),
      type,
      count: n,
      entryOffset: at,
      valueOffset: outOfLine ? endian.u32(bytes, at + 8) : at + 8,
      valueBytes,
      outOfLine,
    });
  }
  return { offset, entries, next: endian.u32(bytes, end - 4), end };
}

/** Whether the entry's value lies wholly inside `bytes`. */
export function valueFits(bytes: Buffer, entry: IfdEntry): boolean {
  return entry.valueOffset + entry.valueBytes <= bytes.byteLength;
}

/** The values of a SHORT, LONG or IFD entry as numbers; undefined when they do not fit or the type is another. */
export function readNumbers(bytes: Buffer, endian: Endian, entry: IfdEntry): number[] | undefined {
  if (entry.type !== TYPE_SHORT && entry.type !== TYPE_LONG && entry.type !== TYPE_IFD) return undefined;
  if (!valueFits(bytes, entry)) return undefined;
  const width = entry.type === TYPE_SHORT ? 2 : 4;
  const values = new Array<number>(entry.count);
  for (let i = 0; i < entry.count; i += 1) {
    const at = entry.valueOffset + i * width;
    values[i] = width === 2 ? endian.u16(bytes, at) : endian.u32(bytes, at);
  }
  return values;
}

/** A valid orientation (1..8) from an entry, or undefined. */
export function orientationOf(bytes: Buffer, endian: Endian, entry: IfdEntry | undefined): number | undefined {
  if (!entry || entry.count < 1) return undefined;
  const values = readNumbers(bytes, endian, { ...entry, count: 1, valueBytes: entry.type === TYPE_SHORT ? 2 : 4 });
  const value = values?.[0];
  return value !== undefined && value >= 1 && value <= 8 ? value : undefined;
}

/**
 * The Orientation tag of an EXIF block's IFD0 (the block starts with the TIFF header), or
 * undefined when there is none, it is out of range, or the block is unreadable. Never throws:
 * a broken EXIF block is dropped whole anyway.
 */
export function exifOrientation(tiff: Buffer): number | undefined {
  const header = readTiffHeader(tiff);
  if (!header) return undefined;
  const ifd0 = readIfd(tiff, header.endian, header.firstIfd);
  return ifd0 && orientationOf(tiff, header.endian, ifd0.entries.find((e) => e.tag === ORIENTATION_TAG));
}

/** Bytes of the minimal EXIF block: TIFF header, IFD0 with the one Orientation entry, no next IFD. */
export const MINIMAL_EXIF_BYTES = 8 + 2 + 12 + 4;

/**
 * The EXIF block that replaces whatever a file carried when it had an orientation: IFD0 holds
 * only Orientation, so nothing but how to turn the image survives. Always big-endian, so the
 * same orientation always gives the same bytes (stripping twice changes nothing).
 */
export function minimalExif(orientation: number): Buffer {
  const block = Buffer.alloc(MINIMAL_EXIF_BYTES);
  block.write('MM', 0, 'latin1');
  block.writeUInt16BE(42, 2);
  block.writeUInt32BE(8, 4); // IFD0 right after the header
  block.writeUInt16BE(1, 8); // one entry
  block.writeUInt16BE(ORIENTATION_TAG, 10);
  block.writeUInt16BE(TYPE_SHORT, 12);
  block.writeUInt32BE(1, 14); // one value, inline
  block.writeUInt16BE(orientation, 18);
  block.writeUInt32BE(0, 22); // no IFD1 (so no thumbnail)
  return block;
}

/** "Exif\0\0": what precedes the TIFF header in a JPEG APP1 segment (and, from some writers, a WebP EXIF chunk). */
export const EXIF_PREFIX = Buffer.from('Exif\0\0', 'latin1');

/** The TIFF block of an EXIF payload, with or without the "Exif\0\0" prefix. */
export function tiffOfExifPayload(payload: Buffer): Buffer {
  return payload.subarray(0, 6).equals(EXIF_PREFIX) ? payload.subarray(6) : payload;
}
