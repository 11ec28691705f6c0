import fc from 'fast-check';
import { ALLOWED_FORMATS } from '../../functions/core/formats/registry';
import { URL_UPLOAD_BODY } from '../../functions/core/url-upload';
import {
  dimensionFields,
  fixture,
  isAlternativeSignature,
  isWholeWhenCutTo,
  METADATA_FORMATS,
  PAYLOADS,
  REFUSED_FILES,
  SAMPLES,
  SIGNATURE_BYTES,
  sample,
  startsLikeAnImage,
  TRAILING_DATA_ALLOWED,
  type ValidImage,
  withDimensions,
  withMetadata,
} from './images';

/**
 * Generators of upload requests, each with the answer the API must give. The expectation is
 * decided by the generator from what it built (the documented rules and the formats' own), never
 * by asking the implementation.
 */

export type Expected =
  /**
   * A 4xx in the error envelope; nothing written. `message` pins the text where docs/api.md does.
   * Several statuses where the case allows either (a broken form whose other file is over the pixel limit).
   */
  | { readonly kind: 'refused'; readonly status: number | readonly number[]; readonly message?: string | RegExp }
  /** 201, and exactly these bytes stored under the sniffed type. */
  | { readonly kind: 'stored'; readonly image: ValidImage };

export interface UploadCase {
  readonly label: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly expected: Expected;
}

export const INVALID_IMAGE: Expected = { kind: 'refused', status: 400, message: 'Invalid image format' };
const NOT_MULTIPART = /^Expected a multipart\/form-data body/;
/** A JSON body is an upload by URL (docs/clients.md): what the upload route tells each kind of JSON body. */
function urlUploadVerdict(body: Uint8Array): Expected {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return { kind: 'refused', status: 400, message: URL_UPLOAD_BODY.notJson };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { kind: 'refused', status: 400, message: URL_UPLOAD_BODY.notObject };
  return 'url' in parsed ? { kind: 'refused', status: 400 } : { kind: 'refused', status: 400, message: NOT_MULTIPART };
}
const PIXEL_LIMIT = /^Image is \d+x\d+ pixels; the limit is \d+ pixels$/;

// ---------------------------------------------------------------------------------------------
// Image bytes and their verdicts.

export interface ImageBytes {
  readonly label: string;
  readonly bytes: Buffer;
  /** What an otherwise well-formed upload of these bytes must give. */
  readonly expected: Expected;
}

const format = fc.constantFrom(...ALLOWED_FORMATS);

/** Valid images: the samples, the samples carrying random metadata, and (where the format allows it) trailing bytes. */
export const validImage: fc.Arbitrary<ImageBytes> = fc.oneof(
  format.map((f) => ({ label: `valid ${f}`, bytes: SAMPLES[f], expected: stored(sample(f), SAMPLES[f]) })),
  fc
    .tuple(fc.constantFrom(...METADATA_FORMATS), fc.uint8Array({ minLength: 0, maxLength: 600 }))
    .map(([f, payload]) => {
      const bytes = withMetadata(f, Buffer.from(payload));
      return { label: `${f} with ${payload.byteLength} bytes of metadata`, bytes, expected: stored(sample(f), bytes) };
    }),
  fc
    .tuple(fc.constantFrom(...ALLOWED_FORMATS.filter((f) => TRAILING_DATA_ALLOWED[f])), fc.uint8Array({ minLength: 1, maxLength: 400 }))
    .map(([f, extra]) => {
      const bytes = Buffer.concat([SAMPLES[f], extra]);
      return { label: `${f} + ${extra.byteLength} trailing bytes`, bytes, expected: stored(sample(f), bytes) };
    }),
);

function stored(image: ValidImage, bytes: Buffer): Expected {
  return { kind: 'stored', image: { ...image, bytes } };
}

