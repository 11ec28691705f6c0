import { type ByteRange, fourcc, zeroRanges } from '../bytes';
import { InvalidImageError } from '../errors';
import type { WalkResult } from './walk';

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
export function stripHeif(input: Buffer): WalkResult {
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

interface Box {
  readonly type: string;
  readonly start: number;
  /** First byte of the payload (after size, type and any 64-bit size). */
  readonly payload: number;
  readonly end: number;
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
const MAX_BOXES = 100_000;

function readBoxes(bytes: Buffer, from: number, to: number): Box[] {
  const boxes: Box[] = [];
  let at = from;
  while (at < to) {
    if (at + 8 > to) throw new InvalidImageError('HEIF: truncated box header');
    if (boxes.length >= MAX_BOXES) throw new InvalidImageError('HEIF: too many boxes');
    let size = bytes.readUInt32BE(at);
    let payload = at + 8;
    if (size === 1) {
      if (at + 16 > to) throw new InvalidImageError('HEIF: truncated box header');
      size = Number(bytes.readBigUInt64BE(at + 8));
      payload = at + 16;
    } else if (size === 0) {
      size = to - at;
    }
    const end = at + size;
    if (size < payload - at || end > to) throw new InvalidImageError('HEIF: box runs past its parent');
    boxes.push({ type: fourcc(bytes, at + 4), start: at, payload, end });
    at = end;
  }
  return boxes;
}

/** Turns a box into a `free` box of the same size; its payload is zeroed with the rest. */
function blank(out: Buffer, box: Box, drop: ByteRange[], keep: ByteRange[]): void {
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

interface IlocEntry {
  readonly itemId: number;
  readonly start: number;
  readonly end: number;
  readonly extents: ByteRange[];
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
  const infe = iinf ? readIinf(input, iinf).entries.map((box) => ({ box, item: readInfe(input, box) })) : [];
  for (const { item } of infe) if (item && METADATA_ITEMS.has(item.type)) removed.add(item.id);
  // Thumbnails ('thmb' references to an image) go too, and so does whatever only describes
  // removed items (a thumbnail's alpha plane, metadata about a thumbnail), until nothing changes.
  const references = children.filter((c) => c.type === 'iref').flatMap((iref) => readIref(input, iref));
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

  const orientation = iprp && primary !== undefined ? orientationOf(input, iprp, primary) : 1;
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
      else if (child.type === 'iref') parts.push(...rebuildIref(out, child, removed));
      else if (child === iprp) parts.push(rebuildIprp(out, child, removed));
      else parts.push(Buffer.from(bytes));
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

function version(bytes: Buffer, box: Box): number {
  if (box.payload + 4 > box.end) throw new InvalidImageError(`HEIF: short ${box.type} box`);
  return bytes[box.payload];
}

function readPrimary(bytes: Buffer, pitm: Box): number {
  const v = version(bytes, pitm);
  const at = pitm.payload + 4;
  if (at + (v === 0 ? 2 : 4) > pitm.end) throw new InvalidImageError('HEIF: short pitm box');
  return v === 0 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at);
}

function readIinf(bytes: Buffer, iinf: Box): { version: number; entries: Box[] } {
  const v = version(bytes, iinf);
  const first = iinf.payload + 4 + (v === 0 ? 2 : 4);
  if (first > iinf.end) throw new InvalidImageError('HEIF: short iinf box');
  return { version: v, entries: readBoxes(bytes, first, iinf.end) };
}

/** An infe's item ID and type (versions 2 and 3; older ones name no type and are kept). */
function readInfe(bytes: Buffer, infe: Box): { id: number; type: string } | undefined {
  if (infe.type !== 'infe') return undefined;
  const v = version(bytes, infe);
  if (v < 2) return undefined;
  const at = infe.payload + 4;
  const idBytes = v === 2 ? 2 : 4;
  if (at + idBytes + 2 + 4 > infe.end) throw new InvalidImageError('HEIF: short infe box');
  const id = v === 2 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at);
  return { id, type: fourcc(bytes, at + idBytes + 2) };
}

function rebuildIinf(bytes: Buffer, iinf: Box, kept: readonly Box[]): Buffer {
  const v = version(bytes, iinf);
  const countBytes = v === 0 ? 2 : 4;
  const head = Buffer.from(bytes.subarray(iinf.start, iinf.payload + 4 + countBytes));
  if (v === 0) head.writeUInt16BE(kept.length, head.byteLength - 2);
  else head.writeUInt32BE(kept.length, head.byteLength - 4);
  return withSize(Buffer.concat([head, ...kept.map((b) => bytes.subarray(b.start, b.end))]), iinf);
}

/** Sets a rebuilt box's size field (32-bit or 64-bit, as the original had it). */
function withSize(box: Buffer, original: Box): Buffer {
  if (original.payload - original.start === 16) box.writeBigUInt64BE(BigInt(box.byteLength), 8);
  else box.writeUInt32BE(box.byteLength, 0);
  return box;
}

interface Iloc {
  readonly version: number;
  readonly headerEnd: number;
  readonly entries: IlocEntry[];
}

function readUint(bytes: Buffer, at: number, size: number): number {
  switch (size) {
    case 0:
      return 0;
    case 4:
      return bytes.readUInt32BE(at);
    case 8:
      return Number(bytes.readBigUInt64BE(at));
    default:
      throw new InvalidImageError('HEIF: bad iloc field size');
  }
}

/** iloc entries with the byte ranges their extents cover (file offsets, or inside idat). */
function readIloc(bytes: Buffer, iloc: Box, idat: Box | undefined): Iloc {
  const v = version(bytes, iloc);
  if (v > 2) throw new InvalidImageError('HEIF: unknown iloc version');
  let at = iloc.payload + 4;
  const need = (n: number): void => {
    if (at + n > iloc.end) throw new InvalidImageError('HEIF: short iloc box');
  };
  need(2 + (v < 2 ? 2 : 4));
  const offsetSize = bytes[at] >> 4;
  const lengthSize = bytes[at] & 0x0f;
  const baseOffsetSize = bytes[at + 1] >> 4;
  const indexSize = v === 0 ? 0 : bytes[at + 1] & 0x0f;
  at += 2;
  const count = v < 2 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at);
  at += v < 2 ? 2 : 4;
  const headerEnd = at;
  const entries: IlocEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = at;
    need(v < 2 ? 2 : 4);
    const itemId = v < 2 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at);
    at += v < 2 ? 2 : 4;
    let method = 0;
    if (v >= 1) {
      need(2);
      method = bytes.readUInt16BE(at) & 0x0f;
      at += 2;
    }
    need(2 + baseOffsetSize + 2);
    at += 2; // data_reference_index
    const base = readUint(bytes, at, baseOffsetSize);
    at += baseOffsetSize;
    const extentCount = bytes.readUInt16BE(at);
    at += 2;
    const extents: ByteRange[] = [];
    for (let e = 0; e < extentCount; e += 1) {
      need(indexSize + offsetSize + lengthSize);
      at += indexSize;
      const offset = readUint(bytes, at, offsetSize);
      at += offsetSize;
      const length = readUint(bytes, at, lengthSize);
      at += lengthSize;
      // Method 0: file offsets; 1: inside idat; 2 (other items) carries no bytes of its own.
      const origin = method === 0 ? 0 : method === 1 && idat ? idat.payload : undefined;
      if (origin === undefined) continue;
      const limit = method === 0 ? bytes.byteLength : idat!.end;
      const startAt = origin + base + offset;
      extents.push({ start: startAt, end: length === 0 ? limit : startAt + length });
    }
    entries.push({ itemId, start, end: at, extents });
  }
  return { version: v, headerEnd, entries };
}

