import { InvalidImageError } from '../errors';
import { avifShownSize } from './avif/size';
import { isAvifSound } from './avif/structure';
import { stripAvif } from './avif/strip';
import { bmpShownSize, isBmpSound } from './bmp/structure';
import { stripBmp } from './bmp/strip';
import { gifShownSize, isGifSound } from './gif/structure';
import { stripGif } from './gif/strip';
import { isJpegSound } from './jpeg/structure';
import { stripJpeg } from './jpeg/strip';
import { isPngSound } from './png/structure';
import { stripPng } from './png/strip';
import type { ImageFormat } from './registry';
import { type ImageSample, SampledFile } from './shared/byte-source';
import { asBuffer } from './shared/bytes';
import type { ShownSize } from './shared/dimensions';
import { MINIMAL_EXIF_BYTES } from './shared/exif';
import { PixelBudget } from './shared/pixel-budget';
import type { WalkOptions, WalkResult } from './shared/walk';
import { isTiffSound } from './tiff/structure';
import { stripTiff } from './tiff/strip';
import { isWebpSound } from './webp/structure';
import { stripWebp } from './webp/strip';

/** What each format folder provides: its structure check and its metadata strip. */
interface FormatWalks {
  /** Whether the file's own framing says it is whole (see `isStructurallySound`). */
  readonly isSound: (file: SampledFile, pixels: PixelBudget) => boolean;
  /** Removes the metadata (see `stripMetadata`); throws `InvalidImageError` for what it cannot walk. */
  readonly strip: (input: Buffer, options: WalkOptions) => WalkResult;
  /**
   * The strip is the structure check's own walk with output (one reader behind both), so it
   * refuses every whole file the check refuses and a file about to be stripped is walked once.
   * The fuzz suite holds the two to the same verdict.
   */
  readonly stripWalksStructure: boolean;
  /**
   * The size the file is shown at, where it is not the one image-size reads from the header
   * (see `shownSize`); undefined when the header's answer stands.
   */
  readonly size?: (file: SampledFile) => ShownSize | undefined;
}

/** The one table from format to walks. */
const WALKS: Readonly<Record<ImageFormat, FormatWalks>> = {
  jpeg: { isSound: isJpegSound, strip: stripJpeg, stripWalksStructure: true },
  png: { isSound: isPngSound, strip: stripPng, stripWalksStructure: false },
  gif: { isSound: isGifSound, strip: stripGif, stripWalksStructure: false, size: gifShownSize },
  webp: { isSound: isWebpSound, strip: stripWebp, stripWalksStructure: false },
  avif: { isSound: isAvifSound, strip: stripAvif, stripWalksStructure: false, size: avifShownSize },
  bmp: { isSound: isBmpSound, strip: stripBmp, stripWalksStructure: false, size: bmpShownSize },
  tiff: { isSound: isTiffSound, strip: stripTiff, stripWalksStructure: false },
};

/**
 * Structure checks behind "bytes that are really an image": image-size reads a header and
 * trusts it, so a file cut anywhere after its header, or one whose signature is only half
 * right, still "has" dimensions. These walks follow each format's own framing (chunks, boxes,
 * blocks, segments, IFDs) far enough to know the file is whole; the pixels of every GIF frame
 * and TIFF page count against `maxPixels` (over it: `PayloadTooLargeError`).
 *
 * Direct uploads hand over the whole file. Large uploads may hand over only the first and last
 * bytes; where a walk needs bytes from the gap between them it stops there, and the format's
 * end marker (PNG IEND, JPEG EOI, GIF trailer) must still be in the tail.
 */
export function isStructurallySound(format: ImageFormat, sample: ImageSample, maxPixels = Number.POSITIVE_INFINITY): boolean {
  return WALKS[format].isSound(new SampledFile(sample), new PixelBudget(maxPixels));
}

/** Refuses (400) a file `isStructurallySound` says is not whole. */
export function requireSound(format: ImageFormat, sample: ImageSample, maxPixels: number): void {
  if (!isStructurallySound(format, sample, maxPixels)) throw new InvalidImageError('the file is truncated or malformed');
}

/**
 * The size browsers and libvips show a file of `format` at (before EXIF-style orientation), where
 * the header image-size reads does not say it: a GIF's first frame that grows the logical screen,
 * an AVIF's primary item and clean aperture, an OS/2 bitmap's 16-bit sides. Undefined where the
 * header's size is the shown one. See docs/metadata.md.
 */
export function shownSize(format: ImageFormat, sample: ImageSample): ShownSize | undefined {
  return WALKS[format].size?.(new SampledFile(sample));
}

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
 * Metadata removal: every stored image loses EXIF (GPS included), XMP, IPTC, Photoshop blocks,
 * comments, maker notes and embedded thumbnails, and keeps its ICC profile and its orientation,
 * without decoding or re-encoding a pixel (what each format carries and keeps: `registry.ts`).
 *
 * For a file already sniffed as `format` (see `inspectImage`). Malformed or truncated input
 * throws `InvalidImageError` (400); nothing else is thrown for any input. The input is not
 * modified, unless `overwriteInput` says the caller owns it and will not read it again (then the
 * result may be a view of the input, rewritten in place).
 */
export function stripMetadata(format: ImageFormat, bytes: Uint8Array, options: WalkOptions = {}): StrippedImage {
  const input = asBuffer(bytes);
  const result = WALKS[format].strip(input, options);
  return {
    bytes: result.bytes,
    orientation: result.orientation,
    removedBytes: input.byteLength - result.bytes.byteLength,
    zeroedBytes: result.zeroedBytes,
  };
}

/**
 * The structure check, then metadata removal, of a whole file about to be published: refuses
 * what either refuses, in that order, and walks the file once where the strip is the structure
 * walk (JPEG).
 */
export function checkAndStrip(format: ImageFormat, bytes: Uint8Array, maxPixels: number, options: WalkOptions = {}): StrippedImage {
  if (!WALKS[format].stripWalksStructure) requireSound(format, { head: bytes, tail: bytes, size: bytes.byteLength }, maxPixels);
  return stripMetadata(format, bytes, options);
}

/** Width and height as displayed: orientations 5-8 turn the image a quarter, swapping its sides. */
export function displayedSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}
