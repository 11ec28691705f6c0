/** Called as the request body goes out: bytes sent so far, of how many. */
export type Progress = (loaded: number, total: number) => void;

/** The upload was cancelled: fetch's AbortError, which the caller tells from a network failure. */
export class UploadCancelled extends Error {}

/**
 * A fetch that reports upload progress: fetch itself cannot (it has no upload events), so this
 * sends the request with XMLHttpRequest and answers with a Response like fetch's. Forbidden
 * headers (Content-Length) are dropped as fetch drops them; a network failure rejects with a
 * TypeError as fetch's does, a cancelled upload with UploadCancelled.
 */
export function progressFetch(onProgress: Progress): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.blob();
    return new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(request.method, request.url);
      xhr.responseType = 'blob';
      request.headers.forEach((value, name) => xhr.setRequestHeader(name, value));
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      };
      xhr.onerror = () => reject(new TypeError('Failed to fetch'));
      xhr.onabort = () => reject(new UploadCancelled('The upload was cancelled.'));
      xhr.onload = () => {
        const headers = new Headers();
        for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        const empty = xhr.status === 204 || xhr.status === 205 || xhr.status === 304;
        resolve(new Response(empty ? null : (xhr.response as Blob), { status: xhr.status, statusText: xhr.statusText, headers }));
      };
      xhr.send(body);
    });
  };
}
