/**
 * The console's one door to the Imager API: a small typed wrapper over fetch (and XHR where
 * upload progress is needed). The shapes follow SPEC §4 and §13; when the generated client
 * (openapi-typescript + openapi-fetch) lands, this file is the only one to switch.
 */

export interface Account {
  readonly account_id: string;
  readonly email: string;
  readonly created_at: string;
  readonly usage: { readonly hourly_limit: number; readonly requests_this_hour: number; readonly reset_at: string };
  readonly images: { readonly count: number; readonly bytes: number };
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly status: 'active' | 'revoked';
  readonly requests_this_hour: number;
}

export interface CreatedKey extends ApiKey {
  /** The secret: shown once. */
  readonly key: string;
}

export interface Image {
  readonly id: string;
  readonly url: string;
  readonly state?: 'pending' | 'ready' | 'rejected';
  readonly reason?: string;
  readonly width?: number;
  readonly height?: number;
  readonly format?: string;
  readonly content_type?: string;
  readonly size?: number;
  readonly created_at: string;
}

export interface ImagePage {
  readonly images: Image[];
  readonly next_cursor: string | null;
}

export interface StartedUpload extends Image {
  readonly upload: {
    readonly method: 'PUT' | 'POST';
    readonly url: string;
    readonly headers?: Record<string, string>;
    readonly fields?: Record<string, string>;
    readonly expires_at: string;
  };
}

/** An API error with the message the API gave (or one in words when it gave none). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Envelope<T> = { status: 'success'; data: T } | { status: 'error'; message: string };

function errorFrom(status: number, body: unknown): ApiError {
  const message = (body as { message?: unknown })?.message;
  if (typeof message === 'string' && message) return new ApiError(status, message);
  return new ApiError(status, `The API answered ${status} without an explanation.`);
}

export type Progress = (loaded: number, total: number) => void;

export class ImagerApi {
  constructor(
    private readonly baseUrl: string,
    /** The session's ID token (account routes). */
    private readonly sessionToken: () => Promise<string>,
  ) {}

  // Account routes: the session's ID token.
  getAccount(): Promise<Account> {
    return this.session('GET', '/api/account');
  }

  async listKeys(): Promise<ApiKey[]> {
    return (await this.session<{ keys: ApiKey[] }>('GET', '/api/account/keys')).keys;
  }

  createKey(name: string): Promise<CreatedKey> {
    return this.session('POST', '/api/account/keys', { name });
  }

  async revokeKey(id: string): Promise<void> {
    await this.session('DELETE', `/api/account/keys/${encodeURIComponent(id)}`);
  }

  // Image routes: an API key.
  listImages(key: string, cursor?: string, limit = 24): Promise<ImagePage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    return this.keyed('GET', `/api/images?${query}`, key);
  }

  getImage(key: string, id: string): Promise<Image> {
    return this.keyed('GET', `/api/images/${encodeURIComponent(id)}`, key);
  }

  async deleteImage(key: string, id: string): Promise<void> {
    await this.keyed('DELETE', `/api/images/${encodeURIComponent(id)}`, key);
  }

  startUpload(key: string, size: number, contentType: string): Promise<StartedUpload> {
    return this.keyed('POST', '/api/images/uploads', key, { size, ...(contentType ? { content_type: contentType } : {}) });
  }

  /** A direct upload (multipart, field `image`) with progress. */
  uploadDirect(key: string, file: File, onProgress: Progress): Promise<Image> {
    const form = new FormData();
    form.append('image', file, file.name);
    return xhr<Image>({ method: 'POST', url: `${this.baseUrl}/api/images/upload`, headers: { Authorization: `Bearer ${key}` }, body: form, onProgress });
  }

  /** Sends a large file to the presigned URL from `startUpload`, with progress. */
  async sendToStorage(started: StartedUpload, file: File, onProgress: Progress): Promise<void> {
    const { upload } = started;
    if (upload.method === 'PUT') {
      // Content-Length is set by the browser (and is a forbidden header to set by hand).
      const headers = Object.fromEntries(Object.entries(upload.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-length'));
      await xhr({ method: 'PUT', url: upload.url, headers, body: file, onProgress, raw: true });
    } else {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
      form.append('file', file, file.name);
      await xhr({ method: 'POST', url: upload.url, headers: {}, body: form, onProgress, raw: true });
    }
  }

  private async session<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.sessionToken();
    return this.request<T>(method, path, `Bearer ${token}`, body);
  }

  private keyed<T>(method: string, path: string, key: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, `Bearer ${key}`, body);
  }

  private async request<T>(method: string, path: string, authorization: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'Cannot reach the Imager API. Check your connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    let parsed: Envelope<T> | undefined;
    try {
      parsed = (await response.json()) as Envelope<T>;
    } catch {
      parsed = undefined;
    }
    if (!response.ok || parsed?.status !== 'success') throw errorFrom(response.status, parsed);
    return parsed.data;
  }
}

/** XMLHttpRequest, because fetch cannot report upload progress. */
function xhr<T>(options: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: XMLHttpRequestBodyInit;
  onProgress: Progress;
  /** Not an Imager envelope (S3): any 2xx is success. */
  raw?: boolean;
}): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(options.method, options.url);
    for (const [name, value] of Object.entries(options.headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress(event.loaded, event.total);
    };
    request.onerror = () => reject(new ApiError(0, 'The upload could not reach the server. Check your connection and try again.'));
    request.onabort = () => reject(new ApiError(0, 'The upload was cancelled.'));
    request.onload = () => {
      if (options.raw) {
        if (request.status >= 200 && request.status < 300) resolve(undefined as T);
        else reject(new ApiError(request.status, `Storage refused the upload (HTTP ${request.status}).`));
        return;
      }
      let parsed: Envelope<T> | undefined;
      try {
        parsed = JSON.parse(request.responseText) as Envelope<T>;
      } catch {
        parsed = undefined;
      }
      if (request.status >= 200 && request.status < 300 && parsed?.status === 'success') resolve(parsed.data);
      else reject(errorFrom(request.status, parsed));
    };
    request.send(options.body);
  });
}
