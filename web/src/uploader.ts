import AwsS3, { type AwsS3Part } from '@uppy/aws-s3';
import Uppy, { type Body, type Meta, type UppyFile } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import { ApiError, type Image, type SignedPart, type StartedUpload, type UploadedPart } from './api';
import { formatBytes } from './dom';

/**
 * The console's uploader: Uppy (its Dashboard: drag and drop, many files, progress, pause and
 * resume, retry) with @uppy/aws-s3 sending the bytes straight to storage. Files larger than one
 * part go through Imager's resumable upload (docs/api.md, "Resumable uploads"): Uppy's multipart
 * calls map onto its routes one for one, parts that failed are sent again on their own, and a
 * paused or interrupted upload lists what storage has and sends only the rest. Smaller files go
 * in one presigned PUT. Either way the image is checked after it lands, so each file waits here
 * ("Processing") until its image is ready or refused.
 *
 * It knows nothing of how the console authenticates: the image routes it needs come in as
 * `UploaderApi`, already bound to the caller's credentials.
 */

/** The image routes the uploader calls, bound to the signed-in person. */
export interface UploaderApi {
  /** `POST /api/images/uploads`; with `partSize`, a resumable upload in parts of that size. */
  startUpload(size: number, contentType: string, partSize?: number): Promise<StartedUpload>;
  signUploadParts(id: string, partNumbers: number[]): Promise<SignedPart[]>;
  listUploadParts(id: string): Promise<UploadedPart[]>;
  completeUpload(id: string, parts: Array<{ part_number: number; etag: string }>): Promise<Image>;
  abortUpload(id: string): Promise<void>;
  getImage(id: string): Promise<Image>;
}

export interface UploaderOptions {
  /** The large-upload limit (bytes): larger files are refused before anything is sent. */
  readonly maxFileBytes: number;
  /** Told once for each file whose image was checked (ready or refused). */
  readonly onSettled?: (image: Image) => void;
  /** Told when a batch is over (every file uploaded and checked, or failed). */
  readonly onComplete?: () => void;
  /** Between polls of a pending image, in milliseconds. */
  readonly pollMs?: number;
}

/** S3's smallest part: every file over it is a resumable upload. */
export const PART_SIZE = 5 * 1024 * 1024;
/** How long a file may stay pending ("Processing") before the console stops waiting. */
const SETTLE_ATTEMPTS = 120;
/** Sign again this long before the part URLs expire. */
const EXPIRY_MARGIN_MS = 60_000;
const ALLOWED_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/tiff']);

type File = UppyFile<Meta, Body>;

/** Part URLs of one upload, signed a batch at a time (one request for up to 100 parts, not one each). */
class PartUrls {
  private readonly signed = new Map<number, { url: string; expires: number }>();
  private pending: Promise<void> | undefined;

  constructor(
    private readonly api: UploaderApi,
    private readonly id: string,
    private readonly count: number,
  ) {}

  async url(partNumber: number): Promise<string> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const known = this.signed.get(partNumber);
      if (known && known.expires - EXPIRY_MARGIN_MS > Date.now()) return known.url;
      this.pending ??= this.sign(partNumber).finally(() => (this.pending = undefined));
      await this.pending;
    }
    throw new Error(`Part ${partNumber} could not be signed.`);
  }

  /** This part and the ones after it that are not signed (or about to expire), at most 100. */
  private async sign(from: number): Promise<void> {
    const wanted: number[] = [];
    for (let n = from; n <= this.count && wanted.length < 100; n += 1) {
      const known = this.signed.get(n);
      if (!known || known.expires - EXPIRY_MARGIN_MS <= Date.now()) wanted.push(n);
    }
    const expires = Date.now() + 15 * 60_000;
    for (const part of await this.api.signUploadParts(this.id, wanted)) this.signed.set(part.part_number, { url: part.url, expires });
  }
}

/**
 * Calls the API, waiting out a lost connection: while the browser is offline the call waits for
 * it to come back (Uppy holds the part uploads meanwhile), and a call nothing answered is tried
 * again a few times. Without this an API call that fails offline would fail the whole file, and
 * Uppy would abandon its upload instead of resuming it.
 */
async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const unanswered = error instanceof ApiError && error.status === 0;
      if (!unanswered || attempt >= 5) throw error;
      if (!navigator.onLine) await new Promise((resolve) => window.addEventListener('online', resolve, { once: true }));
      else await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
    }
  }
}

/** The same routes, each call waiting out a lost connection (see `patiently`). */
function patientApi(api: UploaderApi): UploaderApi {
  return {
    startUpload: (size, contentType, partSize) => patiently(() => api.startUpload(size, contentType, partSize)),
    signUploadParts: (id, numbers) => patiently(() => api.signUploadParts(id, numbers)),
    listUploadParts: (id) => patiently(() => api.listUploadParts(id)),
    completeUpload: (id, parts) => patiently(() => api.completeUpload(id, parts)),
    abortUpload: (id) => patiently(() => api.abortUpload(id)),
    getImage: (id) => patiently(() => api.getImage(id)),
  };
}

/** The upload's content type when it is one Imager takes (it sniffs the bytes anyway). */
function contentTypeOf(file: File): string {
  return typeof file.type === 'string' && ALLOWED_TYPES.has(file.type) ? file.type : '';
}

