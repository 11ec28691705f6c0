import type { SampledFile } from '../shared/byte-source';
import type { PixelBudget } from '../shared/pixel-budget';
import { soundUnlessRefused } from '../shared/verdict';
import { gifBlocks, readGifScreen } from './blocks';

const SIGNATURES = ['GIF87a', 'GIF89a'];

/**
 * The blocks to the trailer, at least one frame, nothing after the trailer; every frame inside
 * the logical screen the header declares (whose size was checked against the limit), and counted
 * against the pixel limit itself. Of a large upload known only by its ends: the signature and a
 * trailer byte at the very end.
 */
export function isGifSound(file: SampledFile, pixels: PixelBudget): boolean {
  const signature = file.read(0, 6);
  if (!(signature instanceof Uint8Array) || !SIGNATURES.includes(signature.toString('latin1'))) return false;
  const all = file.all();
  if (!all) return file.endsWith(0x3b);
  return soundUnlessRefused(() => {
    const screen = readGifScreen(all);
    let frames = 0;
    for (const block of gifBlocks(all, screen.end)) {
      if (block.kind === 'trailer') return frames > 0 && block.start === all.byteLength - 1;
      if (block.kind !== 'frame') continue;
      const { left, top, width, height } = block;
      if (width === 0 || height === 0 || left + width > screen.width || top + height > screen.height) return false;
      pixels.add(width, height, 'frame');
      frames += 1;
    }
    return false; // not reached: the blocks end at the trailer or in a refusal
  });
}
