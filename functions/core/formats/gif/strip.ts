import { Pieces } from '../shared/pieces';
import type { WalkOptions, WalkResult } from '../shared/walk';
import { GRAPHIC_CONTROL, gifBlocks, readGifScreen } from './blocks';

const TRAILER = Buffer.from([0x3b]);

/**
 * GIF: walk the blocks (header, colour tables, extensions, image descriptors, sub-blocks) as
 * viewers read them (see `gifBlocks`) and keep by an allow-list; the result always ends with a
 * trailer, so a file that lacked one, or ended in bytes that are no block, is stored whole-formed.
 *
 * | block | kept? | why |
 * |---|---|---|
 * | header, logical screen, global colour table | kept | the image |
 * | image descriptor, local colour table, LZW data | kept | the frames |
 * | graphic control extension (0xf9) | kept | transparency and frame delays |
 * | application extension NETSCAPE2.0 / ANIMEXTS1.0 | kept | loop count |
 * | application extension ICCRGBG1 | kept | the ICC colour profile |
 * | plain text extension (0x01) | dropped | free text no viewer draws (docs/metadata.md) |
 * | other application extensions (XMP DataXMP, ...) | dropped | metadata |
 * | comment extension (0xfe), unknown extensions | dropped | free text |
 * | bytes after the trailer, or after the last whole block | dropped | appended payloads |
 */
export function stripGif(input: Buffer, options: WalkOptions = {}): WalkResult {
  const screen = readGifScreen(input);
  const out = new Pieces(input, { overwriteSource: options.overwriteInput });
  out.push(input.subarray(0, screen.end));
  for (const block of gifBlocks(input, screen.end)) {
    if (block.kind === 'end') {
      out.push(block.trailer ? input.subarray(block.start, block.start + 1) : TRAILER);
    } else if (block.kind === 'image') {
      out.push(input.subarray(block.start, block.end));
    } else if (block.kind === 'extension') {
      const { label, start, end } = block;
      // A graphic control extension before a dropped plain text stays: browsers and libvips
      // never draw the text and apply that control to the next image, so it still shows the same.
      if (label === GRAPHIC_CONTROL || (label === 0xff && keptApplication(input, start + 2, end))) out.push(input.subarray(start, end));
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
