import { formatLimit } from './formats/inspect';
import { BadRequestError, PayloadTooLargeError } from './errors';
import { OutboundRequestError, type PublicHttp } from './outbound';

/**
 * Upload by URL (docs/api.md#upload-by-url): `POST /api/images/upload` with the JSON body
 * `{"url": "https://..."}` fetches the image through the outbound adapter (public addresses
 * only, checked after resolution and on every redirect) and then runs every check a direct
 * upload gets, with the direct upload's size limit.
 */

/** Redirects followed at most. */
export const URL_UPLOAD_REDIRECTS = 3;
/**
 * The whole fetch, redirects included. The upload function has 10 s in all; this leaves the
 * checks and the storage writes several seconds after the slowest fetch allowed.
 */
export const URL_UPLOAD_TIMEOUT_MS = 6000;

/** What a JSON body of the upload route that is not an object is told. */
export const URL_UPLOAD_BODY = {
  notJson: 'The body must be JSON: {"url": "https://..."}, or send the image as multipart/form-data',
  notObject: 'The body must be a JSON object: {"url": "https://..."}',
} as const;

/** The fields of a URL upload's body that it acts on (other fields are left to the upload's options). */
export function urlOfUploadRequest(body: Readonly<Record<string, unknown>>): string {
  const { url } = body;
  // Without a url it is not an upload by URL at all: what a non-multipart body is told.
  if (!('url' in body)) throw new BadRequestError('Expected a multipart/form-data body with the image in the field "image"');
  if (typeof url !== 'string' || url.trim() === '') throw new BadRequestError('url must be a string: the https:// address of the image (or send the image itself as multipart/form-data)');
  return url.trim();
}

/**
 * The bytes at `url`, or a 4xx that says why not: a URL that is not https, a host that is not
 * public (400), an image over the limit (413), a fetch that fails or answers anything but 2xx.
 */
export async function fetchImage(http: PublicHttp, url: string, maxBytes: number): Promise<Buffer> {
  let response;
  try {
    response = await http.request({
      url,
      headers: { accept: 'image/*' },
      maxBytes,
      timeoutMs: URL_UPLOAD_TIMEOUT_MS,
      maxRedirects: URL_UPLOAD_REDIRECTS,
    });
  } catch (error) {
    if (!(error instanceof OutboundRequestError)) throw error;
    if (error.failure === 'too-large') throw new PayloadTooLargeError(`Image exceeds the ${formatLimit(maxBytes)} limit (${maxBytes} bytes)`);
    throw new BadRequestError(`Could not fetch the url: ${error.message}`);
  }
  if (response.status < 200 || response.status > 299) throw new BadRequestError(`Could not fetch the url: it answered HTTP ${response.status}`);
  if (response.body.byteLength === 0) throw new BadRequestError('Could not fetch the url: it answered an empty body');
  return response.body;
}