/** Cut anywhere before the end: never a whole image, except a GIF that lost only its trailer. */
const truncated = format.chain((f) =>
  fc.integer({ min: 1, max: SAMPLES[f].byteLength - 1 }).map((length) => {
    const bytes = SAMPLES[f].subarray(0, length);
    return {
      label: `${f} truncated to ${length} of ${SAMPLES[f].byteLength} bytes`,
      bytes,
      expected: isWholeWhenCutTo(f, length) ? stored(sample(f), bytes) : INVALID_IMAGE,
    };
  }),
);

/** A zero width or height: 400. Both sides above 10,000 (over 100 M pixels): 413. */
const patchedDimensions = format.chain((f) => {
  const [w, h] = dimensionFields(f);
  const zero = fc
    .tuple(fc.constantFrom('width', 'height', 'both'), fc.integer({ min: 1, max: Math.min(w.max, h.max) }))
    .map(([which, other]) => ({
      label: `${f} with zero ${which}`,
      bytes: withDimensions(f, which === 'height' ? other : 0, which === 'width' ? other : 0),
      expected: INVALID_IMAGE,
    }));
  const huge = fc
    .tuple(fc.integer({ min: 10_001, max: w.max }), fc.integer({ min: 10_001, max: h.max }))
    .map(([width, height]) => ({
      label: `${f} patched to ${width}x${height}`,
      bytes: withDimensions(f, width, height),
      expected: { kind: 'refused', status: 413, message: PIXEL_LIMIT } as Expected,
    }));
  return fc.oneof(zero, huge);
});

/** One signature byte changed (except into another valid signature, GIF87a). */
const wrongMagic = format.chain((f) =>
  fc
    .tuple(fc.constantFrom(...SIGNATURE_BYTES[f]), fc.integer({ min: 0, max: 255 }))
    .filter(([offset, value]) => SAMPLES[f][offset] !== value && !isAlternativeSignature(f, offset, value))
    .map(([offset, value]) => {
      const bytes = Buffer.from(SAMPLES[f]);
      bytes[offset] = value;
      return { label: `${f} with byte ${offset} set to 0x${value.toString(16)}`, bytes, expected: INVALID_IMAGE };
    }),
);

const payloadName = fc.constantFrom(...Object.keys(PAYLOADS));

/**
 * Polyglots. An image followed by HTML/SVG/JS/PHP/zip is still that image where the format
 * tolerates trailing bytes (stored, and served only as the image type); anything with the payload
 * first is not an image; a payload in a metadata field (PNG tEXt, GIF comment, JPEG COM) is a
 * valid image; a signature followed by a payload instead of the image is refused (413 when the
 * payload's bytes read as over 100 M pixels).
 */
const polyglot: fc.Arbitrary<ImageBytes> = fc.oneof(
  fc.tuple(format, payloadName).map(([f, p]) => {
    const bytes = Buffer.concat([SAMPLES[f], PAYLOADS[p]]);
    return {
      label: `${f}+${p}`,
      bytes,
      expected: TRAILING_DATA_ALLOWED[f] ? stored(sample(f), bytes) : INVALID_IMAGE,
    };
  }),
  fc.tuple(payloadName, format).map(([p, f]) => ({
    label: `${p}+${f}`,
    bytes: Buffer.concat([PAYLOADS[p], SAMPLES[f]]),
    expected: INVALID_IMAGE,
  })),
  fc.tuple(fc.constantFrom(...METADATA_FORMATS), payloadName).map(([f, p]) => {
    const bytes = withMetadata(f, PAYLOADS[p]);
    return { label: `${f} carrying ${p} in metadata`, bytes, expected: stored(sample(f), bytes) };
  }),
  fc.tuple(fc.constantFrom('GIF89a', 'GIF87a'), payloadName).map(([signature, p]) => {
    // GIFAR-style: the payload's bytes become the logical screen size.
    const bytes = Buffer.concat([Buffer.from(signature, 'latin1'), PAYLOADS[p]]);
    const width = bytes.readUInt16LE(6);
    const height = bytes.readUInt16LE(8);
    const expected: Expected =
      width > 0 && height > 0 && width * height > 100_000_000
        ? { kind: 'refused', status: 413, message: PIXEL_LIMIT }
        : INVALID_IMAGE;
    return { label: `${signature} header + ${p}`, bytes, expected };
  }),
);

