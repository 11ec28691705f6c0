import { crc32 } from '../shared/bytes';
import { exifOrientation, minimalExif, tiffOfExifPayload } from '../shared/exif';
import { Pieces } from '../shared/pieces';
import type { WalkOptions, WalkResult } from '../shared/walk';
import { pngChunks } from './chunks';

/**
 * PNG chunks by an allow-list: what is not listed goes, so a chunk type nobody knows yet cannot
 * carry data out. Kept chunks are copied with their own CRC; only a new minimal eXIf is written.
 *
 * | chunk | kept? | why |
 * |---|---|---|
 * | IHDR PLTE IDAT IEND | kept | the image |
 * | tRNS | kept | transparency is pixels |
 * | iCCP sRGB gAMA cHRM sBIT cICP mDCV cLLI | kept | colour: how the pixels are meant to look |
 * | pHYs | kept | pixel aspect ratio / density, no personal data |
 * | bKGD hIST | kept | background colour, palette histogram: numbers about the image |
 * | acTL fcTL fdAT | kept | APNG animation frames and their timing |
 * | eXIf | replaced | by a minimal eXIf with only Orientation, when it had a valid one |
 * | tEXt zTXt iTXt | dropped | free text: authors, comments, XMP (iTXt XML:com.adobe.xmp), software |
 * | tIME | dropped | when the file was last changed |
 * | sPLT, oFFs, pCAL, sCAL, sTER, vpAg, caNv, unknown chunks | dropped | not needed to show the pixels; may carry names or text |
 * | bytes after IEND | dropped | appended payloads |
 *
 * An unknown critical chunk (upper-case first letter) makes decoders refuse the file anyway; it
 * is dropped like any unknown chunk rather than trusted.
 */
export function stripPng(input: Buffer, options: WalkOptions = {}): WalkResult {
  const out = new Pieces(input, { overwriteSource: options.overwriteInput });
  out.push(input.subarray(0, 8));
  let orientation: number | undefined;
  let exifSeen = false;
  for (const { type, start, end, length } of pngChunks(input)) {
    const chunk = input.subarray(start, end);
    if (type === 'IEND') {
      out.push(chunk);
      break;
    }
    if (KEPT.has(type)) {
      out.push(chunk);
    } else if (type === 'eXIf' && !exifSeen) {
      // Only the first eXIf counts (the spec allows one); later ones are dropped like any other.
      exifSeen = true;
      orientation = exifOrientation(tiffOfExifPayload(chunk.subarray(8, 8 + length)));
      if (orientation !== undefined) {
        const minimal = pngChunk('eXIf', minimalExif(orientation));
        out.push(minimal.equals(chunk) ? chunk : minimal); // already minimal: keep the original view
      }
    }
  }
  return { bytes: out.toBuffer(), orientation: orientation ?? 1, zeroedBytes: 0 };
}

const KEPT: ReadonlySet<string> = new Set([
  'IHDR', 'PLTE', 'IDAT',
  'tRNS',
  'iCCP', 'sRGB', 'gAMA', 'cHRM', 'sBIT', 'cICP', 'mDCV', 'cLLI',
  'pHYs', 'bKGD', 'hIST',
  'acTL', 'fcTL', 'fdAT',
]);

/** A chunk with its length and CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.byteLength);
  chunk.writeUInt32BE(data.byteLength, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.byteLength)), 8 + data.byteLength);
  return chunk;
}
