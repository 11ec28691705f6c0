import { fourcc } from '../shared/bytes';

/** A RIFF chunk header: FourCC, then the data's length (little-endian); odd lengths are followed by a pad byte. */
export interface RiffChunkHeader {
  readonly type: string;
  readonly length: number;
  /** The pad byte after odd-length data: 0 or 1. */
  readonly pad: number;
}

/** Where the RIFF payload declared by a WebP's first 12 bytes ("RIFF", size, "WEBP") ends, or undefined when they say otherwise. */
export function webpRiffEnd(header: Buffer): number | undefined {
  if (header.byteLength < 12 || fourcc(header, 0) !== 'RIFF' || fourcc(header, 8) !== 'WEBP') return undefined;
  return 8 + header.readUInt32LE(4);
}

/** The chunk header at `at` (8 bytes that the caller has). */
export function riffChunkHeader(bytes: Buffer, at: number): RiffChunkHeader {
  const length = bytes.readUInt32LE(at + 4);
  return { type: fourcc(bytes, at), length, pad: length % 2 };
}
