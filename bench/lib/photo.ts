import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

/** The metadata segments of the committed fixture (everything between SOI and the first DQT). */
function metadataSegments(): Buffer {
  const fixture = readFileSync(new URL('../../test/fixtures/metadata/jpeg.jpg', import.meta.url));
  let offset = 2;
  while (fixture[offset + 1] !== 0xdb) offset += 2 + fixture.readUInt16BE(offset + 2);
  return fixture.subarray(2, offset);
}

/**
 * A photo-like JPEG of about `bytes`: noise pixels (which JPEG cannot shrink much), so the
 * entropy-coded data is as long and as full of 0xff bytes as a real photo's, then the fixture's
 * metadata segments spliced in after SOI.
 */
export async function jpegOfSize(bytes: number): Promise<Buffer> {
  const width = 1024;
  const encode = (height: number) =>
    sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
  const probe = await encode(256);
  const height = Math.max(16, Math.round((256 * bytes) / probe.byteLength));
  const image = await encode(height);
  const segments = metadataSegments();
  return Buffer.concat([image.subarray(0, 2), segments, image.subarray(2)]);
}

