import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RenderError, SharpRenderer } from '../../functions/adapters/sharp-renderer';
import { pairsFromSearch, parseTransform, type Transform } from '../../functions/core/transform-params';
import type { RenderedImage } from '../../functions/core/variants';

/**
 * The renderer on real files: every accepted input format plus the hard cases (animated GIF
 * and WebP, CMYK JPEG, 16-bit PNGs, an orientation-6 JPEG, alpha, a Display P3 profile).
 * Every output is decoded again with sharp and checked: type, dimensions, frames, alpha,
 * orientation, colour profile, and that no other metadata came through.
 */
const renderer = new SharpRenderer({ maxPixels: 100_000_000, renderTimeoutSeconds: 20 });

interface Fixture {
  readonly file: string;
  /** Displayed size (orientation applied). */
  readonly width: number;
  readonly height: number;
  /** sharp's name for the format an unconverted variant keeps (BMP and TIFF become PNG). */
  readonly keeps: string;
  readonly frames: number;
}

const FIXTURES: readonly Fixture[] = [
  { file: 'sample.jpg', width: 64, height: 48, keeps: 'jpeg', frames: 1 },
  { file: 'sample.png', width: 64, height: 48, keeps: 'png', frames: 1 }, // 16-bit RGB
  { file: 'sample.gif', width: 64, height: 48, keeps: 'gif', frames: 1 },
  { file: 'sample.webp', width: 64, height: 48, keeps: 'webp', frames: 1 },
  { file: 'sample.avif', width: 64, height: 48, keeps: 'heif', frames: 1 },
  { file: 'sample.bmp', width: 64, height: 48, keeps: 'png', frames: 1 },
  { file: 'sample.tiff', width: 64, height: 48, keeps: 'png', frames: 1 },
  { file: 'anim.gif', width: 60, height: 40, keeps: 'gif', frames: 3 },
  { file: 'anim.webp', width: 60, height: 40, keeps: 'webp', frames: 3 },
  { file: 'cmyk.jpg', width: 64, height: 48, keeps: 'jpeg', frames: 1 },
  { file: 'gray16.png', width: 64, height: 48, keeps: 'png', frames: 1 },
  { file: 'orient6.jpg', width: 48, height: 64, keeps: 'jpeg', frames: 1 },
  { file: 'alpha.png', width: 64, height: 48, keeps: 'png', frames: 1 },
  { file: 'p3.jpg', width: 64, height: 48, keeps: 'jpeg', frames: 1 },
];

const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const OLD_SAFARI_ACCEPT = 'image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const CURL_ACCEPT = '*/*';

function fixture(file: string): Buffer {
  return readFileSync(new URL(`../fixtures/${file}`, import.meta.url));
}

function transform(search: string, accept?: string): Transform {
  const t = parseTransform(pairsFromSearch(search), accept);
  if (!t) throw new Error('no transform');
  return t;
}

async function decode(output: RenderedImage) {
  const meta = await sharp(output.bytes, { animated: true }).metadata();
  return { ...meta, frameHeight: meta.pageHeight ?? meta.height, frames: meta.pages ?? 1 };
}

/** The size sharp's `inside` gives within w x h without enlarging (±1 for rounding). */
function inside(f: Fixture, w: number | undefined, h: number | undefined): [number, number] {
  const scale = Math.min(1, w === undefined ? Infinity : w / f.width, h === undefined ? Infinity : h / f.height);
  return [Math.round(f.width * scale), Math.round(f.height * scale)];
}

function expectSize(actual: { width?: number; frameHeight?: number }, [w, h]: [number, number]): void {
  expect(Math.abs((actual.width ?? 0) - w)).toBeLessThanOrEqual(1);
  expect(Math.abs((actual.frameHeight ?? 0) - h)).toBeLessThanOrEqual(1);
}


