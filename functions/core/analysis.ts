import { rgbaToThumbHash } from 'thumbhash';
import { UntransformableImageError } from './errors';
import { publishedIdFromKey } from './ids';
import { type ImageLookups, phashLookups } from './image-lookups';
import type { ImageRecord, Log } from './images';

/**
 * What is computed from every published image once it is stored, off the upload's path
 * (docs/apps.md): a ThumbHash placeholder, the dominant colour and a perceptual hash. The
 * arithmetic is here; decoding pixels is the adapter's (functions/adapters/sharp-pixels.ts).
 */
export interface ImageAnalysis {
  /** ThumbHash, base64 (about 25 bytes): decodes to a blurred picture of the image's aspect ratio. */
  readonly thumbhash: string;
  /** `#rrggbb`. */
  readonly dominantColor: string;
  /** 64-bit DCT perceptual hash, 16 hex digits (core/similarity.ts compares them). */
  readonly phash: string;
}

/** Side of the greyscale square the perceptual hash is taken from. */
export const PHASH_SIDE = 32;

/** The decoded pixels the analysis needs, all with EXIF orientation applied. */
export interface AnalysisPixels {
  /** RGBA, at most 100 x 100 (ThumbHash's limit), the image's aspect ratio. */
  readonly thumbnail: { readonly width: number; readonly height: number; readonly rgba: Uint8Array };
  /** {@link PHASH_SIDE} x {@link PHASH_SIDE} luminance, the image squeezed to a square. */
  readonly grey: Uint8Array;
  /** The most common colour (libvips' 4096-bin histogram). */
  readonly dominant: { readonly r: number; readonly g: number; readonly b: number };
}

/** Port: decoding a published image's bytes to {@link AnalysisPixels}. */
export interface PixelReader {
  pixels(bytes: Uint8Array): Promise<AnalysisPixels>;
}

export function thumbhashOf(thumbnail: AnalysisPixels['thumbnail']): string {
  return Buffer.from(rgbaToThumbHash(thumbnail.width, thumbnail.height, thumbnail.rgba)).toString('base64');
}

export function hexColor({ r, g, b }: AnalysisPixels['dominant']): string {
  const byte = (value: number) => Math.max(0, Math.min(255, Math.round(value))).toString(16).padStart(2, '0');
  return `#${byte(r)}${byte(g)}${byte(b)}`;
}

/** cos((2x + 1) u pi / 2N) for the 8 lowest frequencies u, computed once. */
const COSINES = /* @__PURE__ */ (() =>
  Array.from({ length: 8 }, (_, u) => Float64Array.from({ length: PHASH_SIDE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * PHASH_SIDE)))))();

/**
 * The classic DCT hash (pHash): the 8 x 8 lowest frequencies of a 2-D DCT of the 32 x 32
 * luminance, each bit set when its coefficient is above the median of the 63 that are not the
 * DC term. Re-encoding, resizing, format changes and small edits of a photo move few of its
 * bits; another picture differs in about half (docs/apps.md has the measurements). Flat,
 * drawn pictures hold many coefficients near the median and move more.
 */
export function perceptualHash(grey: Uint8Array): string {
  if (grey.length !== PHASH_SIDE * PHASH_SIDE) throw new Error(`perceptualHash takes ${PHASH_SIDE} x ${PHASH_SIDE} pixels`);
  const rows = Array.from({ length: PHASH_SIDE }, (_, y) => COSINES.map((cos) => cos.reduce((sum, c, x) => sum + c * grey[y * PHASH_SIDE + x], 0)));
  const coefficients: number[] = [];
  for (let u = 0; u < 8; u += 1) {
    for (let v = 0; v < 8; v += 1) {
      let sum = 0;
      for (let y = 0; y < PHASH_SIDE; y += 1) sum += COSINES[u][y] * rows[y][v];
      coefficients.push(sum);
    }
  }
  const sorted = coefficients.slice(1).sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let hash = 0n;
  for (const value of coefficients) hash = (hash << 1n) | (value > median ? 1n : 0n);
  return hash.toString(16).padStart(16, '0');
}

/** The analysis of decoded pixels. */
export function analysisOf(pixels: AnalysisPixels): ImageAnalysis {
  return { thumbhash: thumbhashOf(pixels.thumbnail), dominantColor: hexColor(pixels.dominant), phash: perceptualHash(pixels.grey) };
}

export interface AnalyzeDeps {
  readonly objects: { read(key: string, maxBytes: number): Promise<{ readonly bytes: Uint8Array } | { readonly tooLarge: number } | undefined> };
  readonly records: { get(id: string): Promise<ImageRecord | undefined>; setAnalysis(id: string, analysis: ImageAnalysis): Promise<boolean> };
  readonly lookups: Pick<ImageLookups, 'put'>;
  readonly pixels: PixelReader;
  /** The largest published object (the large-upload limit). */
  readonly maxBytes: number;
  readonly log: Log;
  /** Pauses before a record is looked for again (injectable: tests do not sleep). */
  readonly wait?: (ms: number) => Promise<void>;
}

/**
 * analyzed: done now. already: the record had its analysis (a repeated event). gone: the object
 * or its record was deleted first. unrecorded: no record appeared (a direct upload whose record
 * write failed; the sweep removes the object). undecodable: an accepted image whose pixels the
 * renderer cannot decode (docs/transforms.md): it keeps `null` placeholders, and retrying would
 * only fill the dead-letter queue. skipped: not a published key.
 */
export type AnalyzeOutcome = 'analyzed' | 'already' | 'gone' | 'unrecorded' | 'undecodable' | 'skipped';

/** A direct upload writes its record right after the object: how long to look for it. */
const RECORD_WAITS_MS = [100, 250, 500, 1000, 2000];

/**
 * Analyses the image published at `key` and records the result: the similarity lookups first,
 * then the record (core/image-lookups.ts says why). Safe to repeat: an analysed record is left
 * as it is.
 */
export async function analyzeImage(deps: AnalyzeDeps, key: string): Promise<AnalyzeOutcome> {
  const id = publishedIdFromKey(key);
  if (!id) return 'skipped';
  const wait = deps.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let record = await deps.records.get(id);
  for (const ms of RECORD_WAITS_MS) {
    if (record) break;
    await wait(ms);
    record = await deps.records.get(id);
  }
  const object = await deps.objects.read(key, deps.maxBytes);
  if (!object) return 'gone';
  if (!record) {
    deps.log.warn('published object without a record: not analysed', { objectKey: key });
    return 'unrecorded';
  }
  if (record.phash !== undefined) return 'already';
  if (!('bytes' in object)) throw new Error(`published object ${key} is over the limit`);
  let pixels: AnalysisPixels;
  try {
    pixels = await deps.pixels.pixels(object.bytes);
  } catch (error) {
    if (!(error instanceof UntransformableImageError)) throw error;
    deps.log.warn('image not analysed: its pixels cannot be decoded', { objectKey: key, reason: error.reason });
    return 'undecodable';
  }
  const analysis = analysisOf(pixels);
  await deps.lookups.put(phashLookups({ ...record, phash: analysis.phash }));
  return (await deps.records.setAnalysis(id, analysis)) ? 'analyzed' : 'gone';
}
