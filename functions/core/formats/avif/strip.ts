import { InvalidImageError } from '../../errors';
import { type ByteRange, zeroRanges } from '../shared/bytes';
import { type Box, readBoxes } from '../shared/iso-bmff';
import type { WalkResult } from '../shared/walk';
import { readIinf, readIloc, readInfe, readIref, readPrimary, rebuildIinf, rebuildIloc, rebuildIprp, rebuildIref } from './items';
import { primaryOrientation } from './orientation';

/**
 * AVIF/HEIF (ISO-BMFF boxes). Metadata lives in items of type `Exif`, `mime` (XMP and any other
 * MIME payload) and `uri `; the pixels in image items (av01, grid, ...); orientation in the
 * irot/imir properties and colour in colr, which stay. Thumbnails are image items with a `thmb`
 * reference; they go with whatever only describes removed items (their alpha planes).
 *
 * The removed items lose their entries in iinf, iloc, iref and ipma; those boxes are rewritten
 * shorter and the meta box is topped up with a `free` box to its old size, so nothing after it
 * moves. Their payload is zeroed where it stands (in mdat or idat), never cut out: every other
 * item's iloc offsets stay byte-for-byte valid, so no offset fix-up can go wrong on a hostile
 * file, at the price of the metadata's size in zeros. Bytes a kept item needs are never zeroed,
 * even when a hostile metadata extent overlaps them.
 *
 * Boxes that only carry metadata (top-level `uuid`/`xml `, meta's `xml `/`bxml`, moov/trak `udta`
 * and `meta` of image sequences, unknown top-level boxes) become `free` boxes of the same size
 * with zeroed contents.
 */
export function stripAvif(input: Buffer): WalkResult {
  const top = readBoxes(input, 0, input.byteLength);
  if (top[0]?.type !== 'ftyp') throw new InvalidImageError('not an ISO-BMFF file');
  const out = Buffer.from(input);
  const drop: ByteRange[] = [];
  const keep: ByteRange[] = [];
  let orientation = 1;
  const metas = top.filter((b) => b.type === 'meta');
  if (metas.length > 1) throw new InvalidImageError('HEIF: more than one meta box');
  for (const box of top) {
    if (box.type === 'moov') blankNested(out, box, drop, keep);
    else if (box.type === 'mdat' || box.type === 'meta') keep.push({ start: box.start, end: box.payload }); // contents decided by the items
    else if (TOP_KEPT.has(box.type)) keep.push({ start: box.start, end: box.end });
    else blank(out, box, drop, keep);
  }
  let rewrite: (() => void) | undefined;
  if (metas[0]) {
    const result = planMeta(input, out, metas[0], drop, keep);
    orientation = result.orientation;
    rewrite = result.rewrite;
  }
  const zeroedBytes = zeroRanges(input, out, drop, keep);
  rewrite?.();
  return { bytes: out.equals(input) ? input : out, orientation, zeroedBytes };
}

/**
 * Top-level boxes a decoder reads (meta, mdat and moov are looked into); any other top-level box,
 * free and skip included (free space can hold stale metadata), is emptied into `free`.
 */
const TOP_KEPT: ReadonlySet<string> = new Set(['ftyp', 'styp', 'sidx', 'moof', 'mfra']);
/** meta children a decoder reads; others (xml , bxml, free, ...) are emptied into `free`. */
const META_KEPT: ReadonlySet<string> = new Set(['hdlr', 'pitm', 'iloc', 'iinf', 'iref', 'iprp', 'dinf', 'grpl', 'ipro']);
/** Item properties that only describe the picture in words (HEIF 'udes': name, description, tags) are emptied too. */
const PROPERTIES_BLANKED: ReadonlySet<string> = new Set(['udes']);
/** Item types that hold metadata, never pixels. */
const METADATA_ITEMS: ReadonlySet<string> = new Set(['Exif', 'mime', 'uri ']);

/** Turns a box into a `free` box of the same size; its payload is zeroed with the rest. */
function blank(out: Buffer, box: Box, drop: ByteRange[], keep: ByteRange[]): void {
  writeExplicitSize(out, box);
  out.write('free', box.start + 4, 'latin1');
  keep.push({ start: box.start, end: box.payload });
  drop.push({ start: box.payload, end: box.end });
}

/** Image sequences: udta and meta (user data, XMP) in moov and its tracks become `free`. */
function blankNested(out: Buffer, parent: Box, drop: ByteRange[], keep: ByteRange[]): void {
  keep.push({ start: parent.start, end: parent.payload });
  for (const child of readBoxes(out, parent.payload, parent.end)) {
    if (child.type === 'udta' || child.type === 'meta') blank(out, child, drop, keep);
    else if (child.type === 'trak') blankNested(out, child, drop, keep);
    else keep.push({ start: child.start, end: child.end });
  }
}

/**
 * Reads the meta box, decides which items go, adds their payload to `drop` (and every kept
 * item's to `keep`), and returns the rewrite of the meta box to run after the zeroing.
 */
