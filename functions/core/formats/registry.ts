/**
 * Every image format Imager names, as plain data: whether it is accepted, its Content-Type, what
 * image-size calls it when sniffing, and what its files can carry besides pixels (all of it
 * removed by the format's metadata strip except what `keeps` lists). No imports, so any floor
 * (handlers, adapters, the stack, tests) may read it without pulling in a walk.
 *
 * The walks themselves live one folder per format beside this file (`jpeg/`, `png/`, ...), each
 * with a structure check and a metadata strip; `dispatch.ts` is the one table from format to walks.
 */

/** What a file of some format can carry that is not the picture itself. */
export type Carried =
  | 'exif'
  | 'gps'
  | 'xmp'
  | 'iptc'
  | 'photoshop'
  | 'comments'
  | 'text'
  | 'thumbnails'
  | 'secondary images'
  | 'maker notes'
  | 'icc'
  | 'orientation'
  | 'appended bytes';

interface AcceptedFormat {
  readonly allowed: true;
  readonly contentType: string;
  /** The `type` image-size answers for it (its sniffer decides the format, never the name). */
  readonly sniffedAs: string;
  /** Other `type`s image-size answers for variants of the format stored as it (BigTIFF: TIFF with 64-bit offsets). */
  readonly alsoSniffedAs?: readonly string[];
  readonly carries: readonly Carried[];
  /** Of `carries`, what the strip keeps: colour and how the picture is turned are part of it. */
  readonly keeps: readonly Carried[];
}

interface RefusedFormat {
  readonly allowed: false;
  readonly sniffedAs: string;
  readonly refusedBecause: string;
}

/** Accepted formats first, in the order the API lists them. */
export const FORMATS = {
  jpeg: {
    allowed: true,
    contentType: 'image/jpeg',
    sniffedAs: 'jpg',
    carries: ['exif', 'gps', 'xmp', 'iptc', 'photoshop', 'comments', 'thumbnails', 'secondary images', 'maker notes', 'icc', 'orientation', 'appended bytes'],
    keeps: ['icc', 'orientation'],
  },
  png: {
    allowed: true,
    contentType: 'image/png',
    sniffedAs: 'png',
    carries: ['exif', 'gps', 'xmp', 'iptc', 'text', 'comments', 'icc', 'orientation', 'appended bytes'],
    keeps: ['icc', 'orientation'],
  },
  gif: {
    allowed: true,
    contentType: 'image/gif',
    sniffedAs: 'gif',
    // 'text': the plain text extension, which no viewer draws (docs/metadata.md).
    carries: ['xmp', 'comments', 'text', 'icc', 'appended bytes'],
    keeps: ['icc'],
  },
  webp: {
    allowed: true,
    contentType: 'image/webp',
    sniffedAs: 'webp',
    carries: ['exif', 'gps', 'xmp', 'icc', 'orientation', 'appended bytes'],
    keeps: ['icc', 'orientation'],
  },
  avif: {
    allowed: true,
    contentType: 'image/avif',
    sniffedAs: 'avif',
    carries: ['exif', 'gps', 'xmp', 'text', 'thumbnails', 'icc', 'orientation'],
    keeps: ['icc', 'orientation'],
  },
  bmp: {
    allowed: true,
    contentType: 'image/bmp',
    sniffedAs: 'bmp',
    // A V5 header may embed or link an ICC profile; the format has no metadata blocks.
    carries: ['icc'],
    keeps: ['icc'],
  },
  tiff: {
    allowed: true,
    contentType: 'image/tiff',
    sniffedAs: 'tiff',
    alsoSniffedAs: ['bigtiff'],
    carries: ['exif', 'gps', 'xmp', 'iptc', 'photoshop', 'text', 'thumbnails', 'maker notes', 'icc', 'orientation'],
    keeps: ['icc', 'orientation'],
  },
  svg: { allowed: false, sniffedAs: 'svg', refusedBecause: 'it can carry script' },
  heic: { allowed: false, sniffedAs: 'heic', refusedBecause: 'image-size misreads its size' },
} as const satisfies Readonly<Record<string, AcceptedFormat | RefusedFormat>>;

type Formats = typeof FORMATS;

/** A format we accept and store. */
export type ImageFormat = { [K in keyof Formats]: Formats[K]['allowed'] extends true ? K : never }[keyof Formats];

function isAllowed(name: keyof Formats): name is ImageFormat {
  return FORMATS[name].allowed;
}

/** The formats we accept, in the registry's order. */
export const ALLOWED_FORMATS: readonly ImageFormat[] = (Object.keys(FORMATS) as Array<keyof Formats>).filter(isAllowed);

export const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = Object.fromEntries(
  ALLOWED_FORMATS.map((format) => [format, FORMATS[format].contentType]),
) as Record<ImageFormat, string>;

const BY_SNIFFED_NAME: ReadonlyMap<string, ImageFormat> = new Map(
  ALLOWED_FORMATS.flatMap((format) => {
    const entry: AcceptedFormat = FORMATS[format];
    return [entry.sniffedAs, ...(entry.alsoSniffedAs ?? [])].map((name) => [name, format] as const);
  }),
);

/** The accepted format image-size's `type` names, or undefined when it names no accepted format. */
export function acceptedFormatSniffedAs(type: string): ImageFormat | undefined {
  return BY_SNIFFED_NAME.get(type);
}
