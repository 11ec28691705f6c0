import type { SampledFile } from '../shared/byte-source';
import type { ShownSize } from '../shared/dimensions';

/** The OS/2 1.x header (BITMAPCOREHEADER): 16-bit width and height, no compression field. */
const CORE_HEADER_BYTES = 12;

interface BmpHeader {
  readonly dataOffset: number;
  readonly declaredSize: number;
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: number;
  /** BI_RGB (0) unless the header has a compression field (read from 40-byte headers on). */
  readonly compression: number;
  readonly infoSize: number;
}

/**
 * The file header and the info header's sizes, by the info header's own layout: the OS/2 1.x
 * core header stores width and height in 16 bits (bytes 18-21), every later header in 32 bits
 * (bytes 18-25). Undefined when the bytes are no BMP header.
 */
function readBmpHeader(file: SampledFile): BmpHeader | undefined {
  const header = file.read(0, 26);
  if (!(header instanceof Uint8Array) || header.toString('latin1', 0, 2) !== 'BM') return undefined;
  const infoSize = header.readUInt32LE(14);
  const common = { declaredSize: header.readUInt32LE(2), dataOffset: header.readUInt32LE(10), infoSize };
  if (infoSize === CORE_HEADER_BYTES) {
    return { ...common, width: header.readUInt16LE(18), height: header.readUInt16LE(20), bitsPerPixel: header.readUInt16LE(24), compression: 0 };
  }
  const info = file.read(0, 30);
  if (!(info instanceof Uint8Array)) return undefined;
  // Headers shorter than Windows' 40 bytes are checked no further than their sizes (below).
  const compressionField = infoSize >= 40 ? file.read(30, 4) : undefined;
  if (infoSize >= 40 && !(compressionField instanceof Uint8Array)) return undefined;
  const compression = compressionField instanceof Uint8Array ? compressionField.readUInt32LE(0) : 0;
  return { ...common, width: info.readInt32LE(18), height: Math.abs(info.readInt32LE(22)), bitsPerPixel: info.readUInt16LE(28), compression };
}

/**
 * The sizes the headers declare must fit the file: the file size (0 means "unknown", which the
 * format allows), the pixel array's offset, and for uncompressed rows (BI_RGB, BI_BITFIELDS,
 * BI_ALPHABITFIELDS) the whole pixel array, whose size follows from width, height and depth.
 */
export function isBmpSound(file: SampledFile): boolean {
  const header = readBmpHeader(file);
  if (!header) return false;
  const { declaredSize, dataOffset, infoSize, width, height, bitsPerPixel, compression } = header;
  if ((declaredSize !== 0 && declaredSize > file.size) || dataOffset >= file.size) return false;
  // OS/2 2.x headers shorter than Windows' 40 bytes: the sizes above are all that is checked.
  if (infoSize !== CORE_HEADER_BYTES && infoSize < 40) return true;
  if (compression !== 0 && compression !== 3 && compression !== 6) return true;
  if (width <= 0 || bitsPerPixel === 0) return false;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  return dataOffset + rowBytes * height <= file.size;
}

/**
 * The size of an OS/2 1.x bitmap, which image-size reads as if its 16-bit fields were 32-bit
 * ones (a 127 x 64 image comes out as 4,194,431 x 524,289: width and height read together, then
 * planes and depth). Other headers: image-size's answer stands (undefined).
 */
export function bmpShownSize(file: SampledFile): ShownSize | undefined {
  const header = readBmpHeader(file);
  if (header?.infoSize !== CORE_HEADER_BYTES) return undefined;
  const { width, height } = header;
  return { width, height, decoded: { width, height } };
}
