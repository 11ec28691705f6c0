import decodeBmp from 'decode-bmp';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { HttpError, UntransformableImageError } from '../core/errors';
import type { ImageFormat } from '../core/formats/registry';
import { withInfoHeader } from '../core/formats/bmp/core-header';
import type { TransformSettings } from '../core/config';
import { DEFAULT_QUALITY, type Transform } from '../core/transform-params';
import { RENDER_CONTENT_TYPES, renderFormatFor, type ImageRenderer, type RenderFormat, type RenderedImage } from '../core/variants';

// A function renders one image at a time: sharp's operation cache only holds memory there.
sharp.cache(false);

/** sharp's names for the formats we accept (AVIF is read by the HEIF loader). */
const FROM_SHARP: Readonly<Record<string, ImageFormat>> = {
  jpeg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  heif: 'avif',
  tiff: 'tiff',
};

/**
 * AVIF encoder effort (0-9; sharp's default is 4). Measured on a 12 MP JPEG to 1200 px (docs/transforms.md): effort 4 took about 7 s here, effort 2 about 1 s, for files a few percent
 * larger. A variant renders once, but its first viewer waits for it, and on Lambda the
 * function's time is the bill.
 */
export const AVIF_EFFORT = 2;

/** Output formats that can hold an animation. */
const ANIMATABLE: ReadonlySet<RenderFormat> = new Set(['gif', 'webp']);

/** What the renderer refuses to read: a 422 (the original stays served; no variant can be made). */
export class RenderError extends UntransformableImageError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/**
 * Failures of sharp itself: its own timeout stays as it is (the transform handler answers 503,
 * a quieter container may finish); anything else libvips raises while reading and writing an
 * input the upload checks accepted is the input's pixel data, which libvips cannot decode.
 */
function asRenderError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof HttpError || /timeout/i.test(error.message)) return error;
  return new RenderError(`libvips cannot decode the image: ${error.message.split('\n').at(-2) ?? error.message}`, { cause: error });
}

function isBmp(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/**
 * Renders variants with sharp (libvips). The only file that imports sharp.
 *
 * - `limitInputPixels` at the upload pixel limit, `failOn: 'error'` (real decode errors fail,
 *   libvips warnings about harmless oddities do not) and sharp's `timeout` per render.
 * - `.rotate()` applies EXIF orientation before resizing; `withoutEnlargement` never upsizes.
 * - Animated GIF/WebP keep every frame when the output can animate (GIF, WebP); otherwise the
 *   first frame is used.
 * - Colour: RGB input with an ICC profile keeps it (`keepIccProfile`: wide-gamut photos keep
 *   their colours); CMYK is converted to sRGB and tagged sRGB; everything else comes out sRGB.
 *   No other metadata is written (sharp's default strips EXIF, XMP, IPTC).
 * - Alpha is flattened onto white for JPEG only.
 * - BMP, which libvips' prebuilt binaries do not read, is decoded by `decode-bmp` to raw RGBA.
 */
export class SharpRenderer implements ImageRenderer {
  constructor(private readonly settings: TransformSettings) {}

  async render(input: Uint8Array, transform: Transform): Promise<RenderedImage> {
    return this.renderOrRefuse(input, transform).catch((error: unknown) => {
      throw asRenderError(error);
    });
  }

  private async renderOrRefuse(input: Uint8Array, transform: Transform): Promise<RenderedImage> {
    const { image, format: inputFormat, meta } = await this.open(input);
    const output = renderFormatFor(transform.format, inputFormat);
    const animated = (meta.pages ?? 1) > 1 && ANIMATABLE.has(output);
    const pipeline = animated ? (await this.open(input, true)).image : image;

    pipeline.rotate();
    if (transform.width !== undefined || transform.height !== undefined) {
      pipeline.resize({
        width: transform.width,
        height: transform.height,
        fit: transform.fit,
        withoutEnlargement: true,
        // Letterbox bars: transparent where the output has alpha, white for JPEG.
        background: output === 'jpeg' ? { r: 255, g: 255, b: 255, alpha: 1 } : { r: 0, g: 0, b: 0, alpha: 0 },
      });
    }
    if (meta.space === 'cmyk') pipeline.toColourspace('srgb').withIccProfile('srgb');
    else if (meta.hasProfile && !animated) pipeline.keepIccProfile();
    if (output === 'jpeg') pipeline.flatten({ background: '#ffffff' });
    encode(pipeline, output, transform.quality);

    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    const pages = animated ? (info.pages ?? 1) : 1;
    return {
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      format: output,
      contentType: RENDER_CONTENT_TYPES[output],
      width: info.width,
      // For animations sharp reports the height of the whole strip of frames.
      height: animated ? (info.pageHeight ?? Math.round(info.height / pages)) : info.height,
      pages,
    };
  }

  private async open(input: Uint8Array, animated = false): Promise<{ image: Sharp; format: ImageFormat; meta: Metadata }> {
    const options = {
      limitInputPixels: this.settings.maxPixels,
      failOn: 'error' as const,
      sequentialRead: true,
    };
    let image: Sharp;
    let format: ImageFormat;
    let meta: Metadata;
    if (isBmp(input)) {
      // decode-bmp reads only Windows info headers: an OS/2 1.x header is rewritten to one first.
      input = withInfoHeader(input);
      // decode-bmp allocates width x height x 4 at once: check the header's sides first.
      if (input.byteLength < 26) throw new RenderError('Truncated BMP header');
      const header = new DataView(input.buffer, input.byteOffset, input.byteLength);
      const sides = Math.abs(header.getInt32(18, true)) * Math.abs(header.getInt32(22, true));
      if (sides > this.settings.maxPixels) throw new RenderError('Image exceeds the pixel limit');
      const bmp = decodeBmp(input);
      if (bmp.width * bmp.height > this.settings.maxPixels) throw new RenderError('Image exceeds the pixel limit');
      const raw = Buffer.from(bmp.data.buffer, bmp.data.byteOffset, bmp.data.byteLength);
      image = sharp(raw, { ...options, raw: { width: bmp.width, height: bmp.height, channels: 4 } });
      // Below 32 bits a BMP has no alpha: decode-bmp fills it with 255.
      if (bmp.colorDepth < 32) image.removeAlpha();
      format = 'bmp';
      meta = await image.metadata();
    } else {
      image = sharp(input, { ...options, animated });
      const probe = await image.metadata();
      const known = probe.format ? FROM_SHARP[probe.format] : undefined;
      if (!known) throw new RenderError(`Unsupported input format ${String(probe.format)}`);
      format = known;
      meta = probe;
    }
    image.timeout({ seconds: this.settings.renderTimeoutSeconds });
    return { image, format, meta };
  }
}

function encode(pipeline: Sharp, format: RenderFormat, quality: number | undefined): void {
  switch (format) {
    case 'jpeg':
      pipeline.jpeg({ quality: quality ?? DEFAULT_QUALITY.jpeg, progressive: true });
      break;
    case 'png':
      // Lossless: q does not apply (see canonicalTransform).
      pipeline.png({ compressionLevel: 6 });
      break;
    case 'webp':
      pipeline.webp({ quality: quality ?? DEFAULT_QUALITY.webp });
      break;
    case 'avif':
      pipeline.avif({ quality: quality ?? DEFAULT_QUALITY.avif, effort: AVIF_EFFORT });
      break;
    case 'gif':
      pipeline.gif();
      break;
  }
}
