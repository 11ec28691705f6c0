import { InvalidImageError } from '../../errors';
import type { SampledFile } from '../shared/byte-source';
import type { ShownSize } from '../shared/dimensions';
import type { PixelBudget } from '../shared/pixel-budget';
import { soundUnlessRefused } from '../shared/verdict';
import { gifBlocks, readGifScreen } from './blocks';

const SIGNATURES = ['GIF87a', 'GIF89a'];

/**
 * The blocks as viewers read them (see `gifBlocks`), with at least one whole frame and no frame
 * without pixels. A frame may lie partly or wholly outside the logical screen, as ImageMagick
 * writes them and every viewer shows them; each is counted whole against the pixel limit, and so
 * is the canvas that holds them all (decoders such as Pillow grow theirs to every frame's extent,
 * so a small frame placed at 65535,65535 is a bomb for them). Of a large upload known only by its
 * ends: the signature and a trailer byte at the very end.
 */
export function isGifSound(file: SampledFile, pixels: PixelBudget): boolean {
  const signature = file.read(0, 6);
  if (!(signature instanceof Uint8Array) || !SIGNATURES.includes(signature.toString('latin1'))) return false;
  const all = file.all();
  if (!all) return file.endsWith(0x3b);
  return soundUnlessRefused(() => {
    const screen = readGifScreen(all);
    let frames = 0;
    let right = screen.width;
    let bottom = screen.height;
    for (const block of gifBlocks(all, screen.end)) {
      if (block.kind === 'end') break;
      if (block.kind !== 'frame') continue;
      const { left, top, width, height } = block;
      if (width === 0 || height === 0) return false;
      pixels.add(width, height, 'frame');
      right = Math.max(right, left + width);
      bottom = Math.max(bottom, top + height);
      frames += 1;
    }
    pixels.requireCanvas(right, bottom);
    return frames > 0;
  });
}

/**
 * The size browsers and libvips show: the logical screen, grown to hold the first frame where
 * that frame is larger or placed past its edge (later frames are cut to that canvas). Undefined
 * when the first frame is not in the bytes given.
 */
export function gifShownSize(file: SampledFile): ShownSize | undefined {
  const bytes = file.first();
  try {
    const screen = readGifScreen(bytes);
    for (const block of gifBlocks(bytes, screen.end)) {
      if (block.kind === 'end') return undefined;
      if (block.kind !== 'frame') continue;
      const width = Math.max(screen.width, block.left + block.width);
      const height = Math.max(screen.height, block.top + block.height);
      return { width, height, decoded: { width, height } };
    }
  } catch (error) {
    // A file the structure check refuses anyway: the header's size stands until then.
    if (!(error instanceof InvalidImageError)) throw error;
  }
  return undefined;
}
