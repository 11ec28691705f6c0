import type { SampledFile } from '../shared/byte-source';
import { soundUnlessRefused } from '../shared/verdict';
import { PNG_SIGNATURE, pngChunks } from './chunks';

/** IEND has no data, so its chunk (length, type, CRC) is always these 12 bytes. */
const IEND_CHUNK = Buffer.from('0000000049454e44ae426082', 'hex');

/**
 * Every chunk's declared length must fit, up to a complete IEND (right length, right CRC); of a
 * large upload known only by its ends, the signature and an IEND in the tail.
 */
export function isPngSound(file: SampledFile): boolean {
  if (!file.startsWith([...PNG_SIGNATURE])) return false;
  const all = file.all();
  if (!all) return file.tailIncludes(IEND_CHUNK);
  return soundUnlessRefused(() => {
    for (const chunk of pngChunks(all)) if (all.subarray(chunk.start, chunk.end).equals(IEND_CHUNK)) return true;
    return false; // not reached: the chunks end in an IEND or a refusal
  });
}
