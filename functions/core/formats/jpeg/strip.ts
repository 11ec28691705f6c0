import { EXIF_PREFIX, exifOrientation, minimalExif } from '../shared/exif';
import { Pieces } from '../shared/pieces';
import type { WalkOptions, WalkResult } from '../shared/walk';
import { jpegSegments, SOS } from './markers';

/**
 * JPEG: the marker walk the structure check uses (`jpegSegments`: segments by their lengths,
 * each scan's end found with native indexOf), so a 4 MiB photo costs one scan and one copy, and
 * the strip refuses exactly what the structure check refuses. Markers are decided by an allow-list:
 *
 * | segment | kept? | why |
 * |---|---|---|
 * | SOI, SOFn, DHT, DQT, DRI, DAC, DNL, SOS + entropy data, RSTn, EOI | kept | the image itself |
 * | APP0 JFIF | kept, thumbnail cut | density and version matter to some decoders; the thumbnail is a copy of the photo |
 * | APP0 JFXX, other APP0 | dropped | JFXX only carries thumbnails |
 * | APP1 Exif | replaced | by a minimal EXIF with only Orientation, when the original had a valid one |
 * | APP1 XMP, extended XMP, other APP1 | dropped | location, device, authors, edit history |
 * | APP2 ICC_PROFILE (every chunk) | kept | colours are wrong without it |
 * | APP2 MPF/FPXR, APP3-APP13 (IPTC/Photoshop in APP13), APP15 | dropped | secondary images, maker data, captions |
 * | APP14 Adobe | kept | its colour transform flag decides how CMYK/YCCK decode |
 * | COM | dropped | free text |
 * | anything after EOI | dropped | MPF secondary images, motion-photo videos, appended trailers |
 */
export function stripJpeg(input: Buffer, options: WalkOptions = {}): WalkResult {
  const out = new Pieces(input, { overwriteSource: options.overwriteInput });
  out.push(input.subarray(0, 2));
  let orientation: number | undefined;
  for (const { marker, start, end, payload, scanEnd } of jpegSegments(input)) {
    const segment = input.subarray(start, end);
    if (marker === 0xe0) {
      if (startsWith(payload, JFIF) && payload.byteLength >= 14) out.push(jfifWithoutThumbnail(segment));
    } else if (marker === 0xe1) {
      if (startsWith(payload, EXIF_PREFIX) && orientation === undefined) {
        orientation = exifOrientation(payload.subarray(EXIF_PREFIX.byteLength));
        if (orientation !== undefined) {
          const minimal = app1Exif(orientation);
          out.push(minimal.equals(segment) ? segment : minimal); // already minimal: keep the original view
        }
      }
    } else if (marker === 0xe2) {
      if (startsWith(payload, ICC_PROFILE)) out.push(segment);
    } else if (marker === 0xee) {
      if (startsWith(payload, ADOBE)) out.push(segment);
    } else if ((marker >= 0xe3 && marker <= 0xef) || marker === 0xfe) {
      // other APPn and COM: dropped
    } else {
      out.push(segment); // EOI ends the walk: whatever follows is not part of this image
      if (marker === SOS) out.push(input.subarray(end, scanEnd));
    }
  }
  return { bytes: out.toBuffer(), orientation: orientation ?? 1, zeroedBytes: 0 };
}

const JFIF = Buffer.from('JFIF\0', 'latin1');
const ICC_PROFILE = Buffer.from('ICC_PROFILE\0', 'latin1');
const ADOBE = Buffer.from('Adobe', 'latin1');

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.byteLength >= prefix.byteLength && bytes.subarray(0, prefix.byteLength).equals(prefix);
}

/** The JFIF APP0 segment (marker, length, 14 bytes of header) with a 0x0 thumbnail. */
function jfifWithoutThumbnail(segment: Buffer): Buffer {
  const payloadStart = 4;
  if (segment.byteLength === payloadStart + 14 && segment[payloadStart + 12] === 0 && segment[payloadStart + 13] === 0) return segment;
  const copy = Buffer.from(segment.subarray(0, payloadStart + 14));
  copy.writeUInt16BE(2 + 14, 2);
  copy[payloadStart + 12] = 0; // Xthumbnail
  copy[payloadStart + 13] = 0; // Ythumbnail
  return copy;
}

/** APP1 "Exif\0\0" + the minimal EXIF block (Orientation only). */
function app1Exif(orientation: number): Buffer {
  const tiff = minimalExif(orientation);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(2 + EXIF_PREFIX.byteLength + tiff.byteLength, 2);
  return Buffer.concat([head, EXIF_PREFIX, tiff]);
}
