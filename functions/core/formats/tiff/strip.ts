import { InvalidImageError } from '../../errors';
import { WholeFile } from '../shared/byte-source';
import { type ByteRange, type Endian, mergeRanges, zeroRanges } from '../shared/bytes';
import { ORIENTATION_TAG, orientationOf } from '../shared/exif';
import { type Ifd, type IfdEntry, ifdChain, readNumbers, readTiffHeader, type TiffLayout } from '../shared/tiff-ifd';
import type { WalkResult } from '../shared/walk';

/**
 * TIFF (both byte orders, classic and BigTIFF), cleaned in place: every IFD of the chain keeps only the tags of an
 * allow-list (image structure, colour, Orientation), its entry list compacted where it stands;
 * reduced-resolution IFDs (thumbnails, NewSubfileType bit 0) leave the chain; and then every
 * byte that no kept structure points at is zeroed, and the file ends after the last of them.
 *
 * In place rather than rewritten compactly: strips, tiles, JPEG tables and the ICC profile keep
 * their offsets, so no offset is ever recomputed (the usual way TIFF rewriters corrupt images),
 * and "zero what nothing kept points at" also clears what a deny-list would miss: EXIF and GPS
 * sub-IFDs, maker notes and the previews they point to, XMP, IPTC, Photoshop blocks, orphaned
 * bytes left by earlier editors. The price is zeros where metadata was (until the last kept byte).
 */
export function stripTiff(input: Buffer): WalkResult {
  const header = readTiffHeader(input);
  if (!header) throw new InvalidImageError('not a TIFF');
  const { endian, layout } = header;
  const file = new WholeFile(input);
  const chain = readChain(file, layout, header.firstIfd);
  const images = chain.filter((ifd) => !isReducedResolution(file, endian, ifd));
  // A file made only of "reduced-resolution" IFDs still shows its first one: that is the image.
  const kept = images.length > 0 ? images : [chain[0]];

  const entriesOf = new Map<Ifd, IfdEntry[]>();
  const values: ByteRange[] = []; // kept values and image data
  for (const ifd of kept) {
    const entries = ifd.entries.filter((e) => KEPT_TAGS.has(e.tag));
    entriesOf.set(ifd, entries);
    for (const e of entries) if (e.outOfLine) values.push({ start: e.valueOffset, end: e.valueOffset + e.valueBytes });
    values.push(...imageData(file, endian, entries));
  }
  // Each kept IFD is rewritten inside its own span: nothing kept may share those bytes (only a
  // hostile file does that; it is refused rather than silently changed).
  const spans = kept.map((ifd) => ({ start: ifd.offset, end: ifd.end }));
  const others = mergeRanges([...values, { start: 0, end: layout.headerBytes }]);
  for (const span of spans) {
    const crossing = others.some((r) => r.start < span.end && r.end > span.start);
    const sharing = spans.some((o) => o !== span && o.start < span.end && o.end > span.start);
    if (crossing || sharing) throw new InvalidImageError('TIFF: an IFD overlaps data');
  }
  const keep = mergeRanges([
    ...others,
    ...kept.map((ifd) => ({ start: ifd.offset, end: ifd.offset + layout.ifdBytes(entriesOf.get(ifd)!.length) })),
  ]);
  const fileEnd = Math.min(input.byteLength, keep.reduce((end, r) => Math.max(end, r.end), 0));
  const gaps: ByteRange[] = [];
  let at = 0;
  for (const r of keep) {
    if (r.start > at) gaps.push({ start: at, end: r.start });
    at = Math.max(at, r.end);
  }

  const out = Buffer.from(input.subarray(0, fileEnd));
  const zeroedBytes = zeroRanges(input, out, gaps, []);
  // Compact each kept IFD's entry list where it stands and link the kept IFDs to each other.
  layout.writeOffset(out, layout.firstIfdAt, kept[0].offset);
  kept.forEach((ifd, i) => {
    const entries = entriesOf.get(ifd)!;
    const { countBytes, entryBytes } = layout;
    layout.writeCount(out, ifd.offset, entries.length);
    entries.forEach((e, j) => input.copy(out, ifd.offset + countBytes + j * entryBytes, e.entryOffset, e.entryOffset + entryBytes));
    layout.writeOffset(out, ifd.offset + countBytes + entries.length * entryBytes, kept[i + 1]?.offset ?? 0);
  });
  const first = kept[0];
  const orientation = orientationOf(file, endian, entriesOf.get(first)!.find((e) => e.tag === ORIENTATION_TAG)) ?? 1;
  const bytes = out.equals(input) ? input : out;
  return { bytes, orientation, zeroedBytes };
}

