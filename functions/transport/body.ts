import { BadRequestError } from '../core/errors';

/**
 * Request bodies as API Gateway passes them: a string, base64-encoded for binary media types.
 * The one decoder of them, for multipart uploads and JSON alike.
 */

/** The body fields of a proxy event (REST v1 and function URLs share them). */
export interface EventBody {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** The request body as bytes: API Gateway base64-encodes binary media types. */
export function bodyBytes(event: EventBody): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  if (event.isBase64Encoded) return decodeBase64(event.body);
  // A text body means API Gateway did not treat it as binary; bytes above 0x7f are already lost.
  return Buffer.from(event.body, 'latin1');
}

/** The request body as text (UTF-8 when it came base64-encoded); '' when there is none. */
export function bodyText(event: EventBody): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? decodeBase64(event.body).toString('utf8') : event.body;
}

/** Characters decoded per call: a multiple of 4, so each piece of plain base64 decodes on its own. */
export const BASE64_PIECE_CHARS = 64 * 1024;

/**
 * `Buffer.from(text, 'base64')`, in pieces. Node copies a string it did not make itself (the
 * runtime's JSON.parse made this one) before decoding it: for a 4 MiB image that is 5.6 MB on top
 * of the 4 MiB result, at the peak of every upload. Piece by piece the copy is one piece, and the
 * decode is faster, not slower. A piece that decodes short is not plain base64 (whitespace,
 * padding inside): such a body is decoded whole, exactly as before.
 */
export function decodeBase64(text: string): Buffer {
  if (text.length <= BASE64_PIECE_CHARS) return Buffer.from(text, 'base64');
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'base64'));
  let written = 0;
  for (let start = 0; start < text.length; start += BASE64_PIECE_CHARS) {
    const last = start + BASE64_PIECE_CHARS >= text.length;
    const decoded = bytes.write(text.slice(start, start + BASE64_PIECE_CHARS), written, 'base64');
    if (!last && decoded !== (BASE64_PIECE_CHARS / 4) * 3) return Buffer.from(text, 'base64');
    written += decoded;
  }
  return bytes.subarray(0, written);
}

/** What a route tells a client whose body is not the JSON object it expects (each route names its shape). */
export interface JsonBodyMessages {
  /** The body does not parse as JSON (an empty body included). */
  readonly notJson: string;
  /** It parses, but not to an object (an array, a string, null). */
  readonly notObject: string;
}

/** The one JSON body parser: a JSON object, or a 400 with the route's message. */
export function parseJsonObject(text: string, messages: JsonBodyMessages): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError(messages.notJson);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequestError(messages.notObject);
  return parsed as Record<string, unknown>;
}

/**
 * The body as a JSON object. `optional`: a missing or blank body is an empty object (every
 * field absent) instead of a 400.
 */
export function jsonBody(event: EventBody, messages: JsonBodyMessages, options: { readonly optional?: boolean } = {}): Record<string, unknown> {
  const text = bodyText(event);
  if (options.optional && text.trim() === '') return {};
  return parseJsonObject(text, messages);
}
