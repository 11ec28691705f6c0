import { PayloadTooLargeError } from '../../errors';

/**
 * Pixels of every frame (GIF) or page (TIFF IFD) added up: whoever decodes the file decodes
 * all of them, so an animation of ten thousand full-screen frames is a pixel flood even though
 * its header declares one small screen. Over the limit: 413, like a single image that is too big.
 */
export class PixelBudget {
  private total = 0;

  constructor(private readonly max: number) {}

  add(width: number, height: number, what: 'frame' | 'page'): void {
    this.total += width * height;
    if (this.total > this.max) {
      throw new PayloadTooLargeError(`Image ${what}s total more than ${this.max} pixels; the limit is ${this.max} pixels, every ${what} counted`);
    }
  }

  /**
   * One canvas that holds every frame at once (the union of their places): some decoders
   * allocate it whole, so it must fit the limit on its own, however few pixels the frames have.
   */
  requireCanvas(width: number, height: number): void {
    if (width * height > this.max) {
      throw new PayloadTooLargeError(`Image frames span ${width}x${height} pixels; the limit is ${this.max} pixels`);
    }
  }
}