const refusedFile = fc.constantFrom(...REFUSED_FILES).map((name) => ({
  label: name,
  bytes: fixture(name),
  expected: INVALID_IMAGE,
}));

/** Random bytes that do not even start like an allowed format. */
const randomBytes = fc
  .uint8Array({ minLength: 1, maxLength: 2048 })
  .filter((bytes) => !startsLikeAnImage(bytes))
  .map((bytes) => ({ label: `${bytes.byteLength} random bytes`, bytes: Buffer.from(bytes), expected: INVALID_IMAGE }));

/** Every kind of bad image, with its verdict (valid ones among the polyglots). */
export const mutatedImage: fc.Arbitrary<ImageBytes> = fc.oneof(
  { arbitrary: truncated, weight: 3 },
  { arbitrary: patchedDimensions, weight: 2 },
  { arbitrary: wrongMagic, weight: 2 },
  { arbitrary: polyglot, weight: 2 },
  { arbitrary: refusedFile, weight: 1 },
  { arbitrary: randomBytes, weight: 1 },
);

/** Any file content: valid, mutated, or empty. */
export const anyImage: fc.Arbitrary<ImageBytes> = fc.oneof(
  { arbitrary: validImage, weight: 2 },
  { arbitrary: mutatedImage, weight: 5 },
  {
    arbitrary: fc.constant({
      label: 'empty file',
      bytes: Buffer.alloc(0),
      expected: { kind: 'refused', status: 400, message: 'The image file is empty' } as Expected,
    }),
    weight: 1,
  },
);

// ---------------------------------------------------------------------------------------------
// multipart/form-data framing.

export interface Part {
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
  readonly content: Buffer;
}

export interface Form {
  readonly boundary: string;
  /** The boundary as written in the Content-Type header (quoted or not). */
  readonly boundaryParam: string;
  readonly preamble: string;
  readonly parts: readonly Part[];
  readonly epilogue: string;
}

export type Breakage = 'lf-only' | 'no-blank-line' | 'truncated' | 'no-closing' | 'boundary-in-content' | 'wrong-boundary';

const CRLF = Buffer.from('\r\n');

/** The bytes of a form; `eol` replaces CRLF in the framing only (never inside contents). */
export function encodeForm(form: Form, options: { eol?: string; closing?: boolean; blankLineOf?: number } = {}): Buffer {
  const eol = Buffer.from(options.eol ?? '\r\n', 'latin1');
  const chunks: Buffer[] = [];
  if (form.preamble) chunks.push(Buffer.from(form.preamble, 'latin1'), eol);
  form.parts.forEach((part, index) => {
    chunks.push(Buffer.from(`--${form.boundary}`, 'latin1'), eol);
    for (const [name, value] of part.headers) chunks.push(Buffer.from(`${name}: `, 'latin1'), value, eol);
    if (options.blankLineOf !== index) chunks.push(eol);
    chunks.push(part.content, eol);
  });
  if (options.closing !== false) chunks.push(Buffer.from(`--${form.boundary}--`, 'latin1'), eol);
  if (form.epilogue) chunks.push(Buffer.from(form.epilogue, 'latin1'));
  return Buffer.concat(chunks);
}

export function formContentType(form: Form): string {
  return `multipart/form-data; boundary=${form.boundaryParam}`;
}

/** Bytes in a part's header block (busboy refuses blocks over 16 KiB). */
export function headerBlockBytes(part: Part): number {
  return part.headers.reduce((sum, [name, value]) => sum + name.length + 2 + value.byteLength + 2, 0) + 2;
}

const TOKEN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'+_-.";
const BOUNDARY_CHARS = `${TOKEN_CHARS}()=,/:? `;