describe.each(FIXTURES)('$file', (f) => {
  const input = fixture(f.file);
  const animatedKept = f.frames > 1 && (f.keeps === 'gif' || f.keeps === 'webp');

  it('w only, h only, and both with each fit: the right size, same format, frames kept', async () => {
    const cases: Array<[string, [number, number]]> = [
      ['w=30', inside(f, 30, undefined)],
      ['h=20', inside(f, undefined, 20)],
      ['w=20&h=20', inside(f, 20, 20)],
      ['w=20&h=20&fit=inside', inside(f, 20, 20)],
      ['w=20&h=20&fit=cover', [20, 20]],
      ['w=20&h=20&fit=contain', [20, 20]],
      ['w=30&h=10&fit=cover', [30, 10]],
      ['w=4000&h=4000', [f.width, f.height]], // never enlarged
    ];
    for (const [search, size] of cases) {
      const output = await renderer.render(input, transform(search));
      const meta = await decode(output);
      expect(meta.format, search).toBe(f.keeps);
      expectSize(meta, size);
      expect([output.width, output.height], search).toEqual([meta.width, meta.frameHeight]);
      expect(meta.frames, search).toBe(animatedKept ? f.frames : 1);
      expect(output.pages, search).toBe(meta.frames);
      // Nothing but (at most) the ICC profile travels.
      expect(meta.exif, search).toBeUndefined();
      expect(meta.xmp, search).toBeUndefined();
      expect(meta.iptc, search).toBeUndefined();
      expect(meta.orientation ?? 1, search).toBe(1);
    }
  });

  it('each format, and auto under different Accept headers', async () => {
    const cases: Array<[string, string | undefined, string]> = [
      ['w=32&format=jpeg', undefined, 'jpeg'],
      ['w=32&format=png', undefined, 'png'],
      ['w=32&format=webp', undefined, 'webp'],
      ['w=32&format=avif', undefined, 'heif'],
      ['w=32&format=auto', CHROME_ACCEPT, 'heif'],
      ['w=32&format=auto', OLD_SAFARI_ACCEPT, 'webp'],
      ['w=32&format=auto', CURL_ACCEPT, f.keeps],
      ['w=32&format=auto', undefined, f.keeps],
    ];
    for (const [search, accept, format] of cases) {
      const output = await renderer.render(input, transform(search, accept));
      const meta = await decode(output);
      const label = `${search} ${accept ?? ''}`;
      expect(meta.format, label).toBe(format);
      if (format === 'heif') expect(meta.compression, label).toBe('av1');
      expect(output.contentType, label).toBe(`image/${format === 'heif' ? 'avif' : format}`);
      expectSize(meta, inside(f, 32, undefined));
      // Frames survive where the output can animate (GIF, WebP), else the first frame is used.
      const animates = f.frames > 1 && (format === 'gif' || format === 'webp');
      expect(meta.frames, label).toBe(animates ? f.frames : 1);
      // 16-bit input comes out 8-bit for the lossy formats.
      if (format !== 'png') expect(meta.depth, label).toBe('uchar');
      if (format === 'jpeg') expect(meta.hasAlpha, label).toBe(false);
    }
  });
});

describe('colour, alpha and orientation', () => {
  async function pixel(bytes: Uint8Array, x: number, y: number): Promise<number[]> {
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const at = (y * info.width + x) * info.channels;
    return [...data.subarray(at, at + info.channels)];
  }

  it('applies EXIF orientation 6 before resizing (the stored top-left red block ends up top-right)', async () => {
    const output = await renderer.render(fixture('orient6.jpg'), transform('w=24&format=png'));
    expect([output.width, output.height]).toEqual([24, 32]);
    const [r1, , b1] = await pixel(output.bytes, 20, 4);
    const [r2, , b2] = await pixel(output.bytes, 3, 4);
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(r2).toBeLessThan(60);
  });

  it('keeps alpha in PNG, WebP and AVIF; flattens it onto white only for JPEG', async () => {
    const input = fixture('alpha.png');
    for (const format of ['png', 'webp', 'avif']) {
      const output = await renderer.render(input, transform(`format=${format}`));
      const meta = await sharp(output.bytes).metadata();
      expect(meta.hasAlpha, format).toBe(true);
      const [, , , alpha] = await pixel(output.bytes, 60, 10); // the transparent right half
      expect(alpha, format).toBeLessThan(10);
    }
    const jpeg = await renderer.render(input, transform('format=jpeg'));
    expect((await sharp(jpeg.bytes).metadata()).hasAlpha).toBe(false);
    const white = await pixel(jpeg.bytes, 60, 10);
    expect(Math.min(...white)).toBeGreaterThan(240);
    const red = await pixel(jpeg.bytes, 5, 10);
    expect(red[0]).toBeGreaterThan(200);
    expect(red[2]).toBeLessThan(60);
  });

  it('letterboxes `contain` with transparency where the output has alpha and white in JPEG', async () => {
    const png = await renderer.render(fixture('sample.jpg'), transform('w=40&h=40&fit=contain&format=png'));
    expect((await pixel(png.bytes, 20, 1))[3]).toBe(0);
    const jpeg = await renderer.render(fixture('sample.jpg'), transform('w=40&h=40&fit=contain&format=jpeg'));
    expect(Math.min(...(await pixel(jpeg.bytes, 20, 1)))).toBeGreaterThan(240);
  });

  it('converts CMYK to sRGB (tagged sRGB), keeping its colours', async () => {
    const output = await renderer.render(fixture('cmyk.jpg'), transform('w=32'));
    const meta = await sharp(output.bytes).metadata();
    expect(meta.space).toBe('srgb');
    expect(meta.channels).toBe(3);
    expect(meta.hasProfile).toBe(true);
    // The gradient runs red (top) to blue (bottom).
    const top = await pixel(output.bytes, 16, 0);
    const bottom = await pixel(output.bytes, 16, 23);
    expect(top[0]).toBeGreaterThan(top[2]! + 100);
    expect(bottom[2]).toBeGreaterThan(bottom[0]! + 50);
  });

  it('keeps an RGB input ICC profile (Display P3) byte for byte, in every output format', async () => {
    const input = fixture('p3.jpg');
    const icc = (await sharp(input).metadata()).icc;
    expect(icc).toBeDefined();
    for (const format of ['jpeg', 'png', 'webp', 'avif']) {
      const output = await renderer.render(input, transform(`w=32&format=${format}`));
      const meta = await sharp(output.bytes).metadata();
      expect(meta.icc && Buffer.compare(meta.icc, icc!), format).toBe(0);
    }
  });

  it('reduces 16-bit greyscale to 8 bits and keeps it grey', async () => {
    const output = await renderer.render(fixture('gray16.png'), transform('w=32&format=webp'));
    const [r, g, b] = await pixel(output.bytes, 5, 12);
    expect(Math.abs(r! - g!)).toBeLessThanOrEqual(2);
    expect(Math.abs(g! - b!)).toBeLessThanOrEqual(2);
    expect((await sharp(output.bytes).metadata()).depth).toBe('uchar');
  });

  it('resizes each frame of an animation to the requested box (cover crops every frame)', async () => {
    const output = await renderer.render(fixture('anim.gif'), transform('w=20&h=20&fit=cover&format=webp'));
    const meta = await sharp(output.bytes, { animated: true }).metadata();
    expect([meta.width, meta.pageHeight, meta.pages]).toEqual([20, 20, 3]);
    // Frame colours stay in order: red, lime, blue.
    const frames = await Promise.all([0, 1, 2].map((page) => sharp(output.bytes, { page }).raw().toBuffer()));
    expect([...frames[0]!.subarray(0, 3)].map((v) => v > 128)).toEqual([true, false, false]);
    expect([...frames[1]!.subarray(0, 3)].map((v) => v > 128)).toEqual([false, true, false]);
    expect([...frames[2]!.subarray(0, 3)].map((v) => v > 128)).toEqual([false, false, true]);
  });

  it('quality changes the bytes of lossy formats', async () => {
    const input = fixture('sample.jpg');
    const low = await renderer.render(input, transform('format=webp&q=5'));
    const high = await renderer.render(input, transform('format=webp&q=100'));
    expect(low.bytes.byteLength).toBeLessThan(high.bytes.byteLength);
  });
});

