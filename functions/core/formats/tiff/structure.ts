import { GAP, type Gap, type SampledFile } from '../shared/byte-source';
import type { Endian } from '../shared/bytes';
import type { PixelBudget } from '../shared/pixel-budget';
import { type Ifd, type IfdEntry, ifdChain, isUnsignedInteger, numbersIn, readNumbers, readTiffHeader, readValue } from '../shared/tiff-ifd';

/**
 * Classic TIFF and BigTIFF alike (see `TiffLayout`). Every IFD (page) in the chain is checked,
 * not only the first: each must be whole and have entries, its out-of-line values and its image
 * data must lie inside the file, and its pixels count against the limit. Where an IFD or its values lie in a large upload's unread middle, the
 * walk cannot tell and accepts.
 */
export function isTiffSound(file: SampledFile, pixels: PixelBudget): boolean {
  // 16 bytes hold a BigTIFF header; a classic one needs 8, and a file may be shorter than 16.
  const headerBytes = file.read(0, Math.min(16, file.size));
  if (!(headerBytes instanceof Uint8Array)) return false;
  const header = readTiffHeader(headerBytes);
  if (!header) return false;
  const chain = ifdChain(file, header.layout, header.firstIfd, { refuseEmpty: true });
  for (let step = chain.next(); ; step = chain.next()) {
    if (step.done) return step.value === 'end' || step.value === GAP;
    const page = isPageSound(file, header.endian, step.value, pixels);
    if (page === GAP) return true;
    if (!page) return false;
  }
}

/** One IFD: false when it is broken, GAP when what it points at lies in an unread part. */
function isPageSound(file: SampledFile, endian: Endian, ifd: Ifd, pixels: PixelBudget): boolean | Gap {
  // Every value stored outside the entry must lie inside the file.
  if (ifd.entries.some((e) => e.outOfLine && e.valueOffset + e.valueBytes > file.size)) return false;
  // A tag given twice counts as its last entry.
  const byTag = new Map<number, IfdEntry>(ifd.entries.map((e) => [e.tag, e]));

  // The page's dimensions (ImageWidth 256, ImageLength 257), each at least 1.
  const dimension = (tag: number): number | undefined => {
    const entry = byTag.get(tag);
    if (!entry || !isUnsignedInteger(entry)) return undefined;
    const values = readNumbers(file, endian, entry);
    return Array.isArray(values) && values.length === 1 ? values[0] : undefined;
  };
  const width = dimension(256);
  const height = dimension(257);
  if (!width || !height) return false;
  pixels.add(width, height, 'page');

  // The image data: strips (273/279) or tiles (324/325), each (offset, byte count) inside the file.
  for (const [offsetsTag, countsTag] of DATA_TAGS) {
    const o = byTag.get(offsetsTag);
    const c = byTag.get(countsTag);
    if (o === undefined || c === undefined) continue;
    const offsetsValue = readValue(file, o);
    const countsValue = readValue(file, c);
    if (offsetsValue === undefined || countsValue === undefined) return false;
    if (offsetsValue === GAP || countsValue === GAP) return GAP;
    const offsets = isUnsignedInteger(o) ? numbersIn(offsetsValue, endian, o) : [];
    const counts = isUnsignedInteger(c) ? numbersIn(countsValue, endian, c) : [];
    if (offsets.length === 0 || offsets.length !== counts.length) return false;
    return offsets.every((start, i) => start + counts[i] <= file.size);
  }
  return false;
}

const DATA_TAGS: ReadonlyArray<readonly [number, number]> = [
  [273, 279],
  [324, 325],
];
