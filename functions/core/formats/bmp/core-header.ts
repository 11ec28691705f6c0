/** The OS/2 1.x info header (BITMAPCOREHEADER): 16-bit sides, 3-byte palette entries. */
const CORE_HEADER_BYTES = 12;
const FILE_HEADER_BYTES = 14;
const INFO_HEADER_BYTES = 40;

/** True when a BMP's info header is the OS/2 1.x core header. */
export function hasCoreHeader(bytes: Uint8Array): boolean {
  return bytes.byteLength >= FILE_HEADER_BYTES + 4 && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(FILE_HEADER_BYTES) === CORE_HEADER_BYTES;
}

/**
 * The same bitmap with a Windows 40-byte info header instead of the OS/2 1.x core header, for
 * decoders that read only the Windows layout (decode-bmp, behind the transform renderer). The
 * pixel rows are byte for byte the same (both layouts pad rows to 4 bytes); only the sides grow
 * to 32 bits and the palette's 3-byte entries gain their fourth, reserved byte. Anything that is
 * not a core-header BMP comes back unchanged.
 */
export function withInfoHeader(bytes: Uint8Array): Uint8Array {
  if (!hasCoreHeader(bytes) || bytes.byteLength < FILE_HEADER_BYTES + CORE_HEADER_BYTES) return bytes;
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = source.readUInt32LE(10);
  const width = source.readUInt16LE(18);
  const height = source.readUInt16LE(20);
  const planes = source.readUInt16LE(22);
  const bitsPerPixel = source.readUInt16LE(24);
  const paletteStart = FILE_HEADER_BYTES + CORE_HEADER_BYTES;
  // The palette fills the space up to the pixels (at most 2^bits entries of 3 bytes).
  const maxEntries = bitsPerPixel <= 8 ? 1 << bitsPerPixel : 0;
  const entries = Math.max(0, Math.min(maxEntries, Math.floor((Math.min(dataOffset, source.byteLength) - paletteStart) / 3)));
  const pixels = source.subarray(Math.min(dataOffset, source.byteLength));
  const newOffset = FILE_HEADER_BYTES + INFO_HEADER_BYTES + entries * 4;
  const out = Buffer.alloc(newOffset + pixels.byteLength);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.byteLength, 2);
  out.writeUInt32LE(newOffset, 10);
  out.writeUInt32LE(INFO_HEADER_BYTES, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(planes, 26);
  out.writeUInt16LE(bitsPerPixel, 28);
  // Compression BI_RGB (0), image size 0 (allowed for BI_RGB), resolution 0, colours used:
  out.writeUInt32LE(entries, 46);
  for (let i = 0; i < entries; i += 1) source.copy(out, FILE_HEADER_BYTES + INFO_HEADER_BYTES + i * 4, paletteStart + i * 3, paletteStart + i * 3 + 3);
  pixels.copy(out, newOffset);
  return out;
}