function rebuildIloc(bytes: Buffer, iloc: Box, parsed: Iloc, removed: ReadonlySet<number>): Buffer {
  const kept = parsed.entries.filter((e) => !removed.has(e.itemId));
  const head = Buffer.from(bytes.subarray(iloc.start, parsed.headerEnd));
  if (parsed.version < 2) head.writeUInt16BE(kept.length, head.byteLength - 2);
  else head.writeUInt32BE(kept.length, head.byteLength - 4);
  const tail = bytes.subarray(parsed.entries.at(-1)?.end ?? parsed.headerEnd, iloc.end);
  return withSize(Buffer.concat([head, ...kept.map((e) => bytes.subarray(e.start, e.end)), tail]), iloc);
}

/** iref without references from removed items, and without removed items among the targets. */
interface Reference {
  readonly type: string;
  readonly from: number;
  readonly to: readonly number[];
}

/** The references of an iref box (type, from item, to items). */
function readIref(bytes: Buffer, iref: Box): Reference[] {
  const v = version(bytes, iref);
  const idBytes = v === 0 ? 2 : 4;
  const readId = (at: number) => (v === 0 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at));
  return readBoxes(bytes, iref.payload + 4, iref.end).map((ref) => {
    if (ref.payload + idBytes + 2 > ref.end) throw new InvalidImageError('HEIF: short reference box');
    const count = bytes.readUInt16BE(ref.payload + idBytes);
    if (ref.payload + idBytes + 2 + count * idBytes > ref.end) throw new InvalidImageError('HEIF: short reference box');
    const to = Array.from({ length: count }, (_, i) => readId(ref.payload + idBytes + 2 + (i * idBytes)));
    return { type: ref.type, from: readId(ref.payload), to };
  });
}

