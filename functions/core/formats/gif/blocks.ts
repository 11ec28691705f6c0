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
  | { readonly kind: 'trailer'; readonly start: number };

/** "GIF87a" or "GIF89a", the logical screen and where the blocks start; refused when the header is short. */
export function readGifScreen(input: Buffer): GifScreen {
  if (input.byteLength < 13 || !/^GIF8[79]a$/.test(input.toString('latin1', 0, 6))) throw new InvalidImageError('not a GIF');
  let end = 13;
  if (input[10] & 0x80) end += 3 * 2 ** ((input[10] & 0x07) + 1);
  return { width: input.readUInt16LE(6), height: input.readUInt16LE(8), end };
}

/**
 * The blocks from `from` (see `readGifScreen`) to the trailer, which ends the walk: extensions
 * and image blocks, each with its chain of data sub-blocks. Each image is told twice, as a
 * `frame` when its descriptor is read (so a caller can refuse it before reading its data) and as
 * an `image` once its data is. A block cut short, an unknown introducer or no trailer is an
 * `InvalidImageError`.
 */
export function* gifBlocks(input: Buffer, from: number): Generator<GifBlock, void, undefined> {
  const size = input.byteLength;
  if (from > size) throw new InvalidImageError('GIF: truncated colour table');
  let offset = from;
  for (;;) {
    if (offset >= size) throw new InvalidImageError('GIF: no trailer');
    const start = offset;
    const introducer = input[offset];
    if (introducer === 0x3b) {
      yield { kind: 'trailer', start };
      return;
    }
    if (introducer === 0x21) {
      if (offset + 2 > size) throw new InvalidImageError('GIF: truncated extension');
      const label = input[offset + 1];
      offset = afterSubBlocks(input, offset + 2);
      yield { kind: 'extension', label, start, end: offset };
    } else if (introducer === 0x2c) {
      if (offset + 10 > size) throw new InvalidImageError('GIF: truncated image descriptor');
      const left = input.readUInt16LE(offset + 1);
      const top = input.readUInt16LE(offset + 3);
      const width = input.readUInt16LE(offset + 5);
      const height = input.readUInt16LE(offset + 7);
      yield { kind: 'frame', start, left, top, width, height };
      const flags = input[offset + 9];
      offset += 10;
      if (flags & 0x80) offset += 3 * 2 ** ((flags & 0x07) + 1);
      offset = afterSubBlocks(input, offset + 1); // LZW minimum code size, then the data
      yield { kind: 'image', start, end: offset };
    } else {
      throw new InvalidImageError('GIF: unknown block');
    }
  }
}

/** The offset after a chain of data sub-blocks and its terminator. */
function afterSubBlocks(input: Buffer, from: number): number {
  let at = from;
  for (;;) {
    if (at >= input.byteLength) throw new InvalidImageError('GIF: truncated data sub-blocks');
    const length = input[at];
    at += 1 + length;
    if (length === 0) return at;
  }
}
