import { readFileSync } from 'node:fs';
import type { ImageFormat } from '../../functions/core/formats/registry';

/**
 * The metadata fixtures (test/fixtures/metadata, made by make.sh there): each carries GPS,
 * camera, XMP and, where its format can, IPTC, comments, a thumbnail, an ICC profile and an
 * orientation. `planted` lists the strings planted in it that must all be gone after stripping.
 */
export interface MetadataFixture {
  readonly file: string;
  readonly format: ImageFormat;
  readonly orientation: number;
  /** Several frames: pixels are compared frame by frame (sharp `animated`). */
  readonly animated: boolean;
  readonly planted: readonly string[];
  /** exifr 7 cannot read it (BigTIFF): its tags are checked by the BigTIFF test instead. */
  readonly exifrBlind?: boolean;
}

/** In EXIF IFD0/ExifIFD and XMP of every fixture that has EXIF. */
const CAMERA = ['PlantedMake', 'PlantedModel', 'PlantedSoftware', 'PlantedArtist', 'PlantedLens', 'PlantedSerial', '2026:01:02 03:04:05'];
const XMP = ['PlantedXmpCreator', 'PlantedXmpDescription', '<x:xmpmeta'];

export const METADATA_FIXTURES: readonly MetadataFixture[] = [
  { file: 'jpeg.jpg', format: 'jpeg', orientation: 6, animated: false, planted: [...CAMERA, ...XMP, 'http://ns.adobe.com/xap/1.0/', 'PlantedIptcKeyword', 'PlantedIptcCity', 'PlantedComment', 'Photoshop 3.0'] },
  { file: 'png.png', format: 'png', orientation: 6, animated: false, planted: [...CAMERA, ...XMP, 'PlantedComment', 'PlantedPngAuthor', 'Raw profile type iptc'] },
  { file: 'webp.webp', format: 'webp', orientation: 6, animated: false, planted: [...CAMERA, ...XMP] },
  { file: 'webp-animated.webp', format: 'webp', orientation: 1, animated: true, planted: [...CAMERA, ...XMP] },
  // exiftool writes no IPTC or comment into AVIF (HEIF has no place for them besides XMP).
  // Orientation 6 is an irot property (angle 3), written by sharp.
  { file: 'avif.avif', format: 'avif', orientation: 6, animated: false, planted: [...CAMERA, ...XMP] },
  { file: 'tiff-le.tiff', format: 'tiff', orientation: 6, animated: false, planted: [...CAMERA, ...XMP, 'PlantedIptcKeyword', 'PlantedPhotoshopUrl'] },
  { file: 'tiff-be.tiff', format: 'tiff', orientation: 6, animated: false, planted: [...CAMERA, ...XMP, 'PlantedIptcKeyword'] },
  // tiff-le.tiff rewritten as a BigTIFF by to-bigtiff.mjs: the same tags, sub-IFDs and two pages in the 64-bit layout.
  { file: 'bigtiff.tif', format: 'tiff', orientation: 6, animated: false, planted: [...CAMERA, ...XMP, 'PlantedIptcKeyword', 'PlantedPhotoshopUrl'], exifrBlind: true },
  // GIF has no EXIF: camera and GPS travel in its XMP (exiftool writes them as XMP-tiff/XMP-exif).
  { file: 'gif.gif', format: 'gif', orientation: 1, animated: true, planted: ['PlantedMake', 'PlantedModel', 'PlantedArtist', ...XMP, 'PlantedComment', 'XMP DataXMP'] },
];

export function metadataFixture(file: string): Buffer {
  return readFileSync(new URL(`../fixtures/metadata/${file}`, import.meta.url));
}