/** Mounts the uploader in `target` and returns its Uppy instance (tests and the gallery use its events). */
export function createUploader(target: HTMLElement, routes: UploaderApi, options: UploaderOptions): Uppy<Meta, Body> {
  const api = patientApi(routes);
  /** Each file's image id (for a resumable upload also Uppy's `key` and `uploadId`). */
  const imageOf = new Map<string, string>();
  const partUrls = new Map<string, PartUrls>();

  const uppy = new Uppy<Meta, Body>({
    autoProceed: false,
    restrictions: { maxFileSize: options.maxFileBytes, allowedFileTypes: ['image/*', '.jpg', '.jpeg', '.png', '.gif', '.webp', '.avif', '.bmp', '.tif', '.tiff'] },
  });
  uppy.use(Dashboard, {
    inline: true,
    target,
    width: '100%',
    height: 320,
    theme: 'auto',
    proudlyDisplayPoweredByUppy: false,
    fileManagerSelectionType: 'files',
    note: `Images up to ${formatBytes(options.maxFileBytes)} each. Files over ${formatBytes(PART_SIZE)} go in parts: pause or lose the connection, and only the missing parts are sent again.`,
    // The console's accessible names (docs/accounts-and-console.md): the button that sends the files is "Upload".
    locale: { strings: { uploadXFiles: { 0: 'Upload', 1: 'Upload' }, dropPasteFiles: 'Drop images here or %{browseFiles}', browseFiles: 'choose files' } },
  });
  uppy.use(AwsS3, {
    limit: 4,
    retryDelays: [0, 1000, 3000, 5000],
    shouldUseMultipart: (file: File) => (file.size ?? 0) > PART_SIZE,
    getChunkSize: () => PART_SIZE,

    async getUploadParameters(file: File) {
      const started = await api.startUpload(file.size ?? 0, contentTypeOf(file));
      imageOf.set(file.id, started.id);
      if (started.upload.method !== 'PUT') throw new Error('The API answered an upload the console cannot send.');
      // Content-Length is signed; the browser sets it itself (and refuses to be told).
      return { method: 'PUT' as const, url: started.upload.url, headers: {} };
    },

    async createMultipartUpload(file: File) {
      const started = await api.startUpload(file.size ?? 0, contentTypeOf(file), PART_SIZE);
      if (started.upload.method !== 'multipart') throw new Error('The API answered an upload the console cannot send.');
      imageOf.set(file.id, started.id);
      partUrls.set(started.id, new PartUrls(api, started.id, started.upload.part_count));
      return { uploadId: started.id, key: started.id };
    },

    async signPart(_file: File, { key, partNumber }: { key: string; partNumber: number }) {
      const urls = partUrls.get(key) ?? new PartUrls(api, key, Math.ceil(((_file.size ?? 0) || 1) / PART_SIZE));
      partUrls.set(key, urls);
      return { method: 'PUT' as const, url: await urls.url(partNumber), headers: {} };
    },

    async listParts(_file: File, { key }: { key: string }): Promise<AwsS3Part[]> {
      return (await api.listUploadParts(key)).map((part) => ({ PartNumber: part.part_number, ETag: part.etag, Size: part.size }));
    },

    async completeMultipartUpload(_file: File, { key, parts }: { key: string; parts: AwsS3Part[] }) {
      const listed = parts.map((part) => ({ part_number: part.PartNumber!, etag: part.ETag! })).sort((a, b) => a.part_number - b.part_number);
      let image: Image;
      try {
        image = await api.completeUpload(key, listed);
      } catch (error) {
        // A completion whose answer was lost, tried again: the upload is complete, and the image is there.
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        image = await api.getImage(key);
      }
      partUrls.delete(key);
      return { location: image.url };
    },

    async abortMultipartUpload(_file: File, { key }: { key: string }) {
      partUrls.delete(key);
      // Removing a file whose upload had completed (or was never started) is not an error.
      await api.abortUpload(key).catch(() => undefined);
    },
  });

  // After the bytes are in storage Imager checks them: wait for each image, and show a refusal
  // on its file (Uppy's retry sends the file again as a new upload).
  uppy.addPostProcessor(async (fileIDs) => {
    await Promise.all(
      fileIDs.map(async (fileID) => {
        const file = uppy.getFile(fileID);
        const id = imageOf.get(fileID);
        if (!file || !id || file.error) return;
        uppy.emit('postprocess-progress', file, { mode: 'indeterminate', message: 'Checking…' });
        try {
          const image = await settledImage(api, id, options.pollMs ?? 1000);
          options.onSettled?.(image);
          if (image.state === 'rejected') uppy.emit('upload-error', file, new Error(`${file.name} was refused: ${image.reason ?? 'not an allowed image'}.`));
        } catch (error) {
          uppy.emit('upload-error', file, error instanceof Error ? error : new Error(String(error)));
        } finally {
          uppy.emit('postprocess-complete', uppy.getFile(fileID));
        }
      }),
    );
  });
  uppy.on('complete', () => options.onComplete?.());
  return uppy;
}

async function settledImage(api: UploaderApi, id: string, pollMs: number): Promise<Image> {
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt += 1) {
    const image = await api.getImage(id);
    if (image.state !== 'pending') return image;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error('The upload is still being checked; it will appear in the gallery when it is ready.');
}
