import { WholeFile } from './byte-source';
import type { Endian } from './bytes';
import { type IfdEntry, readIfd, readNumbers, readTiffHeader, TYPE_SHORT, typeBytes } from './tiff-ifd';

/**
 * EXIF: a TIFF structure (see `tiff-ifd.ts`) inside a JPEG APP1 segment, a PNG eXIf chunk or a
 * WebP EXIF chunk. What survives metadata removal is only its Orientation, written back as the
 * minimal block below; TIFF files keep theirs in IFD0 the same way.
 */

/** EXIF/TIFF tag 274: how the stored pixels must be turned to be displayed (1..8). */
export const ORIENTATION_TAG = 0x0112;

/** A valid orientation (1..8) from an entry, or undefined. */
export function orientationOf(file: WholeFile, endian: Endian, entry: IfdEntry | undefined): number | undefined {
  if (!entry || entry.count < 1) return undefined;
  const values = readNumbers(file, endian, { ...entry, count: 1, valueBytes: typeBytes(entry.type) });
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
  const file = new WholeFile(tiff);
  const ifd0 = readIfd(file, header.layout, header.firstIfd);
  return ifd0 && orientationOf(file, header.endian, ifd0.entries.find((e) => e.tag === ORIENTATION_TAG));
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
