import { imageSize } from 'image-size';
import type { Limits } from '../config';
import { BadRequestError, InvalidImageError, PayloadTooLargeError } from '../errors';
import { requireSound, shownSize } from './dispatch';
import { acceptedFormatSniffedAs, CONTENT_TYPES, type ImageFormat } from './registry';
import type { ImageSample } from './shared/byte-source';
import { asBuffer } from './shared/bytes';

export interface ImageInfo {
  readonly format: ImageFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
}

export function formatLimit(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Sniffs the format and dimensions from the bytes themselves (never the name or the declared
 * Content-Type), applies the allow-list, the size and the pixel limits, and checks the file's
 * structure (see `isStructurallySound`). Throws a 4xx HttpError for anything we will not store.
 */
export function inspectImage(sample: ImageSample, limits: Limits, maxBytes = limits.maxImageBytes): ImageInfo {
  const info = identifyImage(sample, limits, maxBytes);
  requireSound(info.format, sample, limits.maxPixels);
  return info;
}

/**
 * `inspectImage` without the structure check, for a caller that has the whole file walked next
 * (`prepareForPublishing`, through `checkAndStrip`).
 */
export function identifyImage(sample: ImageSample, limits: Limits, maxBytes = limits.maxImageBytes): ImageInfo {
  if (sample.size === 0) throw new BadRequestError('The image file is empty');
  if (sample.size > maxBytes) {
    throw new PayloadTooLargeError(`Image exceeds the ${formatLimit(maxBytes)} limit (${maxBytes} bytes)`);
  }
  let result: { width?: number; height?: number; type?: string };
  try {
    result = sizeOf(sample.head);
  } catch {
    // image-size throws TypeError for unknown types and RangeError for short buffers.
    throw new InvalidImageError('unrecognised or unreadable header');
  }
  const format = result.type === undefined ? undefined : acceptedFormatSniffedAs(result.type);
  if (format === undefined) throw new InvalidImageError(`format ${result.type ?? 'unknown'} is not allowed`);
  const { width, height } = result;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width! < 1 || height! < 1) {
    throw new InvalidImageError('width and height must be at least 1');
  }
  // Where the header image-size reads is not what viewers show (docs/metadata.md), the format's own reader says.
  const own = shownSize(format, sample);
  const shown = own ?? { width: width!, height: height! };
  if (shown.width < 1 || shown.height < 1) throw new InvalidImageError('width and height must be at least 1');
  const decoded = own?.decoded ?? shown;
  if (decoded.width * decoded.height > limits.maxPixels) {
    throw new PayloadTooLargeError(
      `Image is ${decoded.width}x${decoded.height} pixels; the limit is ${limits.maxPixels} pixels`,
    );
  }
  return { format, contentType: CONTENT_TYPES[format], width: shown.width, height: shown.height };
}

/** How much of a file image-size is shown first: headers sit at the start of every allowed format. */
export const HEADER_WINDOW_BYTES = 256 * 1024;

type ImageSizeResult = ReturnType<typeof imageSize>;

/**
 * image-size 2.x reads through `new DataView(input.buffer, input.byteOffset)`, ignoring the
 * view's length: on a slice of a larger buffer (the parsed file's bytes inside the request body,
 * pooled small Buffers) a truncated header is completed with whatever follows it. So it only
 * ever decides on bytes that own their whole ArrayBuffer.
 *
 * Copying a whole 4 MiB upload for that costs more than parsing it, so a large file is shown
 * twice without a full copy: a copy of its first HEADER_WINDOW_BYTES (which ends exactly there)
 * and the file itself (whose buffer may run on past its end). The two can only agree when the
 * answer depends on neither end; if they differ or either fails (a TIFF whose IFD, or a JPEG
 * whose frame header, lies further in), the whole file is copied and decides, as before.
 */
function sizeOf(bytes: Uint8Array): ImageSizeResult {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return imageSize(asBuffer(bytes));
  if (bytes.byteLength > HEADER_WINDOW_BYTES) {
    const windowed = attempt(() => imageSize(ownedCopy(bytes.subarray(0, HEADER_WINDOW_BYTES))));
    const whole = windowed && attempt(() => imageSize(asBuffer(bytes)));
    if (windowed && whole && windowed.type === whole.type && windowed.width === whole.width && windowed.height === whole.height) {
      return windowed;
    }
  }
  return imageSize(ownedCopy(bytes));
}

function attempt(run: () => ImageSizeResult): ImageSizeResult | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

/** A copy that owns its whole ArrayBuffer (allocUnsafeSlow never hands out a slice of the pool). */
function ownedCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