/** RFC 2046 boundaries: 1-70 bchars, not ending in a space; quoted in the header when needed. */
export const boundary: fc.Arbitrary<{ boundary: string; param: string }> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...BOUNDARY_CHARS), minLength: 1, maxLength: 70 }).filter((b) => !b.endsWith(' ')),
    fc.boolean(),
  )
  .map(([b, quote]) => {
    const plain = [...b].every((c) => TOKEN_CHARS.includes(c));
    return { boundary: b, param: plain && !quote ? b : `"${b}"` };
  });

const lowerText = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 .,;:!?'), maxLength: 60 });
const fieldName = fc.oneof(
  fc.constantFrom('title', 'description', '__proto__', 'constructor', 'files', 'image[]', 'toString'),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_-'), minLength: 1, maxLength: 20 }),
);
/** Header name spellings busboy must treat alike. */
const dispositionName = fc.constantFrom('Content-Disposition', 'content-disposition', 'CONTENT-DISPOSITION');
const declaredType = fc.constantFrom(
  'image/png',
  'image/jpeg',
  'text/html',
  'image/svg+xml',
  'application/x-php',
  'text/plain; charset=utf-8',
  'image/gif; name="x.gif"',
);

function header(name: string, value: string): readonly [string, Buffer] {
  return [name, Buffer.from(value, 'utf8')];
}

/** A text field part. */
const fieldPart: fc.Arbitrary<Part> = fc
  .tuple(dispositionName, fieldName, lowerText)
  .map(([h, name, value]) => ({ headers: [header(h, `form-data; name="${name}"`)], content: Buffer.from(value) }));

/** A part busboy skips (no Content-Disposition). */
const ignoredPart: fc.Arbitrary<Part> = lowerText.map((value) => ({
  headers: [header('X-Note', value.trim() || 'x')],
  content: Buffer.from(value),
}));

/** The file part: in field `field`, with a filename and a declared type that must not matter. */
function filePart(field: string, content: Buffer): fc.Arbitrary<Part> {
  return fc
    .tuple(
      dispositionName,
      fc.constantFrom('photo.png', 'a.jpg', 'x.html', 'image', '../../evil.svg'),
      fc.option(declaredType, { nil: undefined }),
      fc.option(lowerText.map((v) => v.trim() || 'v'), { nil: undefined }),
    )
    .map(([h, filename, type, extra]) => {
      const headers: Array<readonly [string, Buffer]> = [header(h, `form-data; name="${field}"; filename="${filename}"`)];
      if (type !== undefined) headers.push(header('Content-Type', type));
      if (extra !== undefined) headers.push(header('X-Extra', extra));
      return { headers, content };
    });
}

/** A file part without a filename: still a file, for busboy, when declared application/octet-stream. */
function octetStreamPart(field: string, content: Buffer): Part {
  return {
    headers: [header('Content-Disposition', `form-data; name="${field}"`), header('Content-Type', 'application/octet-stream')],
    content,
  };
}

/** Well-formed framing around one file: random boundary, preamble, fields around it, epilogue. */
function framing(file: fc.Arbitrary<Part>): fc.Arbitrary<Form> {
  return fc
    .tuple(
      boundary,
      fc.option(lowerText, { nil: '' }),
      fc.array(fc.oneof(fieldPart, ignoredPart), { maxLength: 3 }),
      file,
      fc.array(fc.oneof(fieldPart, ignoredPart), { maxLength: 3 }),
      fc.option(lowerText, { nil: '' }),
    )
    .map(([b, preamble, before, part, after, epilogue]) => ({
      boundary: b.boundary,
      boundaryParam: b.param,
      preamble,
      parts: [...before, part, ...after],
      epilogue,
    }));
}

/** True when no delimiter can be found inside the contents or the preamble (else the framing is not what we meant). */
export function delimiterFree(form: Form): boolean {
  const delimiter = Buffer.from(`--${form.boundary}`, 'latin1');
  if (form.preamble.includes(`--${form.boundary}`)) return false;
  return form.parts.every((part) => !part.content.includes(delimiter) && part.headers.every(([, v]) => !v.includes(delimiter)));
}

