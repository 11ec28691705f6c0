import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type Limits } from '../../functions/core/config';
import { HttpError } from '../../functions/core/errors';
import { stripMetadata } from '../../functions/core/formats/dispatch';
import { inspectImage } from '../../functions/core/formats/inspect';
import { prepareForPublishing } from '../../functions/core/published-image';

/**
 * Real files from public test corpora that browsers and libvips show, each a class the checks
 * used to refuse or misread (test/fixtures/real: manifest.json says where each comes from, what
 * it is and what the API must answer; README.md has the licences). Accepted ones must come out
 * at the size viewers show, and what is stored must decode in libvips (sharp) at that size with
 * every frame; refused ones must be refused with their status. The decisions are in
 * docs/limits.md and docs/metadata.md.
 */
interface Expected {
  readonly status: number;
  readonly format?: string;
  readonly width?: number;
  readonly height?: number;
  /** Frames (GIF) or pages (TIFF) libvips decodes from what is stored. */
  readonly frames?: number;
  readonly message?: string;
  /** false where libvips reads the header but cannot decode the pixels (a layered AVIF). */
  readonly sharpDecodes?: boolean;
}

interface RealFile {
  readonly file: string;
  readonly source: string;
  readonly path?: string;
  readonly class: string;
  readonly expected: Expected;
}

const DIR = new URL('../fixtures/real/', import.meta.url);
const MANIFEST = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as { sources: Record<string, unknown>; files: RealFile[] };
const LIMITS: Limits = { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels };

const bytesOf = (file: string): Buffer => readFileSync(new URL(file, DIR));
const accepted = MANIFEST.files.filter((f) => f.expected.status === 201);
const refused = MANIFEST.files.filter((f) => f.expected.status !== 201);

function refusal(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the real-file fixtures', () => {
  it('are each in the manifest with a known source, and every manifest entry has its file', () => {
    const files = readdirSync(DIR).filter((name) => name !== 'manifest.json' && name !== 'README.md').sort();
    expect(MANIFEST.files.map((f) => f.file).sort()).toEqual(files);
    for (const f of MANIFEST.files) expect(Object.keys(MANIFEST.sources), f.file).toContain(f.source);
  });

  it('stay small (the largest is a real 14-frame animation)', () => {
    for (const f of MANIFEST.files) expect(bytesOf(f.file).byteLength, f.file).toBeLessThan(200 * 1024);
  });
});

describe.each(accepted.map((f) => [f.file, f] as const))('%s', (file, { class: what, expected }) => {
  const input = bytesOf(file);
  const published = prepareForPublishing(Buffer.from(input), LIMITS);
  const stored = Buffer.from(published.bytes);

  it(`is accepted at the size viewers show: ${expected.width}x${expected.height} (${what})`, () => {
    expect(published).toMatchObject({ format: expected.format, width: expected.width, height: expected.height });
  });

  it('is stored as a file every check accepts again, unchanged by a second strip', () => {
    expect(inspectImage({ head: stored, tail: stored, size: stored.byteLength }, LIMITS)).toEqual(
      inspectImage({ head: input, tail: input, size: input.byteLength }, LIMITS),
    );
    expect(Buffer.from(stripMetadata(published.format, stored).bytes).equals(stored)).toBe(true);
    expect(stored.byteLength).toBeLessThanOrEqual(input.byteLength + 1); // + a trailer the input lacked
  });

  if (expected.format !== 'bmp') {
    it(`decodes in libvips (sharp) from what is stored, at ${expected.width}x${expected.height}${expected.frames ? ` with ${expected.frames} frame(s)` : ''}`, async () => {
      const meta = await sharp(stored, { animated: true }).metadata();
      const frames = meta.pages ?? 1;
      expect(frames).toBe(expected.frames ?? 1);
      // Several frames are stacked into one tall image: each is pageHeight high.
      expect(frames > 1 ? { width: meta.width, height: meta.pageHeight } : meta.autoOrient).toEqual({ width: expected.width, height: expected.height });
      if (expected.sharpDecodes === false) {
        // libheif reads this file's header but not its layered pixels, before and after stripping alike.
        await expect(sharp(input).raw().toBuffer()).rejects.toThrow();
        return;
      }
      const { info } = await sharp(stored, { animated: true }).rotate().raw().toBuffer({ resolveWithObject: true });
      expect(info.width).toBe(expected.width);
      expect(info.height).toBe(expected.height! * frames);
    });
  }
});

