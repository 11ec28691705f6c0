import { InvalidImageError } from '../../errors';

/** The header, logical screen descriptor and global colour table. */
export interface GifScreen {
  readonly width: number;
  readonly height: number;
  /** Where the first block starts. */
  readonly end: number;
}

/** An image descriptor, seen before its colour table and data are read. */
export interface GifFrame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export type GifBlock =
  | { readonly kind: 'extension'; readonly label: number; readonly start: number; readonly end: number }
  /** The descriptor of the image block that follows, before its data is read. */
  | ({ readonly kind: 'frame'; readonly start: number } & GifFrame)
  /** A whole image block: descriptor, local colour table and LZW data. */
  | { readonly kind: 'image'; readonly start: number; readonly end: number }
  /**
   * Where the stream ends: at the trailer (`trailer`), or where the bytes left hold no whole
   * block (the file ends, a block is cut short by its end, or a byte starts no block).
   */
  | { readonly kind: 'end'; readonly start: number; readonly trailer: boolean };

/** The graphic control extension's label: timing, transparency and disposal of the next image. */
export const GRAPHIC_CONTROL = 0xf9;

/**
 * LZW minimum code sizes from 12 up cannot be decoded: codes have at most 12 bits, and both
 * Chrome's and libvips' (libnsgif) decoders refuse the frame.
 */
const MAX_LZW_CODE_SIZE = 11;

/** "GIF87a" or "GIF89a", the logical screen and where the blocks start; refused when the header is short. */
export function readGifScreen(input: Buffer): GifScreen {
  if (input.byteLength < 13 || !/^GIF8[79]a$/.test(input.toString('latin1', 0, 6))) throw new InvalidImageError('not a GIF');
  let end = 13;
  if (input[10] & 0x80) end += 3 * 2 ** ((input[10] & 0x07) + 1);
  return { width: input.readUInt16LE(6), height: input.readUInt16LE(8), end };
}

/**
 * The blocks from `from` (see `readGifScreen`) to where the stream ends, read the way browsers
 * and libvips read them: extensions and image blocks, each with its chain of data sub-blocks, up
 * to the trailer; a file that ends without one, or whose last bytes hold no whole block (a block
 * cut short, bytes that start no block, such as a second file appended), ends where the last
 * whole block does, and what follows is not part of the image. Each image is told twice, as a
 * `frame` once its descriptor, colour table and LZW code size are read (so a caller can refuse
 * it before reading its data) and as an `image` once its data is.
 *
 * Refused (`InvalidImageError`): a colour table cut short, an LZW code size no decoder takes,
 * and image data cut short, which is a partial picture (viewers disagree on what to show of it:
 * Chrome draws the rows it has, libvips refuses the file).
 */
export function* gifBlocks(input: Buffer, from: number): Generator<GifBlock, void, undefined> {
  const size = input.byteLength;
  if (from > size) throw new InvalidImageError('GIF: truncated colour table');
  let offset = from;
  for (;;) {
    const start = offset;
    const introducer = input[offset];
    if (introducer === 0x3b) {
      yield { kind: 'end', start, trailer: true };
      return;
    }
    if (introducer === 0x21) {
      const end = offset + 2 <= size ? afterSubBlocks(input, offset + 2) : undefined;
      if (end === undefined) break;
      yield { kind: 'extension', label: input[offset + 1], start, end };
      offset = end;
    } else if (introducer === 0x2c) {
      if (offset + 10 > size) break;
      const flags = input[offset + 9];
      const codeSizeAt = offset + 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
      // Cut before its pixel data begins, the frame shows nothing: viewers show the ones before it.
      if (codeSizeAt >= size) break;
      if (input[codeSizeAt] > MAX_LZW_CODE_SIZE) throw new InvalidImageError('GIF: LZW code size out of range');
      yield {
        kind: 'frame',
        start,
        left: input.readUInt16LE(offset + 1),
        top: input.readUInt16LE(offset + 3),
        width: input.readUInt16LE(offset + 5),
        height: input.readUInt16LE(offset + 7),
      };
      const end = afterSubBlocks(input, codeSizeAt + 1);
      if (end === undefined) throw new InvalidImageError('GIF: truncated image data');
      yield { kind: 'image', start, end };
      offset = end;
    } else {
      // The end of the file, or a byte that starts no block (what Chrome and Firefox take for the end).
      break;
    }
  }
  yield { kind: 'end', start: offset, trailer: false };
}

/** The offset after a chain of data sub-blocks and its terminator; undefined when the file ends first. */
function afterSubBlocks(input: Buffer, from: number): number | undefined {
  let at = from;
  for (;;) {
    if (at >= input.byteLength) return undefined;
    const length = input[at];
    at += 1 + length;
    if (length === 0) return at;
  }
}
