import type { WalkResult } from '../shared/walk';

/** BMP has no metadata blocks; a V5 header's ICC profile (embedded or linked) is colour and stays. */
export function stripBmp(input: Buffer): WalkResult {
  return { bytes: input, orientation: 1, zeroedBytes: 0 };
}
