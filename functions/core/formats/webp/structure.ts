import { GAP, type SampledFile } from '../shared/byte-source';
import { riffChunkHeader, webpRiffEnd } from './riff';

/** What a WebP's first chunk may be: the simple lossy or lossless bitstream, or the extended header. */
const FIRST_CHUNKS = ['VP8 ', 'VP8L', 'VP8X'];

/**
 * The RIFF payload must lie inside the file and its chunks (FourCC, size, data padded to even)
 * must tile it exactly, the first one a bitstream or VP8X. Where a chunk header lies in a large
 * upload's unread middle, the walk cannot tell and accepts.
 */
export function isWebpSound(file: SampledFile): boolean {
  const header = file.read(0, 12);
  if (!(header instanceof Uint8Array)) return false;
  const riffEnd = webpRiffEnd(header);
  if (riffEnd === undefined || riffEnd > file.size) return false;
  let offset = 12;
  let first = true;
  while (offset < riffEnd) {
    const bytes = file.read(offset, 8);
    if (bytes === undefined) return false;
    if (bytes === GAP) return true;
    const chunk = riffChunkHeader(bytes, 0);
    if (first && !FIRST_CHUNKS.includes(chunk.type)) return false;
    first = false;
    offset += 8 + chunk.length + chunk.pad;
  }
  return offset === riffEnd && !first;
}
