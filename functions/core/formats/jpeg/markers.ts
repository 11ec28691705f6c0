import { InvalidImageError } from '../../errors';
import { entropyEnd } from './entropy';

/** One marker of a JPEG and what belongs to it. */
export interface JpegSegment {
  readonly marker: number;
  /** Offset of the marker's 0xff (the last one when fill bytes precede it). */
  readonly start: number;
  /** After the marker and its length-counted payload; for SOS, where its entropy-coded data starts. */
  readonly end: number;
  /** The payload after the length field; empty for markers without one (TEM, RSTn, EOI). */
  readonly payload: Buffer;
  /** SOS only: where its entropy-coded data ends (the next marker). */
  readonly scanEnd: number;
}

export const SOS = 0xda;
export const EOI = 0xd9;

/**
 * The one JPEG walk, shared by the structure check and metadata removal, so both refuse the same
 * files: from SOI, every marker segment by its length, after each SOS the entropy-coded data to
 * the next marker (found with Buffer#indexOf, see `entropyEnd`), up to and including EOI, which
 * ends the walk (whatever follows is not part of the image). Anything else is an
 * `InvalidImageError`: a byte where a marker must be, a second SOI, a length that runs past the
 * end, a scan with no marker after it, no EOI.
 */
export function* jpegSegments(input: Buffer): Generator<JpegSegment, void, undefined> {
  const size = input.byteLength;
  if (size < 4 || input[0] !== 0xff || input[1] !== 0xd8) throw new InvalidImageError('not a JPEG');
  const none = input.subarray(0, 0);
  let offset = 2;
  for (;;) {
    if (offset >= size || input[offset] !== 0xff) throw new InvalidImageError('JPEG: expected a marker');
    while (offset < size && input[offset] === 0xff) offset += 1; // fill bytes before a marker
    if (offset >= size) throw new InvalidImageError('JPEG: truncated');
    const marker = input[offset];
    const start = offset - 1;
    offset += 1;
    if (marker === EOI) {
      yield { marker, start, end: offset, payload: none, scanEnd: offset };
      return;
    }
    if (marker === 0xd8 || marker === 0x00) throw new InvalidImageError('JPEG: unexpected marker');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      yield { marker, start, end: offset, payload: none, scanEnd: offset }; // TEM, RSTn: no length
      continue;
    }
    if (offset + 2 > size) throw new InvalidImageError('JPEG: truncated');
    const length = input.readUInt16BE(offset);
    const end = offset + length;
    if (length < 2 || end > size) throw new InvalidImageError('JPEG: segment runs past the end');
    let scanEnd = end;
    if (marker === SOS) {
      scanEnd = entropyEnd(input, end);
      if (scanEnd < 0) throw new InvalidImageError('JPEG: no marker after the scan');
    }
    yield { marker, start, end, payload: input.subarray(offset + 2, end), scanEnd };
    offset = scanEnd;
  }
}
