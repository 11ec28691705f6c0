import { readFileSync } from 'node:fs';
import { imageSize } from 'image-size';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../functions/core/config';
import { InvalidImageError } from '../../functions/core/errors';
import { inspectImage } from '../../functions/core/formats/inspect';
import { acceptedFormatSniffedAs, ALLOWED_FORMATS, CONTENT_TYPES, FORMATS } from '../../functions/core/formats/registry';

/**
 * The format registry is data the sniffer, the dispatcher and the docs read: its names must be
 * the ones image-size answers for real files, and a refused entry must be refused.
 */
const LIMITS = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };
const SAMPLE_FILES = { jpeg: 'sample.jpg', png: 'sample.png', gif: 'sample.gif', webp: 'sample.webp', avif: 'sample.avif', bmp: 'sample.bmp', tiff: 'sample.tiff' } as const;
const REFUSED_FILES = { svg: 'script.svg', heic: 'sample.heic' } as const;

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

describe('format registry', () => {
  it('lists the accepted formats in the order the API lists them', () => {
    expect(ALLOWED_FORMATS).toEqual(['jpeg', 'png', 'gif', 'webp', 'avif', 'bmp', 'tiff']);
    expect(Object.keys(CONTENT_TYPES)).toEqual(ALLOWED_FORMATS);
  });

  it.each(ALLOWED_FORMATS.map((f) => [f]))('%s: image-size sniffs its sample under the registry name, and it is stored as its content type', (format) => {
    const bytes = fixture(SAMPLE_FILES[format]);
    expect(imageSize(bytes).type).toBe(FORMATS[format].sniffedAs);
    expect(inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, LIMITS)).toMatchObject({ format, contentType: FORMATS[format].contentType });
  });

  it.each(Object.entries(REFUSED_FILES))('%s: sniffed under the registry name and refused', (name, file) => {
    const entry = FORMATS[name as keyof typeof REFUSED_FILES];
    expect(entry.allowed).toBe(false);
    const bytes = fixture(file);
    expect(imageSize(bytes).type).toBe(entry.sniffedAs);
    let refusal: unknown;
    try {
      inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, LIMITS);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InvalidImageError);
    expect((refusal as InvalidImageError).reason).toBe(`format ${entry.sniffedAs} is not allowed`);
  });

  it("maps image-size's other names for a format's variants to it: a BigTIFF is stored as a TIFF", () => {
    const bigTiff = fixture('real/BigTIFFMotorola.tif');
    expect(imageSize(bigTiff).type).toBe('bigtiff');
    expect(FORMATS.tiff.alsoSniffedAs).toEqual(['bigtiff']);
    expect(acceptedFormatSniffedAs('bigtiff')).toBe('tiff');
    expect(inspectImage({ head: bigTiff, tail: bigTiff, size: bigTiff.byteLength }, LIMITS)).toMatchObject({ format: 'tiff', contentType: 'image/tiff' });
    expect(acceptedFormatSniffedAs('heic')).toBeUndefined();
  });

  it('keeps only what a format can carry', () => {
    for (const format of ALLOWED_FORMATS) {
      const { carries, keeps } = FORMATS[format];
      expect(keeps.filter((k) => !(carries as readonly string[]).includes(k)), format).toEqual([]);
    }
  });
});
