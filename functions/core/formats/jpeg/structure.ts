import type { SampledFile } from '../shared/byte-source';
import { soundUnlessRefused } from '../shared/verdict';
import { EOI, jpegSegments } from './markers';

const EOI_MARKER = Buffer.from([0xff, 0xd9]);

/**
 * The marker walk (see `jpegSegments`) from SOI to EOI over the whole file; of a large upload
 * known only by its ends, the signature and an EOI in the tail.
 */
export function isJpegSound(file: SampledFile): boolean {
  if (!file.startsWith([0xff, 0xd8, 0xff])) return false;
  const all = file.all();
  if (!all) return file.tailIncludes(EOI_MARKER);
  return soundUnlessRefused(() => {
    for (const segment of jpegSegments(all)) if (segment.marker === EOI) return true;
    return false; // not reached: the walk ends at EOI or in a refusal
  });
}
