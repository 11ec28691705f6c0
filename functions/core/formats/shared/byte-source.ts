import { asBuffer } from './bytes';

/**
 * Random access to a file under check. Uploads hand over the whole file; a sample of a large
 * object may hold only its first and last bytes, and a walk that needs bytes from the unread
 * middle learns so (GAP) instead of guessing. Readers are written over `ByteSource` so the
 * structure checks (samples) and the metadata strips (whole files) share them; over a
 * `WholeFile` the type system knows there is no gap to handle.
 */

/** In the unread middle of a sampled file: cannot tell. */
export const GAP = Symbol('gap');
export type Gap = typeof GAP;

export interface ByteSource {
  readonly size: number;
  /** The bytes [offset, offset + length); undefined past the end of the file, GAP where they were not read. */
  read(offset: number, length: number): Buffer | undefined | Gap;
}

/** What a reader over `S` may answer besides its result: GAP, only where `S` can have gaps. */
export type GapOf<S extends ByteSource> = Extract<ReturnType<S['read']>, Gap>;

/** What is known of a stored object when only its ends were read (large uploads). */
export interface ImageSample {
  /** The first bytes of the file (the whole file for direct uploads). */
  readonly head: Uint8Array;
  /** The last bytes of the file (the whole file for direct uploads). */
  readonly tail: Uint8Array;
  /** The file's full length in bytes. */
  readonly size: number;
}

function inRange(offset: number, length: number, size: number): boolean {
  return Number.isSafeInteger(offset) && offset >= 0 && offset + length <= size;
}

/** A file held whole: every read inside it succeeds. */
export class WholeFile implements ByteSource {
  readonly size: number;

  constructor(readonly bytes: Buffer) {
    this.size = bytes.byteLength;
  }

  read(offset: number, length: number): Buffer | undefined {
    return inRange(offset, length, this.size) ? this.bytes.subarray(offset, offset + length) : undefined;
  }
}

/** A file of which only the head and the tail may be known. */
export class SampledFile implements ByteSource {
  readonly size: number;
  private readonly head: Buffer;
  private readonly tail: Buffer;

  constructor(sample: ImageSample) {
    this.size = sample.size;
    this.head = asBuffer(sample.head);
    this.tail = asBuffer(sample.tail);
  }

  read(offset: number, length: number): Buffer | undefined | Gap {
    if (!inRange(offset, length, this.size)) return undefined;
    if (offset + length <= this.head.byteLength) return this.head.subarray(offset, offset + length);
    const tailStart = this.size - this.tail.byteLength;
    if (offset >= tailStart) return this.tail.subarray(offset - tailStart, offset - tailStart + length);
    return GAP;
  }

  startsWith(signature: readonly number[]): boolean {
    const read = this.read(0, signature.length);
    return read instanceof Uint8Array && signature.every((value, i) => read[i] === value);
  }

  tailIncludes(needle: Buffer): boolean {
    return this.tail.includes(needle);
  }

  endsWith(byte: number): boolean {
    return this.tail.byteLength > 0 && this.tail[this.tail.byteLength - 1] === byte;
  }

  /** The first bytes known without a gap: the whole file for direct uploads, else the head. */
  first(): Buffer {
    return this.head.subarray(0, Math.min(this.head.byteLength, this.size));
  }

  /** The whole file (direct uploads), or undefined when only its ends are known. */
  all(): Buffer | undefined {
    return this.head.byteLength >= this.size ? this.head.subarray(0, this.size) : undefined;
  }
}

/** `source.read`, typed by what `S` can answer: a reader over a `WholeFile` never sees GAP. */
export function readFrom<S extends ByteSource>(source: S, offset: number, length: number): Buffer | undefined | GapOf<S> {
  return source.read(offset, length) as Buffer | undefined | GapOf<S>;
}

/** The read found its bytes (neither past the end nor in a gap). */
export function isBytes<T>(read: Buffer | T): read is Buffer {
  return read instanceof Buffer;
}