describe('safety', () => {
  it('refuses input over the pixel limit (limitInputPixels), for libvips formats and BMP alike', async () => {
    const small = new SharpRenderer({ maxPixels: 1000, renderTimeoutSeconds: 20 });
    await expect(small.render(fixture('sample.jpg'), transform('w=10'))).rejects.toMatchObject({ statusCode: 422, reason: expect.stringMatching(/pixel limit/i) });
    await expect(small.render(fixture('sample.bmp'), transform('w=10'))).rejects.toThrow(RenderError);
    // A BMP header claiming 100,000 x 100,000 is refused before anything is allocated for it.
    const bomb = Buffer.from(fixture('sample.bmp'));
    bomb.writeInt32LE(100_000, 18);
    bomb.writeInt32LE(100_000, 22);
    await expect(renderer.render(bomb, transform('w=10'))).rejects.toMatchObject({ reason: 'Image exceeds the pixel limit' });
  });

  it('refuses bytes that are not an image it reads', async () => {
    await expect(renderer.render(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), transform('w=10'))).rejects.toThrow();
    await expect(renderer.render(fixture('sample.heic'), transform('w=10'))).rejects.toThrow();
    const truncated = fixture('sample.jpg').subarray(0, 300);
    await expect(renderer.render(truncated, transform('w=10'))).rejects.toThrow();
  });
});

describe('pixels libvips cannot decode', () => {
  it('are a RenderError (422 Image cannot be transformed) naming libvips\' reason', async () => {
    const refused = await renderer.render(fixture('real/quebec_3layer_op2.avif'), transform('w=64')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RenderError);
    expect(refused).toMatchObject({ statusCode: 422, message: 'Image cannot be transformed', reason: expect.stringMatching(/^libvips cannot decode the image: heif: /) });
  });
});

describe('OS/2 1.x bitmaps (12-byte core header, 3-byte palette entries)', () => {
  it('render with every pixel as the file paints it, though decode-bmp reads only Windows headers', async () => {
    const os2 = fixture('real/pal8os2.bmp');
    expect(os2.readUInt32LE(14)).toBe(12);
    const width = os2.readUInt16LE(18);
    const height = os2.readUInt16LE(20);
    const out = await renderer.render(os2, transform('w=4096&format=png'));
    const { data, info } = await sharp(out.bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([width, height]);
    // Painted straight from the file: 8-bit indices, rows bottom-up padded to 4 bytes, BGR triples.
    const offset = os2.readUInt32LE(10);
    const rowBytes = Math.ceil(width / 4) * 4;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const index = os2[offset + (height - 1 - y) * rowBytes + x];
        const [b, g, r] = os2.subarray(26 + index * 3, 29 + index * 3);
        const at = (y * width + x) * info.channels;
        expect([data[at], data[at + 1], data[at + 2]], `pixel ${x},${y}`).toEqual([r, g, b]);
      }
    }
  });
});
