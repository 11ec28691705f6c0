import {
  MaxFileSizeExceededError,
  MaxHeaderSizeExceededError,
  MaxPartsExceededError,
  MultipartParseError,
  type MultipartPart,
  parseMultipart,
} from '@remix-run/multipart-parser';
import { BadRequestError, HttpError, PayloadTooLargeError } from '../core/errors';
import { formatLimit } from '../core/formats/inspect';

/** The form field that must carry the image (docs/api.md). */
export const IMAGE_FIELD = 'image';

/** The most bytes one part's header block may hold. */
const MAX_PART_HEADER_BYTES = 16 * 1024;

export interface UploadedFile {
  readonly filename: string | undefined;
  readonly declaredType: string;
  readonly bytes: Buffer;
}

export interface ParsedUpload {
  readonly file: UploadedFile;
  readonly fields: Readonly<Record<string, string>>;
}

export interface MultipartLimits {
  /** Largest file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Non-file fields accepted alongside the image. */
  readonly maxFields?: number;
  /** Largest non-file field value, in bytes. */
  readonly maxFieldBytes?: number;
  /** All parts, files and fields together. */
  readonly maxParts?: number;
}

/**
 * Parses a multipart/form-data body holding exactly one file in the field `image`.
 *
 * The body is already whole in memory (API Gateway hands it over decoded once), so it is read
 * with @remix-run/multipart-parser's buffer parser: it finds each delimiter with Buffer.indexOf,
 * as the floor does (docs/performance.md), and hands the file over as a view of the body, not a
 * copy. busboy, used before, searched the file for the delimiter in JavaScript, a stream chunk
 * at a time, which cost more than the floor itself (docs/performance.md#upload-handler). What
 * the form accepts is unchanged: a preamble and an epilogue are ignored, a part without a
 * Content-Disposition is skipped, a part header block holds at most 16 KiB and no control
 * characters. The parser is lax about framing, so each part's is checked where the parser put
 * it (`Framing`). Every failure is a typed 4xx, returned as a rejection.
 */
export async function parseImageUpload(body: Buffer, contentType: string | undefined, limits: MultipartLimits): Promise<ParsedUpload> {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) {
    throw new BadRequestError('Expected a multipart/form-data body with the image in the field "image"');
  }
  if (body.byteLength === 0) throw new BadRequestError('The request body is empty');
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new BadRequestError('Malformed multipart/form-data header: no boundary parameter');

  const maxFields = limits.maxFields ?? 20;
  const maxFieldBytes = limits.maxFieldBytes ?? 64 * 1024;
  const fields: Record<string, string> = Object.create(null);
  let file: UploadedFile | undefined;
  let fileCount = 0;
  let fieldCount = 0;
  try {
    const form = withoutPreamble(body, boundary);
    const framing = new Framing(form, boundary);
    const parts = parseMultipart(form, {
      boundary,
      maxHeaderSize: MAX_PART_HEADER_BYTES,
      // The parser's limit is per part, fields included; a field's own limit is checked below.
      maxFileSize: Math.max(limits.maxFileBytes, maxFieldBytes),
      maxParts: limits.maxParts ?? 25,
      maxTotalSize: body.byteLength,
    });
    for (const part of parts) {
      framing.check(part);
      checkHeaderValues(part);
      const disposition = part.headers['content-disposition'];
      if (disposition === undefined || !/^\s*form-data\s*(;|$)/i.test(disposition)) continue;
      const name = part.name ?? '';
      if (part.isFile) {
        fileCount += 1;
        if (fileCount > 1) throw new BadRequestError('Send exactly one file, in the field "image"');
        if (name !== IMAGE_FIELD) throw new BadRequestError(`Unexpected file in field "${truncate(name)}"; send the image in the field "image"`);
        if (part.size > limits.maxFileBytes) throw imageTooLarge(limits);
        file = { filename: part.filename, declaredType: part.mediaType ?? 'text/plain', bytes: contentOf(part) };
      } else {
        fieldCount += 1;
        if (fieldCount > maxFields) throw new BadRequestError('Too many form fields');
        if (part.size > maxFieldBytes) throw new PayloadTooLargeError(`Form field "${truncate(name)}" is too large`);
        fields[name] = utf8(() => part.text, `form field "${truncate(name)}"`);
      }
    }
  } catch (error) {
    throw asHttpError(error, limits);
  }
  if (file === undefined) throw new BadRequestError('No image file in the field "image"');
  return { file, fields };
}

/** The `boundary` parameter: quoted (spaces are part of it), or a token. */
function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * The body from its first delimiter on: a preamble before it (RFC 2046 allows one, ended by
 * CRLF) is not part of the form. Without any delimiter the body is left for the parser to refuse.
 */
