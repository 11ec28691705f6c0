/**
 * The pieces of a rewritten file, mostly views of the original: one copy at the end
 * (Buffer.concat) instead of one per piece, so a walk that keeps 4 MiB of entropy data copies it
 * once, and no copy at all when the pieces turn out to be the whole original in order.
 *
 * With `overwriteSource` (a source the caller owns and will not read again) the file is written
 * over the source instead, right-aligned where its last piece ends: the large tail (a JPEG's
 * entropy data, a PNG's last IDAT chunks) stays where it is and only the small pieces before it
 * move, so removing a few kilobytes of metadata costs no 4 MiB allocation and no 4 MiB copy.
 */
export class Pieces {
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  /** Still exactly source[0, length): every piece so far was the next view of the source. */
  private verbatim = true;

  constructor(
    private readonly source: Buffer,
    private readonly options: { readonly overwriteSource?: boolean } = {},
  ) {}

  push(part: Uint8Array): void {
    if (part.byteLength === 0) return;
    if (this.verbatim && (part.buffer !== this.source.buffer || part.byteOffset !== this.source.byteOffset + this.length)) {
      this.verbatim = false;
    }
    this.parts.push(part);
    this.length += part.byteLength;
  }

  get byteLength(): number {
    return this.length;
  }

  /** The new file; the source itself when nothing was left out, changed or added. */
  toBuffer(): Buffer {
    if (this.verbatim && this.length === this.source.byteLength) return this.source;
    return (this.options.overwriteSource && this.inPlace()) || Buffer.concat(this.parts, this.length);
  }

  /**
   * Moves the pieces within the source, last first, each to where it ends up when the file ends
   * where the last view of the source ends (plus any pieces of its own after that view). Every piece that is a view of the source moves right or stays
   * (which a walk that only drops or shrinks guarantees), so no move overwrites source bytes a
   * piece still to be moved needs; when that does not hold (views out of order, a piece larger
   * than what it replaced), nothing is written and the caller copies instead.
   */
  private inPlace(): Buffer | undefined {
    const { source, parts } = this;
    const offsetOf = (part: Uint8Array): number =>
      part.buffer === source.buffer && part.byteOffset >= source.byteOffset && part.byteOffset + part.byteLength <= source.byteOffset + source.byteLength
        ? part.byteOffset - source.byteOffset
        : -1;
    // The file ends where the last view ends plus the pieces of its own after it (a minimal EXIF
    // chunk written where a WebP's metadata chunks were): those land on dropped bytes.
    let lastView = parts.length - 1;
    while (lastView >= 0 && offsetOf(parts[lastView]) < 0) lastView -= 1;
    if (lastView < 0) return undefined;
    let end = offsetOf(parts[lastView]) + parts[lastView].byteLength;
    for (let i = lastView + 1; i < parts.length; i += 1) end += parts[i].byteLength;
    if (end > source.byteLength) return undefined;
    // Plan first: the destination of every piece, and whether the moves are safe.
    const destinations = new Array<number>(parts.length);
    let destination = end;
    let sourceFloor = source.byteLength; // views must sit in order, each ending before the next one starts
    for (let i = parts.length - 1; i >= 0; i -= 1) {
      destination -= parts[i].byteLength;
      if (destination < 0) return undefined;
      const offset = offsetOf(parts[i]);
      if (offset >= 0) {
        if (offset + parts[i].byteLength > sourceFloor || destination < offset) return undefined;
        sourceFloor = offset;
      }
      // A piece of its own (a rewritten header) lands at or after the end of the view before it
      // (that view's destination is at or after its source), so it overwrites nothing still needed.
      destinations[i] = destination;
    }
    for (let i = parts.length - 1; i >= 0; i -= 1) {
      const offset = offsetOf(parts[i]);
      if (offset === destinations[i]) continue;
      if (offset >= 0) source.copyWithin(destinations[i], offset, offset + parts[i].byteLength);
      else source.set(parts[i], destinations[i]);
    }
    return source.subarray(destination, end);
  }
}