function rebuildIref(bytes: Buffer, iref: Box, removed: ReadonlySet<number>): Buffer[] {
  const v = version(bytes, iref);
  const idBytes = v === 0 ? 2 : 4;
  const readId = (at: number) => (v === 0 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at));
  const references: Buffer[] = [];
  for (const ref of readBoxes(bytes, iref.payload + 4, iref.end)) {
    if (ref.payload + idBytes + 2 > ref.end) throw new InvalidImageError('HEIF: short reference box');
    const from = readId(ref.payload);
    const count = bytes.readUInt16BE(ref.payload + idBytes);
    if (ref.payload + idBytes + 2 + count * idBytes > ref.end) throw new InvalidImageError('HEIF: short reference box');
    if (removed.has(from)) continue;
    const targets: number[] = [];
    for (let i = 0; i < count; i += 1) targets.push(readId(ref.payload + idBytes + 2 + i * idBytes));
    const keptTargets = targets.filter((t) => !removed.has(t));
    if (keptTargets.length === targets.length) {
      references.push(bytes.subarray(ref.start, ref.end));
      continue;
    }
    if (keptTargets.length === 0) continue;
    const box = Buffer.alloc(8 + idBytes + 2 + keptTargets.length * idBytes);
    box.writeUInt32BE(box.byteLength, 0);
    box.write(ref.type, 4, 'latin1');
    const write = (at: number, id: number) => (v === 0 ? box.writeUInt16BE(id, at) : box.writeUInt32BE(id, at));
    write(8, from);
    box.writeUInt16BE(keptTargets.length, 8 + idBytes);
    keptTargets.forEach((t, i) => write(8 + idBytes + 2 + i * idBytes, t));
    references.push(box);
  }
  return [withSize(Buffer.concat([Buffer.from(bytes.subarray(iref.start, iref.payload + 4)), ...references]), iref)];
}

interface IpmaEntry {
  readonly itemId: number;
  readonly start: number;
  readonly end: number;
  /** 1-based property indices into ipco, in order. */
  readonly properties: number[];
}

