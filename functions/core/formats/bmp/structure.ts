import type { SampledFile } from '../shared/byte-source';

/**
 * The sizes the headers declare must fit the file: the file size (0 means "unknown", which the
 * format allows), the pixel array's offset, and for uncompressed rows (BI_RGB, BI_BITFIELDS,
 * BI_ALPHABITFIELDS) the whole pixel array, whose size follows from width, height and depth.
 */
export function isBmpSound(file: SampledFile): boolean {
  const header = file.read(0, 30);
  if (!(header instanceof Uint8Array)) return false;
  if (header.toString('latin1', 0, 2) !== 'BM') return false;
  const declared = header.readUInt32LE(2);
  const dataOffset = header.readUInt32LE(10);
  if ((declared !== 0 && declared > file.size) || dataOffset >= file.size) return false;
  const infoSize = header.readUInt32LE(14);
  if (infoSize < 40) return true; // OS/2 core headers: sizes above are all they declare
  const width = header.readInt32LE(18);
  const height = Math.abs(header.readInt32LE(22));
  const bitsPerPixel = header.readUInt16LE(28);
  const compression = file.read(30, 4);
  if (!(compression instanceof Uint8Array)) return false;
  const method = compression.readUInt32LE(0);
  if (method !== 0 && method !== 3 && method !== 6) return true;
  if (width <= 0 || bitsPerPixel === 0) return false;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  return dataOffset + rowBytes * height <= file.size;
}
