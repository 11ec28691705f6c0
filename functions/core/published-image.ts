import { createHash } from 'node:crypto';
import type { Limits } from './config';
import { checkAndStrip, displayedSize } from './formats/dispatch';
import { identifyImage } from './formats/inspect';
import type { ImageDescription } from './images';

/** An image that passed every check and lost its metadata: exactly the bytes we publish, described. */
export interface PublishableImage extends ImageDescription {
  readonly bytes: Uint8Array;
  /** How many bytes of metadata were removed (cut out, or zeroed where offsets must stay). */
  readonly metadataBytesRemoved: number;
}

export interface PublishOptions {
  /** The size limit that applies (large uploads have their own); the direct limit by default. */
  readonly maxBytes?: number;
  /**
   * The bytes are the caller's own (a request body it decoded) and are not read again, so
   * metadata removal may rewrite them in place instead of copying.
   */
  readonly overwriteInput?: boolean;
}

/**
 * The one gate between client bytes and the public bucket, for direct and large uploads alike:
 * sniffs and checks the whole file (format allow-list, size, pixels, structure), removes its
 * metadata without touching pixels, and describes the result. Throws a 4xx HttpError for
 * anything we will not publish.
 */
export function prepareForPublishing(bytes: Uint8Array, limits: Limits, options: PublishOptions = {}): PublishableImage {
  const info = identifyImage({ head: bytes, tail: bytes, size: bytes.byteLength }, limits, options.maxBytes ?? limits.maxImageBytes);
  const stripped = checkAndStrip(info.format, bytes, limits.maxPixels, { overwriteInput: options.overwriteInput });
  const shown = displayedSize(info.width, info.height, stripped.orientation);
  return {
    bytes: stripped.bytes,
    format: info.format,
    contentType: info.contentType,
    width: shown.width,
    height: shown.height,
    size: stripped.bytes.byteLength,
    sha256: sha256Hex(stripped.bytes),
    metadataBytesRemoved: stripped.removedBytes + stripped.zeroedBytes,
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