/**
 * Valid images in random, well-formed framing: must be stored byte for byte (the "bytes in ==
 * bytes out" property).
 */
export const validUploadCase: fc.Arbitrary<UploadCase> = validImage
  .chain((image) =>
    framing(fc.oneof(filePart('image', image.bytes), fc.constant(octetStreamPart('image', image.bytes)))).map((form) => ({
      form,
      image,
    })),
  )
  .filter(({ form }) => delimiterFree(form))
  .map(({ form, image }) => ({
    label: `${image.label} in ${form.parts.length} parts`,
    contentType: formContentType(form),
    body: encodeForm(form),
    expected: image.expected,
  }));

/** Mutated/bad image bytes in a plain, well-formed upload. */
export const mutatedImageCase: fc.Arbitrary<UploadCase> = mutatedImage
  .chain((image) => framing(filePart('image', image.bytes)).map((form) => ({ form, image })))
  .filter(({ form }) => delimiterFree(form))
  .map(({ form, image }) => ({
    label: image.label,
    contentType: formContentType(form),
    body: encodeForm(form),
    expected: image.expected,
  }));

/**
 * Arbitrary multipart structures: the right number of files or not, in the right field or not,
 * and framing broken in one of several ways. Well-formed ones get the documented verdict; broken
 * framing is always a 400.
 */
export const multipartCase: fc.Arbitrary<UploadCase> = fc
  .tuple(
    boundary,
    fc.option(lowerText, { nil: '' }),
    fc.array(fc.oneof(fieldPart, ignoredPart), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.constant('image'), fieldName), anyImage), { maxLength: 3 }),
    fc.option(fc.constantFrom<Breakage>('lf-only', 'no-blank-line', 'truncated', 'no-closing', 'boundary-in-content', 'wrong-boundary'), {
      nil: undefined,
      freq: 2,
    }),
    fc.nat(),
    fc.nat(),
  )
  .chain(([b, preamble, fields, files, breakage, seedA, seedB]) =>
    fc.tuple(...files.map(([field, image]) => filePart(field, image.bytes))).map((fileParts) => {
      const parts: Part[] = [...fields];
      // Interleave files among fields at positions picked from seedA.
      fileParts.forEach((part, i) => parts.splice((seedA + i * 7) % (parts.length + 1), 0, part));
      const form: Form = { boundary: b.boundary, boundaryParam: b.param, preamble, parts, epilogue: '' };
      return { form, files, fileParts, breakage, seedB };
    }),
  )
  .filter(({ form }) => delimiterFree(form))
  .map(({ form, files, fileParts, breakage, seedB }): UploadCase => {
    const wellFormed = encodeForm(form);
    const label = `${files.length} file(s) [${files.map(([f, i]) => `${f}:${i.label}`).join(', ')}] ${breakage ?? 'well-formed'}`;
    if (breakage === undefined) {
      return { label, contentType: formContentType(form), body: wellFormed, expected: verdictOf(files) };
    }
    const broken = breakForm(form, breakage, fileParts, seedB);
    if (!broken) return { label: `${label} (no-op)`, contentType: formContentType(form), body: wellFormed, expected: verdictOf(files) };
    // A part the breakage hides may leave another file that the checks then read: one over the
    // pixel limit is its 413 before the form's 400 is known.
    const overLimit = files.some(([, image]) => image.expected.kind === 'refused' && image.expected.status === 413);
    return { label, contentType: broken.contentType, body: broken.body, expected: { kind: 'refused', status: overLimit ? [400, 413] : 400 } };
  });

function verdictOf(files: ReadonlyArray<readonly [string, ImageBytes]>): Expected {
  if (files.length === 0) return { kind: 'refused', status: 400, message: 'No image file in the field "image"' };
  if (files.length > 1) return { kind: 'refused', status: 400, message: /^(Send exactly one file|Unexpected file in field)/ };
  const [field, image] = files[0];
  if (field !== 'image') return { kind: 'refused', status: 400, message: /^Unexpected file in field/ };
  return image.expected;
}

