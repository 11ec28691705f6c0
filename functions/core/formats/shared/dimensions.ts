/** Width and height of a picture, in pixels. */
export interface Dimensions {
  readonly width: number;
  readonly height: number;
}

/**
 * The size a file is shown at (before any EXIF-style orientation turns it), and the size a
 * decoder allocates to show it: larger where the file asks for a crop (an AVIF clean aperture).
 * The pixel limit applies to what is decoded.
 */
export interface ShownSize extends Dimensions {
  readonly decoded: Dimensions;
}