/** Every IFD of the chain, in order; refused when the chain is empty, loops, or leaves the file. */
function readChain(file: WholeFile, layout: TiffLayout, first: number): Ifd[] {
  const chain: Ifd[] = [];
  const ifds = ifdChain(file, layout, first);
  for (let step = ifds.next(); ; step = ifds.next()) {
    if (!step.done) {
      chain.push(step.value);
      continue;
    }
    if (step.value === 'end') return chain;
    throw new InvalidImageError(CHAIN_REFUSALS[step.value]);
  }
}

const CHAIN_REFUSALS = {
  empty: 'TIFF: no IFD',
  loop: 'TIFF: IFD chain loops or is too long',
  unreadable: 'TIFF: IFD out of range',
} as const;
/** More strips or tiles than a 100-megapixel image split into single rows could need. */
const MAX_DATA_BLOCKS = 1_000_000;
const NEW_SUBFILE_TYPE = 254;

/**
 * Tags that describe how to decode and show the pixels. Everything else goes: Make, Model,
 * Software, DateTime, Artist, HostComputer, ImageDescription, DocumentName, PageName, Copyright,
 * XMP (700), IPTC (33723), Photoshop (34377), EXIF IFD (34665), GPS IFD (34853), Interop IFD,
 * SubIFDs (330, previews), ImageSourceData, XP* (Windows), DNG private data, PageNumber (297: it
 * would still count removed thumbnail pages; decoders count IFDs), and unknown tags.
 */
const KEPT_TAGS: ReadonlySet<number> = new Set([
  254, 255, // NewSubfileType, SubfileType
  256, 257, 258, 259, 262, 263, 264, 265, 266, // size, bits, compression, photometric, thresholding, cells, fill order
  273, 274, 277, 278, 279, 280, 281, 282, 283, 284, // strips, orientation, samples, rows per strip, min/max, resolution, planar
  286, 287, 290, 291, 292, 293, 296, // position, grey response, T4/T6 options, resolution unit
  301, 317, 318, 319, 320, 321, // transfer function, predictor, white point, primaries, colour map, halftone hints
  322, 323, 324, 325, // tiles
  332, 334, 336, 338, 339, 340, 341, 342, // ink set, inks, dot range, extra samples, sample format, sample min/max, transfer range
  347, // JPEGTables
  512, 513, 514, 515, 517, 518, 519, 520, 521, // old-style JPEG
  529, 530, 531, 532, // YCbCr coefficients, subsampling, positioning, reference black/white
  32995, 32996, 32997, 32998, // SGI matteing, data type, image depth, tile depth
  34675, // ICC profile
]);

function isReducedResolution(file: WholeFile, endian: Endian, ifd: Ifd): boolean {
  const entry = ifd.entries.find((e) => e.tag === NEW_SUBFILE_TYPE);
  const value = entry && readNumbers(file, endian, entry)?.[0];
  return value !== undefined && (value & 1) === 1;
}

/** Strips, tiles and old-style JPEG data of an IFD: (offsets, byte counts) pairs. */
function imageData(file: WholeFile, endian: Endian, entries: readonly IfdEntry[]): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const [offsetsTag, countsTag] of DATA_TAGS) {
    const o = entries.find((e) => e.tag === offsetsTag);
    const c = entries.find((e) => e.tag === countsTag);
    if ((o?.count ?? 0) > MAX_DATA_BLOCKS) throw new InvalidImageError('TIFF: too many strips or tiles');
    const offsets = o && readNumbers(file, endian, o);
    const counts = c && readNumbers(file, endian, c);
    if (!offsets || !counts) continue;
    offsets.forEach((start, i) => {
      if (counts[i] !== undefined) ranges.push({ start, end: start + counts[i] });
    });
  }
  return ranges;
}

const DATA_TAGS: ReadonlyArray<readonly [number, number]> = [
  [273, 279],
  [324, 325],
  [513, 514],
];