function readIpma(bytes: Buffer, ipma: Box): { headerEnd: number; entries: IpmaEntry[] } {
  const v = version(bytes, ipma);
  const flags = bytes.readUIntBE(ipma.payload + 1, 3);
  let at = ipma.payload + 4;
  const need = (n: number): void => {
    if (at + n > ipma.end) throw new InvalidImageError('HEIF: short ipma box');
  };
  need(4);
  const count = bytes.readUInt32BE(at);
  at += 4;
  const headerEnd = at;
  const entries: IpmaEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = at;
    need(v < 1 ? 3 : 5);
    const itemId = v < 1 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at);
    at += v < 1 ? 2 : 4;
    const associations = bytes[at];
    at += 1;
    const width = flags & 1 ? 2 : 1;
    need(associations * width);
    const properties: number[] = [];
    for (let a = 0; a < associations; a += 1) {
      properties.push(width === 2 ? bytes.readUInt16BE(at) & 0x7fff : bytes[at] & 0x7f);
      at += width;
    }
    entries.push({ itemId, start, end: at, properties });
  }
  return { headerEnd, entries };
}

function rebuildIprp(bytes: Buffer, iprp: Box, removed: ReadonlySet<number>): Buffer {
  const parts: Buffer[] = [Buffer.from(bytes.subarray(iprp.start, iprp.payload))];
  for (const child of readBoxes(bytes, iprp.payload, iprp.end)) {
    if (child.type !== 'ipma') {
      parts.push(bytes.subarray(child.start, child.end));
      continue;
    }
    const { headerEnd, entries } = readIpma(bytes, child);
    const kept = entries.filter((e) => !removed.has(e.itemId));
    const head = Buffer.from(bytes.subarray(child.start, headerEnd));
    head.writeUInt32BE(kept.length, head.byteLength - 4);
    const tail = bytes.subarray(entries.at(-1)?.end ?? headerEnd, child.end);
    parts.push(withSize(Buffer.concat([head, ...kept.map((e) => bytes.subarray(e.start, e.end)), tail]), child));
  }
  return withSize(Buffer.concat(parts), iprp);
}

/**
 * The primary item's irot/imir properties, applied in their listed order, as the EXIF
 * orientation that does the same (so `displayedSize` swaps sides exactly when HEIF readers do).
 * Transforms are 2x2 matrices on (x right, y down).
 */
function orientationOf(bytes: Buffer, iprp: Box, primary: number): number {
  const boxes = readBoxes(bytes, iprp.payload, iprp.end);
  const ipco = boxes.find((b) => b.type === 'ipco');
  const ipma = boxes.find((b) => b.type === 'ipma');
  if (!ipco || !ipma) return 1;
  const properties = readBoxes(bytes, ipco.payload, ipco.end);
  const entry = readIpma(bytes, ipma).entries.find((e) => e.itemId === primary);
  let m: Matrix = [1, 0, 0, 1];
  for (const index of entry?.properties ?? []) {
    const property = properties[index - 1];
    if (!property || property.payload >= property.end) continue;
    const value = bytes[property.payload];
    if (property.type === 'irot') {
      // Anticlockwise quarter turns: one is (x, y) -> (y, -x) with y pointing down.
      for (let i = 0; i < (value & 0x03); i += 1) m = multiply([0, 1, -1, 0], m);
    } else if (property.type === 'imir') {
      // Axis 0: mirror about a vertical axis (left-right); 1: about a horizontal axis (top-bottom).
      m = multiply(value & 0x01 ? [1, 0, 0, -1] : [-1, 0, 0, 1], m);
    }
  }
  const found = EXIF_MATRICES.findIndex((e) => e.every((v, i) => v === m[i]));
  return found + 1;
}

type Matrix = [number, number, number, number];

function multiply(a: Matrix, b: Matrix): Matrix {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

/** EXIF orientations 1..8 as the transform from stored to displayed pixels, (x, y) -> (a x + b y, c x + d y). */
const EXIF_MATRICES: readonly Matrix[] = [
  [1, 0, 0, 1], // 1 as stored
  [-1, 0, 0, 1], // 2 mirrored left-right
  [-1, 0, 0, -1], // 3 turned 180
  [1, 0, 0, -1], // 4 mirrored top-bottom
  [0, 1, 1, 0], // 5 transposed
  [0, -1, 1, 0], // 6 turned 90 clockwise
  [0, -1, -1, 0], // 7 transversed
  [0, 1, -1, 0], // 8 turned 90 anticlockwise
];