describe.each(refused.map((f) => [f.file, f] as const))('%s', (file, { class: what, expected }) => {
  it(`is refused with ${expected.status} (${what})`, () => {
    const error = refusal(() => prepareForPublishing(Buffer.from(bytesOf(file)), LIMITS));
    expect(error.statusCode).toBe(expected.status);
    expect(error.message).toBe(expected.message ?? 'Invalid image format');
  });
});

describe('what the metadata walk removes from the newly accepted classes', () => {
  const strip = (file: string) => Buffer.from(prepareForPublishing(Buffer.from(bytesOf(file)), LIMITS).bytes);

  it('a plain text extension and its text go; the frame and its pixels stay', async () => {
    const input = bytesOf('plain-text.gif');
    expect(input.includes('Hello')).toBe(true);
    const out = strip('plain-text.gif');
    expect(out.includes('Hello')).toBe(false);
    expect(out.includes(Buffer.from([0x21, 0x01]))).toBe(false);
    const [a, b] = await Promise.all([sharp(input).raw().toBuffer(), sharp(out).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  it('bytes after the trailer go (the comment whirlgif writes there), and every frame stays', async () => {
    const input = bytesOf('moon_impact.gif');
    expect(input.includes('whirlgif')).toBe(true);
    const out = strip('moon_impact.gif');
    expect(out.includes('whirlgif')).toBe(false);
    expect(out[out.byteLength - 1]).toBe(0x3b);
    const [a, b] = await Promise.all([sharp(input, { animated: true }).raw().toBuffer(), sharp(out, { animated: true }).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  it.each(['adaf0da1764aafb7039440dbe098569b.gif', '243d9798466d64aba0acaa41f980bea6.gif', '0646caeb9b9161c777f117007921a687.gif', '55abb3cc464305dd554171c3d44cb61f.gif'])(
    '%s: whatever follows the last whole block goes, a trailer ends the file, the frames decode as before',
    async (file) => {
      const input = bytesOf(file);
      const out = strip(file);
      expect(out[out.byteLength - 1]).toBe(0x3b);
      const [a, b] = await Promise.all([sharp(input, { animated: true }).raw().toBuffer(), sharp(out, { animated: true }).raw().toBuffer()]);
      expect(b.equals(a)).toBe(true);
    },
  );

  it('a second file appended without a trailer goes', () => {
    const input = bytesOf('test_extents_transparency.gif');
    expect(input.indexOf('GIF89a', 6, 'latin1')).toBeGreaterThan(0);
    expect(strip('test_extents_transparency.gif').indexOf('GIF89a', 6, 'latin1')).toBe(-1);
  });

  it.each(['BigTIFFMotorola.tif', 'BigTIFFLong8Tiles.tif', 'BigTIFFSubIFD8.tif', 'bigtiff-jpeg.tiff'])('%s stays a BigTIFF with the same pixels', async (file) => {
    const input = bytesOf(file);
    const out = strip(file);
    const version = (b: Buffer) => (b.toString('latin1', 0, 2) === 'II' ? b.readUInt16LE(2) : b.readUInt16BE(2));
    expect(version(input)).toBe(43);
    expect(version(out)).toBe(43);
    const [a, b] = await Promise.all([sharp(input).raw().toBuffer(), sharp(out).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });

  it('an OS/2 bitmap is stored as it came (BMP has no metadata)', () => {
    expect(strip('pal8os2.bmp').equals(bytesOf('pal8os2.bmp'))).toBe(true);
  });
});
