import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type CompletedPart, CompletionRefusedError, type MultipartUploads, type StoredPart } from '../core/multipart-upload';

/** What S3 answers a request about an upload that was completed, aborted or never existed. */
function isNoSuchUpload(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchUpload' || e.Code === 'NoSuchUpload' || e.$metadata?.httpStatusCode === 404;
}

/** S3's refusals of a completion request, in words a client can act on (the parts are the client's). */
const REFUSALS: Readonly<Record<string, string>> = {
  InvalidPart: 'A part was not uploaded, or its ETag does not match the one S3 has: list the parts and send the missing ones again',
  InvalidPartOrder: 'The parts must be listed in ascending order',
  EntityTooSmall: 'Every part but the last must be at least 5 MiB',
};

/** The multipart uploads of client uploads (`uploads/<id>`) in the image bucket. */
export class S3MultipartUploads implements MultipartUploads {
  constructor(
    private readonly client: S3Client,
    readonly bucketName: string,
  ) {}

  async create(key: string): Promise<string> {
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucketName, Key: key }));
    if (!created.UploadId) throw new Error(`S3 started no multipart upload for ${key}`);
    return created.UploadId;
  }

  /** Every part, page by page (S3 lists at most 1,000 at a time). */
  async listParts(key: string, uploadId: string): Promise<StoredPart[] | undefined> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListPartsCommand({ Bucket: this.bucketName, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const part of page.Parts ?? []) {
          if (part.PartNumber !== undefined && part.ETag !== undefined) parts.push({ partNumber: part.PartNumber, etag: part.ETag, size: part.Size ?? 0 });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (isNoSuchUpload(error)) return undefined;
      throw error;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<boolean> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucketName,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
        }),
      );
      return true;
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (name in REFUSALS) throw new CompletionRefusedError(REFUSALS[name]);
      if (isNoSuchUpload(error)) return false;
      throw error;
    }
  }

  async abort(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucketName, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (!isNoSuchUpload(error)) throw error;
    }
  }
}