function breakForm(form: Form, breakage: Breakage, fileParts: readonly Part[], seed: number): { contentType: string; body: Buffer } | undefined {
  const contentType = formContentType(form);
  switch (breakage) {
    case 'lf-only':
      return form.parts.length === 0 ? undefined : { contentType, body: encodeForm(form, { eol: '\n' }) };
    case 'no-closing':
      return form.parts.length === 0 ? undefined : { contentType, body: encodeForm(form, { closing: false }) };
    case 'no-blank-line': {
      const index = form.parts.findIndex((p) => fileParts.includes(p));
      if (index < 0) return undefined;
      return { contentType, body: encodeForm(form, { blankLineOf: index }) };
    }
    case 'truncated': {
      const body = encodeForm(form);
      const closing = body.lastIndexOf(Buffer.from(`--${form.boundary}--`, 'latin1'));
      return { contentType, body: body.subarray(0, seed % (closing + form.boundary.length + 3)) };
    }
    case 'boundary-in-content': {
      const target = fileParts.find((p) => p.content.byteLength >= 2);
      if (!target) return undefined;
      const at = 1 + (seed % (target.content.byteLength - 1));
      const split: Part = {
        ...target,
        content: Buffer.concat([target.content.subarray(0, at), CRLF, Buffer.from(`--${form.boundary}`, 'latin1'), CRLF, target.content.subarray(at)]),
      };
      return { contentType, body: encodeForm({ ...form, parts: form.parts.map((p) => (p === target ? split : p)) }) };
    }
    case 'wrong-boundary':
      return { contentType: `multipart/form-data; boundary="${form.boundary}Z"`, body: encodeForm(form) };
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary bodies and content types.

const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('application/octet-stream', 'image/png', 'text/plain', 'application/json', 'multipart/mixed; boundary=x', 'multipart/form-data', 'multipart/form-data; charset=utf-8'),
  boundary.map((b) => `multipart/form-data; boundary=${b.param}`),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
);

/** Arbitrary bytes under an arbitrary Content-Type. */
export const arbitraryBodyCase: fc.Arbitrary<UploadCase> = fc
  .tuple(contentType, fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.string({ maxLength: 300 }).map((s) => Buffer.from(s))))
  .map(([type, bytes]) => {
    const body = Buffer.from(bytes);
    const label = `${body.byteLength} bytes as ${JSON.stringify(type)}`;
    const multipart = type !== undefined && /^multipart\/form-data\s*(;|$)/i.test(type.trim());
    const json = type !== undefined && /^application\/json\s*(;|$)/i.test(type.trim());
    // An empty JSON body is read as JSON (an upload by URL without one) by the handler.
    if (body.byteLength === 0 && !json) return { label, contentType: type, body, expected: { kind: 'refused', status: 400, message: 'The request body is empty' } };
    const expected: Expected = multipart ? { kind: 'refused', status: 400 } : json ? urlUploadVerdict(body) : { kind: 'refused', status: 400, message: NOT_MULTIPART };
    return { label, contentType: type, body, expected };
  });

// ---------------------------------------------------------------------------------------------
// Hostile filenames.

const HOSTILE_PIECES = [
  '../', '..\\', '/', '\\', '/etc/passwd', 'C:\\Windows\\win.ini', '\0', '\u202e', '\u200f', 'gpj.exe', '"', "'", ';', '%00', '%2e%2e%2f',
  '\r\n', 'Content-Type: text/html', '<script>alert(1)</script>', '💥', ' ', '\t', 'CON', '.htaccess', 'name="other"', '\u0001', '\u007f', 'é',
];

const hostileName = fc.oneof(
  fc.array(fc.constantFrom(...HOSTILE_PIECES), { minLength: 1, maxLength: 6 }).map((p) => p.join('')),
  fc.constantFrom('a', 'A', 'é', '\u202e', '😀').map((c) => c.repeat(Math.ceil(10_240 / Buffer.byteLength(c)))),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
);

type NameEncoding = 'whatwg' | 'backslash' | 'ext';

