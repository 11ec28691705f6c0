import { InvalidImageError } from '../../errors';

/**
 * A structure check written over a reader that refuses with `InvalidImageError` (the readers the
 * metadata strips share): that refusal means "not sound"; anything else, such as the 413 of a
 * pixel budget, goes on to the caller.
 */
export function soundUnlessRefused(walk: () => boolean): boolean {
  try {
    return walk();
  } catch (error) {
    if (error instanceof InvalidImageError) return false;
    throw error;
  }
}