function withoutPreamble(body: Buffer, boundary: string): Buffer {
  const delimiter = `--${boundary}`;
  if (body.toString('latin1', 0, delimiter.length) === delimiter) return body;
  const at = body.indexOf(`\r\n${delimiter}`, 0, 'latin1');
  return at < 0 ? body : body.subarray(at + 2);
}

/**
 * Checks the framing of each part the parser yields, at the offsets where the parser found it.
 *
 * The parser takes the first CRLF CRLF after a delimiter line as the end of the part's headers
 * even when the next delimiter comes first, so a part without its blank line would swallow the
 * next part's headers and take its body (the file of another part, under this part's name and
 * type); and it skips the two bytes after a delimiter without reading them. So a part whose
 * header block reaches a delimiter, or a delimiter followed by anything but CRLF or "--", is a
 * 400. Only the header blocks and the delimiter lines are read; the file is not searched again.
 */
class Framing {
  private readonly delimiter: Buffer;
  /** Where the delimiter line before the next part starts ("--boundary" for the first). */
  private cursor = 0;
  private first = true;

  constructor(
    private readonly form: Buffer,
    boundary: string,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  check(part: MultipartPart): void {
    const headerStart = this.afterDelimiterLine();
    const headerEnd = this.form.indexOf(BLANK_LINE, headerStart);
    const contentStart = headerEnd + BLANK_LINE.length;
    if (headerEnd < 0 || this.delimiterWithin(headerStart, contentStart)) throw new MultipartParseError('a part has no blank line after its headers');
    const contentEnd = contentStart + part.size;
    if (!this.form.subarray(contentEnd, contentEnd + this.delimiter.length).equals(this.delimiter)) {
      throw new MultipartParseError('a part does not end at a boundary');
    }
    this.cursor = contentEnd;
    this.first = false;
  }

  /** The offset after the delimiter line at the cursor, which must end in CRLF (or "--" when it closes the form). */
  private afterDelimiterLine(): number {
    const end = this.cursor + this.delimiter.length - (this.first ? 2 : 0);
    const next = this.form.toString('latin1', end, end + 2);
    if (next !== '\r\n') throw new MultipartParseError('a boundary line holds more than the boundary');
    return end + 2;
  }

  /** True when a delimiter starts at or after `from` and before `to` (only those bytes are searched). */
  private delimiterWithin(from: number, to: number): boolean {
    return this.form.subarray(from, to + this.delimiter.length - 1).includes(this.delimiter);
  }
}

const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

/** Header values are UTF-8 and carry no control characters but tab, as in HTTP. */
function checkHeaderValues(part: MultipartPart): void {
  for (const value of Object.values(utf8(() => part.headers, 'a part header'))) {
    if (value !== undefined && /[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new MultipartParseError('a part header holds a control character');
  }
}

/** Decodes what the parser decodes as UTF-8 (fatally), as a parse error when it is not. */
function utf8<T>(decode: () => T, what: string): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof TypeError) throw new MultipartParseError(`${what} is not valid UTF-8`);
    throw error;
  }
}

/** The part's bytes: a view of the body (one chunk when the body is parsed whole). */
function contentOf(part: MultipartPart): Buffer {
  const [only, ...more] = part.content;
  if (more.length === 0 && only !== undefined) return Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  return Buffer.concat(part.content, part.size);
}

function imageTooLarge(limits: MultipartLimits): PayloadTooLargeError {
  return new PayloadTooLargeError(`Image exceeds the ${formatLimit(limits.maxFileBytes)} limit (${limits.maxFileBytes} bytes)`);
}

function asHttpError(error: unknown, limits: MultipartLimits): Error {
  if (error instanceof HttpError) return error;
  if (error instanceof MaxFileSizeExceededError) return imageTooLarge(limits);
  if (error instanceof MaxPartsExceededError) return new BadRequestError('Too many parts in the multipart body');
  if (error instanceof MaxHeaderSizeExceededError) return new BadRequestError(`Malformed multipart/form-data body: a part header block over ${formatLimit(MAX_PART_HEADER_BYTES)}`);
  if (error instanceof MultipartParseError) return new BadRequestError(`Malformed multipart/form-data body: ${describe(error.message)}`);
  return error instanceof Error ? error : new Error(String(error));
}

/** The parser's words, in the API's. */
function describe(message: string): string {
  if (message === 'Multipart stream not finished') return 'the body ends before its closing boundary';
  if (message.startsWith('Invalid multipart stream: missing initial boundary')) return 'no part starts with the declared boundary';
  return message;
}

function truncate(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}...` : printable;
}