/** Encodes a filename the way a browser (WHATWG), curl (backslash escapes) or RFC 5987 would. */
export function encodeFilename(name: string, encoding: NameEncoding): { param: string; headerChars: Buffer } {
  if (encoding === 'ext') {
    const encoded = encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return { param: `filename*=UTF-8''${encoded}`, headerChars: Buffer.from(encoded, 'latin1') };
  }
  let escaped = name.replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  escaped = encoding === 'whatwg' ? escaped.replace(/"/g, '%22') : escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return { param: `filename="${escaped}"`, headerChars: Buffer.from(escaped, 'utf8') };
}

/** Bytes a header value may not contain (busboy, like HTTP, refuses control characters). */
function hasControlBytes(bytes: Buffer): boolean {
  return bytes.some((b) => (b < 0x20 && b !== 0x09) || b === 0x7f);
}

/**
 * A valid image (or a bad one) under a hostile filename: stored under its own id, never the
 * name. A name that makes the part header malformed (raw control bytes, a header over 16 KiB)
 * is a 400; so is a name that only a backslash-unaware parser would misread (WHATWG mode
 * never carries a raw backslash).
 */
export const hostileFilenameCase: fc.Arbitrary<UploadCase> = fc
  .tuple(hostileName, fc.constantFrom<NameEncoding>('whatwg', 'backslash', 'ext'), fc.oneof({ arbitrary: validImage, weight: 3 }, { arbitrary: mutatedImage, weight: 1 }), boundary, declaredType)
  .filter(([name, encoding]) => !(encoding === 'whatwg' && name.includes('\\')))
  .map(([name, encoding, image, b, type]) => {
    const { param, headerChars } = encodeFilename(name, encoding);
    const part: Part = {
      headers: [header('Content-Disposition', `form-data; name="image"; ${param}`), header('Content-Type', type)],
      content: image.bytes,
    };
    const form: Form = { boundary: b.boundary, boundaryParam: b.param, preamble: '', parts: [part], epilogue: '' };
    const block = headerBlockBytes(part);
    const label = `${image.label} named ${JSON.stringify(name.slice(0, 40))}${name.length > 40 ? `... (${name.length} chars)` : ''} (${encoding})`;
    let expected: Expected = image.expected;
    if (block > 16 * 1024 || hasControlBytes(headerChars)) {
      expected = { kind: 'refused', status: 400, message: /^Malformed multipart\/form-data body/ };
    }
    return { form, block, case: { label, contentType: formContentType(form), body: encodeForm(form), expected } };
  })
  // Stay clear of busboy's exact 16 KiB edge, and of contents that happen to hold the delimiter.
  .filter(({ form, block }) => Math.abs(block - 16 * 1024) > 64 && delimiterFree(form))
  .map(({ case: c }) => c);

// ---------------------------------------------------------------------------------------------
// Authorization headers.

/** Header values HTTP can carry (no CR, LF, NUL or other controls but tab). */
export const httpHeaderValue = fc.string({ unit: fc.constantFrom(...Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)), '\t'), maxLength: 200 });

/**
 * Authorization values: anything, near-misses of real keys (case, spacing, truncation,
 * another scheme, a revoked key), and the exact valid forms.
 */
export function authorizationValue(keys: { active: string; revoked: string }): fc.Arbitrary<string> {
  const key = fc.constantFrom(keys.active, keys.revoked);
  return fc.oneof(
    httpHeaderValue,
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer  ', 'Basic ', 'Token ', '', 'Bearer:', 'Bearer\t'), key, fc.constantFrom('', ' ', 'x', '\t', '=', ' Bearer')).map(
      ([scheme, k, suffix]) => `${scheme}${k}${suffix}`,
    ),
    fc.tuple(key, fc.nat()).map(([k, n]) => `Bearer ${k.slice(0, n % k.length)}`),
    key.map((k) => `Bearer ${k.toUpperCase()}`),
    key.map((k) => `Bearer ${k}`),
  );
}
