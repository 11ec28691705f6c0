import { GAP, type SampledFile } from '../shared/byte-source';
import { fourcc } from '../shared/bytes';
import { readBox } from '../shared/iso-bmff';
import { soundUnlessRefused } from '../shared/verdict';

/**
 * ISO-BMFF: the top-level boxes, ftyp first, must tile the file exactly, and one of them must be
 * mdat: the coded image lives there (AVIF encoders do not use meta/idat for it). Where a box
 * header lies in a large upload's unread middle, the walk cannot tell and accepts.
 */
export function isAvifSound(file: SampledFile): boolean {
  const first = file.read(0, 8);
  if (first === GAP) return true;
  if (!first || fourcc(first, 4) !== 'ftyp') return false;
  return soundUnlessRefused(() => {
    let mdat = false;
    for (let at = 0; at < file.size; ) {
      const box = readBox(file, at, file.size);
      if (box === GAP) return true;
      if (box.type === 'mdat') mdat = true;
      at = box.end;
    }
    return mdat;
  });
}
