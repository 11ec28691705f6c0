import { InvalidImageError } from '../../errors';
import { fourcc } from '../shared/bytes';

/** One PNG chunk: length, type, data, CRC. */
export interface PngChunk {
  readonly type: string;
  readonly start: number;
  /** After the CRC. */
  readonly end: number;
  readonly length: number;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The chunks after the signature, in order, each with a length that fits the file. The reader
 * stops where the caller stops (at IEND, as the caller decides what counts); running out of
 * bytes first is an `InvalidImageError`, as is a length over 2^31 - 1 or past the end.
 */
export function* pngChunks(input: Buffer): Generator<PngChunk, never, undefined> {
  const size = input.byteLength;
  if (size < 8 || !input.subarray(0, 8).equals(PNG_SIGNATURE)) throw new InvalidImageError('not a PNG');
  for (let offset = 8; ; ) {
    if (offset + 12 > size) throw new InvalidImageError('PNG: no IEND chunk');
    const length = input.readUInt32BE(offset);
    if (length > 0x7fffffff) throw new InvalidImageError('PNG: chunk length out of range');
    const end = offset + 12 + length;
    if (end > size) throw new InvalidImageError('PNG: chunk runs past the end');
    yield { type: fourcc(input, offset + 4), start: offset, end, length };
    offset = end;
  }
}