function planMeta(input: Buffer, out: Buffer, meta: Box, drop: ByteRange[], keep: ByteRange[]): { orientation: number; rewrite?: () => void } {
  const childrenStart = meta.payload + 4; // FullBox: version and flags
  if (childrenStart > meta.end) throw new InvalidImageError('HEIF: short meta box');
  const children = readBoxes(input, childrenStart, meta.end);
  const find = (type: string) => children.find((c) => c.type === type);
  const iinf = find('iinf');
  const iloc = find('iloc');
  const iprp = find('iprp');
  const idat = find('idat');
  const pitm = find('pitm');
  const primary = pitm ? readPrimary(input, pitm) : undefined;

  const removed = new Set<number>();
  const infe = iinf ? readIinf(input, iinf).map((box) => ({ box, item: readInfe(input, box) })) : [];
  for (const { item } of infe) if (item && METADATA_ITEMS.has(item.type)) removed.add(item.id);
  // Thumbnails ('thmb' references to an image) go too, and so does whatever only describes
  // removed items (a thumbnail's alpha plane, metadata about a thumbnail), until nothing changes.
  const referencesOf = new Map(children.filter((c) => c.type === 'iref').map((iref) => [iref, readIref(input, iref)] as const));
  const references = [...referencesOf.values()].flat();
  for (const ref of references) if (ref.type === 'thmb' && ref.from !== primary) removed.add(ref.from);
  for (let changed = true; changed; ) {
    changed = false;
    for (const ref of references) {
      const describes = ref.type === 'thmb' || ref.type === 'auxl' || ref.type === 'cdsc';
      if (describes && ref.from !== primary && !removed.has(ref.from) && ref.to.length > 0 && ref.to.every((id) => removed.has(id))) {
        removed.add(ref.from);
        changed = true;
      }
    }
  }
  // Never what the primary image is made of (grid tiles, overlay inputs), whatever a hostile iref claims.
  const needed = new Set(primary === undefined ? [] : [primary]);
  for (let grown = true; grown; ) {
    grown = false;
    for (const ref of references) {
      if ((ref.type === 'dimg' || ref.type === 'base') && needed.has(ref.from)) {
        for (const id of ref.to) if (!needed.has(id)) needed.add(id), (grown = true);
      }
    }
  }
  for (const id of needed) if (!infe.some(({ item }) => item?.id === id && METADATA_ITEMS.has(item.type))) removed.delete(id);
  const infeKept = infe.filter(({ item }) => !(item && removed.has(item.id))).map(({ box }) => box);
  if (primary !== undefined && removed.has(primary)) throw new InvalidImageError('HEIF: the primary item is metadata');

  const ilocEntries = iloc ? readIloc(input, iloc, idat) : undefined;
  for (const entry of ilocEntries?.entries ?? []) (removed.has(entry.itemId) ? drop : keep).push(...entry.extents);
  for (const child of children) {
    if (child.type === 'idat') keep.push({ start: child.start, end: child.payload }); // contents decided by the items
    else if (child === iprp) keepProperties(input, out, child, drop, keep);
    else if (META_KEPT.has(child.type)) keep.push({ start: child.start, end: child.end });
    else blank(out, child, drop, keep);
  }

  const orientation = iprp && primary !== undefined ? primaryOrientation(input, iprp, primary) : 1;
  if (removed.size === 0) return { orientation };

  // Nothing may be stored by file offset inside meta: the rewrite moves bytes within it.
  for (const entry of ilocEntries?.entries ?? []) {
    if (removed.has(entry.itemId)) continue;
    if (entry.extents.some((r) => r.start < meta.end && r.end > meta.start && !(idat && r.start >= idat.payload && r.end <= idat.end))) {
      throw new InvalidImageError('HEIF: item data inside the meta box');
    }
  }

  const rewrite = (): void => {
    const parts: Buffer[] = [out.subarray(meta.start, childrenStart)];
    for (const child of children) {
      const bytes = out.subarray(child.start, child.end);
      // Rebuilt from `out`: same positions as the input, with the zeroing and blanking done.
      if (child === iinf) parts.push(rebuildIinf(out, child, infeKept));
      else if (child === iloc && ilocEntries) parts.push(rebuildIloc(out, child, ilocEntries, removed));
      else if (child.type === 'iref') parts.push(rebuildIref(out, child, referencesOf.get(child)!, removed));
      else if (child === iprp) parts.push(rebuildIprp(out, child, removed));
      else parts.push(writeExplicitSize(Buffer.from(bytes), { start: 0, end: bytes.byteLength }));
    }
    const used = parts.reduce((sum, p) => sum + p.byteLength, 0);
    const spare = meta.end - meta.start - used;
    if (spare !== 0 && spare < 8) throw new InvalidImageError('HEIF: cannot pad the meta box');
    let at = meta.start;
    for (const p of parts) {
      p.copy(out, at);
      at += p.byteLength;
    }
    if (spare > 0) {
      out.fill(0, at, meta.end);
      out.writeUInt32BE(spare, at);
      out.write('free', at + 4, 'latin1');
    }
  };
  return { orientation, rewrite };
}

/**
 * A box whose size field is 0 runs to the end of its parent. Moved forward by the meta rewrite it
 * would swallow the padding after it, and a second strip would then zero that padding's header:
 * written out, its size stays what it was wherever the box goes.
 */
function writeExplicitSize<T extends Buffer>(bytes: T, box: Pick<Box, 'start' | 'end'>): T {
  if (bytes.readUInt32BE(box.start) === 0) bytes.writeUInt32BE(box.end - box.start, box.start);
  return bytes;
}

/**
 * iprp is kept except for descriptive properties (udes), which are emptied in place: same size,
 * same position, so every property index in ipma stays valid.
 */
function keepProperties(input: Buffer, out: Buffer, iprp: Box, drop: ByteRange[], keep: ByteRange[]): void {
  keep.push({ start: iprp.start, end: iprp.payload });
  for (const child of readBoxes(input, iprp.payload, iprp.end)) {
    if (child.type !== 'ipco') {
      keep.push({ start: child.start, end: child.end });
      continue;
    }
    keep.push({ start: child.start, end: child.payload });
    for (const property of readBoxes(input, child.payload, child.end)) {
      if (PROPERTIES_BLANKED.has(property.type)) blank(out, property, drop, keep);
      else keep.push({ start: property.start, end: property.end });
    }
  }
}
