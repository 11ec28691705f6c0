import { InvalidImageError } from '../../errors';
import { type ByteRange, fourcc } from '../shared/bytes';
import { type Box, BoxFields, fullBoxVersion, readBoxes, withSize } from '../shared/iso-bmff';

/**
 * The HEIF item boxes inside meta, read and rebuilt without the items metadata removal drops:
 * pitm (the primary item), iinf/infe (item types), iloc (where each item's bytes are), iref
 * (references between items) and ipma (which properties each item has). Every rebuild keeps
 * the box's own header and version and only leaves entries out.
 */

export function readPrimary(bytes: Buffer, pitm: Box): number {
  const version = fullBoxVersion(bytes, pitm);
  const fields = new BoxFields(bytes, pitm, pitm.payload + 4);
  fields.need(version === 0 ? 2 : 4);
  return fields.id(version !== 0);
}

/** The infe boxes of an iinf box. */
export function readIinf(bytes: Buffer, iinf: Box): Box[] {
  const version = fullBoxVersion(bytes, iinf);
  const fields = new BoxFields(bytes, iinf, iinf.payload + 4);
  const countBytes = version === 0 ? 2 : 4;
  fields.need(countBytes);
  fields.skip(countBytes); // entry_count: the boxes that follow are the entries
  return readBoxes(bytes, fields.at, iinf.end);
}

/** An infe's item ID and type (versions 2 and 3; older ones name no type and are kept). */
export function readInfe(bytes: Buffer, infe: Box): { id: number; type: string } | undefined {
  if (infe.type !== 'infe') return undefined;
  const version = fullBoxVersion(bytes, infe);
  if (version < 2) return undefined;
  const fields = new BoxFields(bytes, infe, infe.payload + 4);
  fields.need((version === 2 ? 2 : 4) + 2 + 4);
  const id = fields.id(version !== 2);
  fields.skip(2); // item_protection_index
  return { id, type: fourcc(bytes, fields.at) };
}

export function rebuildIinf(bytes: Buffer, iinf: Box, kept: readonly Box[]): Buffer {
  const version = fullBoxVersion(bytes, iinf);
  const countBytes = version === 0 ? 2 : 4;
  const head = Buffer.from(bytes.subarray(iinf.start, iinf.payload + 4 + countBytes));
  if (version === 0) head.writeUInt16BE(kept.length, head.byteLength - 2);
  else head.writeUInt32BE(kept.length, head.byteLength - 4);
  return withSize(Buffer.concat([head, ...kept.map((b) => bytes.subarray(b.start, b.end))]), iinf);
}

export interface IlocEntry {
  readonly itemId: number;
  readonly start: number;
  readonly end: number;
  readonly extents: ByteRange[];
}

export interface Iloc {
  readonly version: number;
  readonly headerEnd: number;
  readonly entries: IlocEntry[];
}

/** iloc entries with the byte ranges their extents cover (file offsets, or inside idat). */
export function readIloc(bytes: Buffer, iloc: Box, idat: Box | undefined): Iloc {
  const version = fullBoxVersion(bytes, iloc);
  if (version > 2) throw new InvalidImageError('HEIF: unknown iloc version');
  const wide = version >= 2; // 32-bit item IDs and item count
  const fields = new BoxFields(bytes, iloc, iloc.payload + 4);
  fields.need(2 + (wide ? 4 : 2));
  const sizes = fields.u8();
  const offsetSize = sizes >> 4;
  const lengthSize = sizes & 0x0f;
  const moreSizes = fields.u8();
  const baseOffsetSize = moreSizes >> 4;
  const indexSize = version === 0 ? 0 : moreSizes & 0x0f;
  const count = fields.id(wide);
  const headerEnd = fields.at;
  const entries: IlocEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = fields.at;
    fields.need(wide ? 4 : 2);
    const itemId = fields.id(wide);
    let method = 0;
    if (version >= 1) {
      fields.need(2);
      method = fields.u16() & 0x0f;
    }
    fields.need(2 + baseOffsetSize + 2);
    fields.skip(2); // data_reference_index
    const base = fields.uint(baseOffsetSize);
    const extentCount = fields.u16();
    const extents: ByteRange[] = [];
    for (let e = 0; e < extentCount; e += 1) {
      fields.need(indexSize + offsetSize + lengthSize);
      fields.skip(indexSize);
      const offset = fields.uint(offsetSize);
      const length = fields.uint(lengthSize);
      // Method 0: file offsets; 1: inside idat; 2 (other items) carries no bytes of its own.
      const origin = method === 0 ? 0 : method === 1 && idat ? idat.payload : undefined;
      if (origin === undefined) continue;
      const limit = method === 0 ? bytes.byteLength : idat!.end;
      const startAt = origin + base + offset;
      extents.push({ start: startAt, end: length === 0 ? limit : startAt + length });
    }
    entries.push({ itemId, start, end: fields.at, extents });
  }
  return { version, headerEnd, entries };
}

