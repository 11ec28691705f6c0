import { Pieces } from '../bytes';
import { InvalidImageError } from '../errors';
import type { WalkOptions, WalkResult } from './walk';

/**
 * GIF: walk the blocks (header, colour tables, extensions, image descriptors, sub-blocks) and
 * keep by an allow-list.
 *
 * | block | kept? | why |
 * |---|---|---|
 * | header, logical screen, global colour table | kept | the image |
 * | image descriptor, local colour table, LZW data | kept | the frames |
 * | graphic control extension (0xf9) | kept | transparency and frame delays |
 * | plain text extension (0x01) | kept | rendered as part of the image by the format's definition |
 * | application extension NETSCAPE2.0 / ANIMEXTS1.0 | kept | loop count |
 * | application extension ICCRGBG1 | kept | the ICC colour profile |
 * | other application extensions (XMP DataXMP, ...) | dropped | metadata |
 * | comment extension (0xfe), unknown extensions | dropped | free text |
 * | bytes after the trailer | dropped | appended payloads |
 */
export function stripGif(input: Buffer, options: WalkOptions = {}): WalkResult {
  const size = input.byteLength;
  if (size < 13 || !/^GIF8[79]a$/.test(input.toString('latin1', 0, 6))) throw new InvalidImageError('not a GIF');
  let offset = 13;
  if (input[10] & 0x80) offset += 3 * 2 ** ((input[10] & 0x07) + 1);
  if (offset > size) throw new InvalidImageError('GIF: truncated colour table');
  const out = new Pieces(input, { overwriteSource: options.overwriteInput });
  out.push(input.subarray(0, offset));
  for (;;) {
    if (offset >= size) throw new InvalidImageError('GIF: no trailer');
    const start = offset;
    const introducer = input[offset];
    if (introducer === 0x3b) {
      out.push(input.subarray(start, start + 1));
      break;
    }
    if (introducer === 0x21) {
      if (offset + 2 > size) throw new InvalidImageError('GIF: truncated extension');
      const label = input[offset + 1];
      offset = afterSubBlocks(input, offset + 2);
      if (label === 0xf9 || label === 0x01 || (label === 0xff && keptApplication(input, start + 2, offset))) {
        out.push(input.subarray(start, offset));
      }
    } else if (introducer === 0x2c) {
      if (offset + 10 > size) throw new InvalidImageError('GIF: truncated image descriptor');
      const flags = input[offset + 9];
      offset += 10;
      if (flags & 0x80) offset += 3 * 2 ** ((flags & 0x07) + 1);
      offset = afterSubBlocks(input, offset + 1); // LZW minimum code size, then the data
      out.push(input.subarray(start, offset));
    } else {
      throw new InvalidImageError('GIF: unknown block');
    }
  }
  return { bytes: out.toBuffer(), orientation: 1, zeroedBytes: 0 };
}

/** Application identifiers (8 bytes) and authentication codes (3) that are kept, as 11 bytes, or 8 where any code is. */
const KEPT_APPLICATIONS = ['NETSCAPE2.0', 'ANIMEXTS1.0'];
const ICC_APPLICATION = 'ICCRGBG1';

/** Whether the application extension whose first sub-block starts at `at` is one we keep. */
function keptApplication(input: Buffer, at: number, end: number): boolean {
  const length = input[at];
  if (length !== 11 || at + 12 > end) return false;
  const id = input.toString('latin1', at + 1, at + 12);
  return KEPT_APPLICATIONS.includes(id) || id.startsWith(ICC_APPLICATION);
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
