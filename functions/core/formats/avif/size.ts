import { InvalidImageError } from '../../errors';
import { GAP, type SampledFile } from '../shared/byte-source';
import type { ShownSize } from '../shared/dimensions';
import { type Box, BoxFields, fullBoxVersion, readBox, readBoxes } from '../shared/iso-bmff';
import { readIpma, readPrimary } from './items';

/**
 * The size an AVIF/HEIF file is shown at, before irot/imir turn it (see `primaryOrientation`):
 * the primary item's own `ispe` (image-size reads the first `ispe` of the file, which may be a
 * thumbnail's or an alpha plane's), cropped by its clean aperture (`clap`) the way libheif, and
 * so libvips and Imager's transforms, crop it. For a layered image (`a1op`/`lsel`) the primary's
 * `ispe` already is the size of the layer it selects, as the AV1 image format requires.
 *
 * `decoded` is the uncropped `ispe`: what a decoder allocates, and what the pixel limit counts.
 * Undefined when the meta box is not in the bytes read, or the primary item has no `ispe`.
 */
export function avifShownSize(file: SampledFile): ShownSize | undefined {
  try {
    const meta = findMeta(file);
    if (!meta) return undefined;
    const { bytes, box } = meta;
    fullBoxVersion(bytes, box);
    const children = readBoxes(bytes, box.payload + 4, box.end);
    const pitm = children.find((c) => c.type === 'pitm');
    const iprp = children.find((c) => c.type === 'iprp');
    if (!pitm || !iprp) return undefined;
    const primary = readPrimary(bytes, pitm);
    const properties = primaryProperties(bytes, iprp, primary);
    const ispe = properties.find((p) => p.type === 'ispe');
    if (!ispe) return undefined;
    const fields = new BoxFields(bytes, ispe, ispe.payload + 4);
    fields.need(8);
    const decoded = { width: fields.u32(), height: fields.u32() };
    const clap = properties.find((p) => p.type === 'clap');
    return { ...((clap && cleanAperture(bytes, clap, decoded)) ?? decoded), decoded };
  } catch (error) {
    // A file the structure check or the metadata walk refuses anyway.
    if (error instanceof InvalidImageError) return undefined;
    throw error;
  }
}

/** The top-level meta box and the bytes it is read from (its offsets are those of `bytes`). */
function findMeta(file: SampledFile): { bytes: Buffer; box: Box } | undefined {
  const all = file.all();
  for (let at = 0; at < file.size; ) {
    const box = readBox(file, at, file.size);
    if (box === GAP) return undefined;
    if (box.type === 'meta') {
      if (all) return { bytes: all, box };
      const read = file.read(box.start, box.end - box.start);
      if (!(read instanceof Buffer)) return undefined;
      return { bytes: read, box: { type: box.type, start: 0, payload: box.payload - box.start, end: box.end - box.start } };
    }
    at = box.end;
  }
  return undefined;
}

/** The properties associated with the primary item, in ipma's order. */
function primaryProperties(bytes: Buffer, iprp: Box, primary: number): Box[] {
  const boxes = readBoxes(bytes, iprp.payload, iprp.end);
  const ipco = boxes.find((b) => b.type === 'ipco');
  if (!ipco) return [];
  const properties = readBoxes(bytes, ipco.payload, ipco.end);
  const associated: Box[] = [];
  for (const ipma of boxes.filter((b) => b.type === 'ipma')) {
    const entry = readIpma(bytes, ipma).entries.find((e) => e.itemId === primary);
    for (const index of entry?.properties ?? []) {
      const property = properties[index - 1];
      if (property) associated.push(property);
    }
  }
  return associated;
}

/**
 * The clean aperture's size, as libheif computes it: the crop rectangle centred at
 * (width - 1) / 2 + horizOff (likewise vertically), its first column rounded down and its first
 * row rounded, its last ones rounded, then clipped to the image. Undefined (the whole image
 * shows) for a clap box whose fractions are not fractions (a zero or negative denominator, a
 * size below one) or whose rectangle misses the image. Exact arithmetic: the fields are 32-bit
 * numerators and denominators.
 */
function cleanAperture(bytes: Buffer, clap: Box, image: { width: number; height: number }): { width: number; height: number } | undefined {
  const fields = new BoxFields(bytes, clap, clap.payload);
  fields.need(32);
  const [widthN, widthD, heightN, heightD] = [fields.u32(), fields.u32(), fields.u32(), fields.u32()].map(BigInt);
  const horizOffN = BigInt(fields.u32() | 0); // the offsets' numerators are signed
  const horizOffD = BigInt(fields.u32());
  const vertOffN = BigInt(fields.u32() | 0);
  const vertOffD = BigInt(fields.u32());
  if (widthD <= 0n || heightD <= 0n || horizOffD <= 0n || vertOffD <= 0n || widthN < widthD || heightN < heightD) return undefined;
  const width = cropSpan(widthN, widthD, horizOffN, horizOffD, image.width, truncated);
  const height = cropSpan(heightN, heightD, vertOffN, vertOffD, image.height, rounded);
  return width === undefined || height === undefined ? undefined : { width, height };
}

/** n / d truncated toward zero, as C's integer division (libheif's `round_down`). */
const truncated = (n: bigint, d: bigint): bigint => n / d;
/** n / d + 1/2 truncated toward zero (libheif's `round`). */
const rounded = (n: bigint, d: bigint): bigint => (2n * n + d) / (2n * d);

/**
 * One side of the crop, `size` pixels long: first = off + (size - 1)/2 - (n/d - 1)/2, rounded by
 * `roundFirst`; last = first + n/d - 1, rounded; both clipped to [0, size - 1].
 */
function cropSpan(n: bigint, d: bigint, offN: bigint, offD: bigint, size: number, roundFirst: (n: bigint, d: bigint) => bigint): number | undefined {
  const length = BigInt(size);
  // The three terms of `first` over one denominator, 2·offD·d.
  const first = roundFirst(2n * offN * d + (length - 1n) * offD * d - (n - d) * offD, 2n * offD * d);
  const last = rounded(n - d + first * d, d);
  const from = first < 0n ? 0n : first;
  const to = last > length - 1n ? length - 1n : last;
  return from > to ? undefined : Number(to - from + 1n);
}