export function rebuildIloc(bytes: Buffer, iloc: Box, parsed: Iloc, removed: ReadonlySet<number>): Buffer {
  const kept = parsed.entries.filter((e) => !removed.has(e.itemId));
  const head = Buffer.from(bytes.subarray(iloc.start, parsed.headerEnd));
  if (parsed.version < 2) head.writeUInt16BE(kept.length, head.byteLength - 2);
  else head.writeUInt32BE(kept.length, head.byteLength - 4);
  const tail = bytes.subarray(parsed.entries.at(-1)?.end ?? parsed.headerEnd, iloc.end);
  return withSize(Buffer.concat([head, ...kept.map((e) => bytes.subarray(e.start, e.end)), tail]), iloc);
}

/** One reference of an iref box: its type, the item it is from and the items it points to. */
export interface Reference {
  readonly type: string;
  readonly from: number;
  readonly to: readonly number[];
  /** The reference's own box inside the iref box. */
  readonly box: Box;
}

/** The references of an iref box. */
export function readIref(bytes: Buffer, iref: Box): Reference[] {
  const wide = fullBoxVersion(bytes, iref) !== 0;
  const idBytes = wide ? 4 : 2;
  return readBoxes(bytes, iref.payload + 4, iref.end).map((box) => {
    const fields = new BoxFields(bytes, box, box.payload, 'reference');
    fields.need(idBytes + 2);
    const from = fields.id(wide);
    const count = fields.u16();
    fields.need(count * idBytes);
    const to = Array.from({ length: count }, () => fields.id(wide));
    return { type: box.type, from, to, box };
  });
}

/** iref without references from removed items, and without removed items among the targets. */
export function rebuildIref(bytes: Buffer, iref: Box, references: readonly Reference[], removed: ReadonlySet<number>): Buffer {
  const wide = fullBoxVersion(bytes, iref) !== 0;
  const idBytes = wide ? 4 : 2;
  const kept: Buffer[] = [];
  for (const ref of references) {
    if (removed.has(ref.from)) continue;
    const keptTargets = ref.to.filter((t) => !removed.has(t));
    if (keptTargets.length === ref.to.length) {
      kept.push(bytes.subarray(ref.box.start, ref.box.end));
      continue;
    }
    if (keptTargets.length === 0) continue;
    const box = Buffer.alloc(8 + idBytes + 2 + keptTargets.length * idBytes);
    box.writeUInt32BE(box.byteLength, 0);
    box.write(ref.type, 4, 'latin1');
    const write = (at: number, id: number) => (wide ? box.writeUInt32BE(id, at) : box.writeUInt16BE(id, at));
    write(8, ref.from);
    box.writeUInt16BE(keptTargets.length, 8 + idBytes);
    keptTargets.forEach((t, i) => write(8 + idBytes + 2 + i * idBytes, t));
    kept.push(box);
  }
  return withSize(Buffer.concat([Buffer.from(bytes.subarray(iref.start, iref.payload + 4)), ...kept]), iref);
}

interface IpmaEntry {
  readonly itemId: number;
  readonly start: number;
  readonly end: number;
  /** 1-based property indices into ipco, in order. */
  readonly properties: number[];
}

export function readIpma(bytes: Buffer, ipma: Box): { headerEnd: number; entries: IpmaEntry[] } {
  const version = fullBoxVersion(bytes, ipma);
  const flags = bytes.readUIntBE(ipma.payload + 1, 3);
  const fields = new BoxFields(bytes, ipma, ipma.payload + 4);
  fields.need(4);
  const count = fields.u32();
  const headerEnd = fields.at;
  const entries: IpmaEntry[] = [];
  const width = flags & 1 ? 2 : 1;
  for (let i = 0; i < count; i += 1) {
    const start = fields.at;
    fields.need(version < 1 ? 3 : 5);
    const itemId = fields.id(version >= 1);
    const associations = fields.u8();
    fields.need(associations * width);
    const properties: number[] = [];
    for (let a = 0; a < associations; a += 1) properties.push(width === 2 ? fields.u16() & 0x7fff : fields.u8() & 0x7f);
    entries.push({ itemId, start, end: fields.at, properties });
  }
  return { headerEnd, entries };
}

/** iprp with the removed items' ipma entries left out (ipco, and so every property index, unchanged). */
export function rebuildIprp(bytes: Buffer, iprp: Box, removed: ReadonlySet<number>): Buffer {
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
