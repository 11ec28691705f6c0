import { type Box, readBoxes } from '../shared/iso-bmff';
import { readIpma } from './items';

/**
 * The primary item's irot/imir properties, applied in their listed order, as the EXIF
 * orientation that does the same (so `displayedSize` swaps sides exactly when HEIF readers do).
 * Transforms are 2x2 matrices on (x right, y down).
 */
export function primaryOrientation(bytes: Buffer, iprp: Box, primary: number): number {
  const boxes = readBoxes(bytes, iprp.payload, iprp.end);
  const ipco = boxes.find((b) => b.type === 'ipco');
  const ipma = boxes.find((b) => b.type === 'ipma');
  if (!ipco || !ipma) return 1;
  const properties = readBoxes(bytes, ipco.payload, ipco.end);
  const entry = readIpma(bytes, ipma).entries.find((e) => e.itemId === primary);
  let m: Matrix = [1, 0, 0, 1];
  for (const index of entry?.properties ?? []) {
    const property = properties[index - 1];
    if (!property || property.payload >= property.end) continue;
    const value = bytes[property.payload];
    if (property.type === 'irot') {
      // Anticlockwise quarter turns: one is (x, y) -> (y, -x) with y pointing down.
      for (let i = 0; i < (value & 0x03); i += 1) m = multiply([0, 1, -1, 0], m);
    } else if (property.type === 'imir') {
      // Axis 0: mirror about a vertical axis (left-right); 1: about a horizontal axis (top-bottom).
      m = multiply(value & 0x01 ? [1, 0, 0, -1] : [-1, 0, 0, 1], m);
    }
  }
  const found = EXIF_MATRICES.findIndex((e) => e.every((v, i) => v === m[i]));
  return found + 1;
}

type Matrix = [number, number, number, number];

function multiply(a: Matrix, b: Matrix): Matrix {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

/** EXIF orientations 1..8 as the transform from stored to displayed pixels, (x, y) -> (a x + b y, c x + d y). */
const EXIF_MATRICES: readonly Matrix[] = [
  [1, 0, 0, 1], // 1 as stored
  [-1, 0, 0, 1], // 2 mirrored left-right
  [-1, 0, 0, -1], // 3 turned 180
  [1, 0, 0, -1], // 4 mirrored top-bottom
  [0, 1, 1, 0], // 5 transposed
  [0, -1, 1, 0], // 6 turned 90 clockwise
  [0, -1, -1, 0], // 7 transversed
  [0, 1, -1, 0], // 8 turned 90 anticlockwise
];
