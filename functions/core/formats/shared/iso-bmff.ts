import { InvalidImageError } from '../../errors';
import { type ByteSource, GAP, type GapOf, readFrom, WholeFile } from './byte-source';
import { fourcc } from './bytes';

/**
 * ISO-BMFF boxes (AVIF, HEIF): size, type, an optional 64-bit size, then the payload; full boxes
 * start their payload with a version byte and 24 bits of flags. Shared by the structure check,
 * which walks the top level of a possibly sampled file, and the metadata strip, which reads the
 * meta box's children and their fields. Broken framing is an `InvalidImageError` naming the box.
 */

export interface Box {
  readonly type: string;
  readonly start: number;
  /** First byte of the payload (after size, type and any 64-bit size). */
  readonly payload: number;
  readonly end: number;
}

const TRUNCATED = 'HEIF: truncated box header';
const MAX_BOXES = 100_000;

/**
 * The box at `at`, which must lie inside [at, to) (a size of 0 means "to the end"); GAP when its
 * header lies where the sample was not read.
 */
export function readBox<S extends ByteSource>(source: S, at: number, to: number): Box | GapOf<S> {
  if (at + 8 > to) throw new InvalidImageError(TRUNCATED);
  const header = readFrom(source, at, 8);
  if (header === undefined) throw new InvalidImageError(TRUNCATED);
  if (header === GAP) return header;
  let size = header.readUInt32BE(0);
  let payload = at + 8;
  if (size === 1) {
    if (at + 16 > to) throw new InvalidImageError(TRUNCATED);
    const large = readFrom(source, at + 8, 8);
    if (large === undefined) throw new InvalidImageError(TRUNCATED);
    if (large === GAP) return large;
    size = Number(large.readBigUInt64BE(0));
    payload = at + 16;
  } else if (size === 0) {
    size = to - at;
  }
  const end = at + size;
  if (size < payload - at || end > to) throw new InvalidImageError('HEIF: box runs past its parent');
  return { type: fourcc(header, 4), start: at, payload, end };
}

/** The boxes that tile [from, to) of a whole file. */
export function readBoxes(bytes: Buffer, from: number, to: number): Box[] {
  const file = new WholeFile(bytes);
  const boxes: Box[] = [];
  for (let at = from; at < to; ) {
    // A header cut short is reported as such before the count.
    if (boxes.length >= MAX_BOXES && at + 8 <= to) throw new InvalidImageError('HEIF: too many boxes');
    const box = readBox(file, at, to);
    boxes.push(box);
    at = box.end;
  }
  return boxes;
}

/** A full box's version, refusing a box too short to hold version and flags. */
export function fullBoxVersion(bytes: Buffer, box: Box): number {
  if (box.payload + 4 > box.end) throw new InvalidImageError(`HEIF: short ${box.type} box`);
  return bytes[box.payload];
}

/** Sets a rebuilt box's size field (32-bit or 64-bit, as the original had it). */
export function withSize(box: Buffer, original: Box): Buffer {
  if (original.payload - original.start === 16) box.writeBigUInt64BE(BigInt(box.byteLength), 8);
  else box.writeUInt32BE(box.byteLength, 0);
  return box;
}

/**
 * Reads a box's fields in order from `at`. `need(n)` refuses a box too short for the next n
 * bytes; the reads after it trust it, so a group of fields is checked once, as the box's
 * layout groups them.
 */
export class BoxFields {
  constructor(
    private readonly bytes: Buffer,
    private readonly box: Box,
    public at: number,
    /** What a refusal calls the box: its type unless the type is a name of its own (iref's reference boxes). */
    private readonly name: string = box.type,
  ) {}

  need(n: number): void {
    if (this.at + n > this.box.end) throw new InvalidImageError(`HEIF: short ${this.name} box`);
  }

  skip(n: number): void {
    this.at += n;
  }

  u8(): number {
    return this.bytes[this.at++];
  }

  u16(): number {
    const value = this.bytes.readUInt16BE(this.at);
    this.at += 2;
    return value;
  }

  u32(): number {
    const value = this.bytes.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }

  /** An unsigned field of 0, 4 or 8 bytes (the sizes iloc declares for its offsets and lengths). */
  uint(size: number): number {
    let value: number;
    if (size === 0) value = 0;
    else if (size === 4) value = this.bytes.readUInt32BE(this.at);
    else if (size === 8) value = Number(this.bytes.readBigUInt64BE(this.at));
    else throw new InvalidImageError(`HEIF: bad ${this.name} field size`);
    this.at += size;
    return value;
  }

  /** An item ID: 16 bits in version 0 boxes (iref, pitm, ipma) and iloc/infe versions below 2, else 32. */
  id(wide: boolean): number {
    return wide ? this.u32() : this.u16();
  }
}
