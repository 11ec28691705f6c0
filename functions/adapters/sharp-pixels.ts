import sharp from 'sharp';
import { type AnalysisPixels, PHASH_SIDE, type PixelReader } from '../core/analysis';
import type { TransformSettings } from '../core/config';
import { SharpRenderer } from './sharp-renderer';

/** Side of the intermediate every analysis reads from: small enough to be cheap, large enough for a faithful 100 px thumbnail. */
const WORKING_SIDE = 256;
/** ThumbHash encodes at most 100 x 100 pixels. */
const THUMBHASH_SIDE = 100;

/**
 * The pixels of the analysis (core/analysis.ts), with sharp. The image is opened once the way
 * variants are (SharpRenderer: the pixel limit, EXIF orientation, CMYK to sRGB, BMP through
 * decode-bmp, the first frame of an animation) and made a 256 px PNG; the thumbnail, the
 * greyscale square and the dominant colour are taken from that.
 */
export class SharpPixels implements PixelReader {
  private readonly renderer: SharpRenderer;

  constructor(settings: TransformSettings) {
    this.renderer = new SharpRenderer(settings);
  }

  async pixels(bytes: Uint8Array): Promise<AnalysisPixels> {
    const working = await this.renderer.render(bytes, { width: WORKING_SIDE, height: WORKING_SIDE, fit: 'inside', format: 'png', auto: false });
    const source = Buffer.from(working.bytes.buffer, working.bytes.byteOffset, working.bytes.byteLength);
    const [thumbnail, grey, stats] = await Promise.all([
      sharp(source).resize(THUMBHASH_SIDE, THUMBHASH_SIDE, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true }),
      // Transparent pixels count as white, as a page behind them would show.
      sharp(source).flatten({ background: '#ffffff' }).greyscale().resize(PHASH_SIDE, PHASH_SIDE, { fit: 'fill' }).raw().toBuffer(),
      sharp(source).stats(),
    ]);
    return {
      thumbnail: { width: thumbnail.info.width, height: thumbnail.info.height, rgba: new Uint8Array(thumbnail.data.buffer, thumbnail.data.byteOffset, thumbnail.data.byteLength) },
      grey: new Uint8Array(grey.buffer, grey.byteOffset, grey.byteLength),
      dominant: stats.dominant,
    };
  }
}
