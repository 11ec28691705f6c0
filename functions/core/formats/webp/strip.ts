import { InvalidImageError } from '../../errors';
import { exifOrientation, minimalExif, tiffOfExifPayload } from '../shared/exif';
import { Pieces } from '../shared/pieces';
import type { WalkOptions, WalkResult } from '../shared/walk';
import { riffChunkHeader, webpRiffEnd } from './riff';

/**
 * WebP (RIFF): chunks by an allow-list, then the VP8X flags and the RIFF size made true again.
 *
 * | chunk | kept? | why |
 * |---|---|---|
 * | VP8 , VP8L, ALPH | kept | the image and its alpha |
 * | VP8X | kept, flags fixed | EXIF flag set only for the minimal EXIF, XMP flag cleared |
 * | ANIM, ANMF | kept | animation; unknown chunks inside a frame are dropped too |
 * | ICCP | kept | the colour profile |
 * | EXIF | replaced | by a minimal EXIF with only Orientation, when it had a valid one and the file is extended (VP8X) |
 * | XMP , unknown chunks | dropped | metadata, or nothing a decoder needs |
 * | bytes after the RIFF payload | dropped | appended payloads |
 */
export function stripWebp(input: Buffer, options: WalkOptions = {}): WalkResult {
  const riffEnd = webpRiffEnd(input);
  if (riffEnd === undefined) throw new InvalidImageError('not a WebP');
  if (riffEnd > input.byteLength || riffEnd < 20) throw new InvalidImageError('WebP: RIFF size out of range');
  const chunks = readChunks(input, 12, riffEnd);
  const extended = chunks[0]?.type === 'VP8X' && chunks[0].data.byteLength >= 10;

  const out = new Pieces(input, { overwriteSource: options.overwriteInput });
  const header = input.subarray(0, 12);
  out.push(header);
  let orientation: number | undefined;
  let exifSeen = false;
  let flagsAt = -1; // offset of the VP8X flags byte in the output
  for (const chunk of chunks) {
    if (chunk.type === 'VP8X' && chunk === chunks[0]) {
      flagsAt = out.byteLength + 8;
      out.push(chunk.whole);
    } else if (chunk.type === 'ANMF') {
      out.push(frameWithoutUnknownChunks(input, chunk));
    } else if (KEPT.has(chunk.type)) {
      out.push(chunk.whole);
    } else if (chunk.type === 'EXIF' && !exifSeen) {
      exifSeen = true;
      orientation = extended ? exifOrientation(tiffOfExifPayload(chunk.data)) : undefined;
      if (orientation !== undefined) {
        const minimal = riffChunk('EXIF', minimalExif(orientation));
        out.push(minimal.equals(chunk.whole) ? chunk.whole : minimal); // already minimal: keep the original view
      }
    }
  }
  let bytes = out.toBuffer();
  if (bytes !== input) {
    // Never write into the caller's bytes, unless they are ours to overwrite.
    if (bytes.buffer === input.buffer && !options.overwriteInput) bytes = Buffer.from(bytes);
    bytes.writeUInt32LE(bytes.byteLength - 8, 4);
    if (flagsAt >= 0) bytes[flagsAt] = (bytes[flagsAt] & ~(EXIF_FLAG | XMP_FLAG)) | (orientation !== undefined ? EXIF_FLAG : 0);
  } else if (flagsAt >= 0 && (input[flagsAt] & XMP_FLAG || (input[flagsAt] & EXIF_FLAG) !== (orientation !== undefined ? EXIF_FLAG : 0))) {
    bytes = Buffer.from(input);
    bytes[flagsAt] = (bytes[flagsAt] & ~(EXIF_FLAG | XMP_FLAG)) | (orientation !== undefined ? EXIF_FLAG : 0);
  }
  return { bytes, orientation: orientation ?? 1, zeroedBytes: 0 };
}

const EXIF_FLAG = 0x08;
const XMP_FLAG = 0x04;
const KEPT: ReadonlySet<string> = new Set(['VP8 ', 'VP8L', 'ALPH', 'ANIM', 'ICCP']);
/** Inside an ANMF frame, after its 16-byte header: the frame's image chunks. */
const FRAME_KEPT: ReadonlySet<string> = new Set(['VP8 ', 'VP8L', 'ALPH']);
const ANMF_HEADER_BYTES = 16;

interface Chunk {
  readonly type: string;
  /** Header, data and padding byte. */
  readonly whole: Buffer;
  readonly data: Buffer;
  readonly start: number;
}

/** The chunks between `from` and `end`, which they must tile (the last one's pad byte may be missing). */
function readChunks(input: Buffer, from: number, end: number): Chunk[] {
  const chunks: Chunk[] = [];
  let offset = from;
  while (offset < end) {
    if (offset + 8 > end) throw new InvalidImageError('WebP: truncated chunk header');
    const { type, length, pad } = riffChunkHeader(input, offset);
    const dataEnd = offset + 8 + length;
    if (dataEnd > end) throw new InvalidImageError('WebP: chunk runs past the end');
    const next = Math.min(end, dataEnd + pad); // the last chunk's pad byte may be missing
    chunks.push({ type, whole: input.subarray(offset, next), data: input.subarray(offset + 8, dataEnd), start: offset });
    offset = next;
  }
  return chunks;
}

/** An ANMF chunk with only its image chunks, its size fixed when anything went. */
function frameWithoutUnknownChunks(input: Buffer, frame: Chunk): Buffer {
  if (frame.data.byteLength < ANMF_HEADER_BYTES) throw new InvalidImageError('WebP: short ANMF chunk');
  const dataStart = frame.start + 8;
  const inner = readChunks(input, dataStart + ANMF_HEADER_BYTES, dataStart + frame.data.byteLength);
  if (inner.every((c) => FRAME_KEPT.has(c.type))) return frame.whole;
  const data = Buffer.concat([frame.data.subarray(0, ANMF_HEADER_BYTES), ...inner.filter((c) => FRAME_KEPT.has(c.type)).map((c) => c.whole)]);
  return riffChunk('ANMF', data);
}

/** A RIFF chunk with its pad byte. */
function riffChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(8 + data.byteLength + (data.byteLength % 2));
  chunk.write(type, 0, 'latin1');
  chunk.writeUInt32LE(data.byteLength, 4);
  data.copy(chunk, 8);
  return chunk;
}
