/** What every metadata strip returns (see `stripMetadata`). */
export interface WalkResult {
  /** The cleaned file: the input itself when nothing had to change. */
  readonly bytes: Buffer;
  /** The EXIF-style orientation (1..8) the cleaned file still carries; 1 when none. */
  readonly orientation: number;
  /** Metadata bytes overwritten with zeros in place (walks that keep every offset: TIFF, ISO-BMFF). */
  readonly zeroedBytes: number;
}

/** How a strip may produce its result. */
export interface WalkOptions {
  /**
   * The input is the caller's own and is not read again: the walks that cut pieces out (JPEG,
   * PNG, WebP, GIF) write the result over it instead of into a new buffer (see `Pieces`).
   */
  readonly overwriteInput?: boolean;
}
