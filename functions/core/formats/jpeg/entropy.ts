/**
 * Where the entropy-coded data after an SOS header ends: the first 0xff that starts a real marker
 * (not a stuffed 0xff00, not a restart marker RSTn, which belong to the data); -1 when none does.
 * Part of the marker walk (markers.ts) that the structure check and metadata removal share.
 *
 * Photos have a 0xff every ~256 bytes, so native indexOf jumps are cheapest. A hostile scan made
 * of 0xff00 pairs would cost one native call per two bytes (hundreds of ms per MiB), so when the
 * jumps get short the same test runs as a plain loop over a window, then indexOf resumes.
 */
export function entropyEnd(input: Buffer, from: number): number {
  const size = input.byteLength;
  let at = from;
  let jumps = 0;
  let spanStart = from;
  for (;;) {
    const next = input.indexOf(0xff, at);
    if (next < 0 || next + 1 >= size) return -1;
    const following = input[next + 1];
    if (following !== 0x00 && following !== 0xff && (following < 0xd0 || following > 0xd7)) return next;
    at = following === 0xff ? next + 1 : next + 2; // fill bytes: the marker is after them
    jumps += 1;
    if (jumps === DENSE_CHECK_JUMPS) {
      if (at - spanStart < DENSE_CHECK_JUMPS * DENSE_GAP) {
        const found = markerInWindow(input, at, Math.min(size, at + DENSE_WINDOW));
        if (found >= 0) return found;
        at = Math.min(size, at + DENSE_WINDOW) - 1; // the window's last byte may start a pair
      }
      jumps = 0;
      spanStart = at;
    }
  }
}

const DENSE_CHECK_JUMPS = 64;
/** Average bytes per jump below which the data counts as dense (photos: ~256). */
const DENSE_GAP = 16;
const DENSE_WINDOW = 64 * 1024;

/** The first marker in [from, end), by a plain loop; -1 when there is none. */
function markerInWindow(input: Buffer, from: number, end: number): number {
  for (let i = from; i < end - 1; i += 1) {
    if (input[i] !== 0xff) continue;
    const following = input[i + 1];
    if (following === 0x00 || (following >= 0xd0 && following <= 0xd7)) i += 1;
    else if (following !== 0xff) return i;
  }
  return -1;
}
