import { asBuffer } from './bytes';
import type { ImageFormat } from './image-format';
import { MINIMAL_EXIF_BYTES } from './metadata/exif';
import { stripGif } from './metadata/gif';
import { stripHeif } from './metadata/heif';
import { stripJpeg } from './metadata/jpeg';
import { stripPng } from './metadata/png';
import { stripTiff } from './metadata/tiff';
import { stripWebp } from './metadata/webp';
import type { WalkOptions, WalkResult } from './metadata/walk';

/**
 * Metadata removal (SPEC §11): every stored image loses EXIF (GPS included), XMP, IPTC,
 * Photoshop blocks, comments, maker notes and embedded thumbnails, and keeps its ICC profile and
 * its orientation, without decoding or re-encoding a pixel. One walk per format, in
 * `functions/core/metadata/`, each over the format's own framing; this file only dispatches.
 */

/** The result of `stripMetadata`. */
export interface StrippedImage {
  /** The cleaned file; when there was nothing to remove, the input's own bytes (no copy). */
  readonly bytes: Uint8Array;
  /** EXIF orientation 1..8 the cleaned file still carries (AVIF: its irot/imir as the EXIF equivalent); 1 if none. */
  readonly orientation: number;
  /** Bytes the file got shorter by (input size - output size). */
  readonly removedBytes: number;
  /** Metadata bytes overwritten with zeros where they stood (TIFF, AVIF: walks that keep every offset). */
  readonly zeroedBytes: number;
}

/**
 * The most a cleaned file can be longer than its input: a minimal EXIF block written where the
 * original's EXIF, whatever it held, was at least as long. Callers and tests hold walks to it.
 */
export const MAX_METADATA_GROWTH = MINIMAL_EXIF_BYTES + 12;

/**
 * Removes the metadata of a file already sniffed as `format` (see `inspectImage`).
 * Malformed or truncated input throws `InvalidImageError` (400); nothing else is thrown for any
 * input. The input is not modified, unless `overwriteInput` says the caller owns it and will not
 * read it again (then the result may be a view of the input, rewritten in place).
 */
export function stripMetadata(format: ImageFormat, bytes: Uint8Array, options: WalkOptions = {}): StrippedImage {
  const input = asBuffer(bytes);
  const result = walk(format, input, options);
  return {
    bytes: result.bytes,
    orientation: result.orientation,
    removedBytes: input.byteLength - result.bytes.byteLength,
    zeroedBytes: result.zeroedBytes,
  };
}

function walk(format: ImageFormat, input: Buffer, options: WalkOptions): WalkResult {
  switch (format) {
    case 'jpeg':
      return stripJpeg(input, options);
    case 'png':
      return stripPng(input, options);
    case 'webp':
      return stripWebp(input, options);
    case 'gif':
      return stripGif(input, options);
    case 'tiff':
      return stripTiff(input);
    case 'avif':
      return stripHeif(input);
    case 'bmp':
      // BMP has no metadata blocks; a V5 header's ICC profile (embedded or linked) is colour and stays.
      return { bytes: input, orientation: 1, zeroedBytes: 0 };
  }
}

/**
 * Width and height as displayed: orientations 5-8 turn the image a quarter, swapping its sides.
 */
export function displayedSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}
