import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BuildMiddleware } from '@smithy/types';
import type { FinalizeObjects, ReadResult } from '../core/finalize';
import type { ImageObjects } from '../core/images';

/**
 * Published objects never change (a new image gets a new id), so browsers and the CDN may keep
 * them for a year; S3 sends this with every GET, locally as well as behind CloudFront.
 */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Sets `x-amz-content-sha256` before the request is signed: the SigV4 signer uses a payload hash
 * the request already carries instead of computing one (test/unit/s3-image-objects.test.ts holds
 * the SDK to that), and S3 refuses the request when the body does not match it.
 */
function signedPayloadHash(sha256: string): BuildMiddleware<PutObjectCommandInput, PutObjectCommandOutput> {
  return (next) => (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
    return next(args);
  };
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/** Image bytes in the private bucket: published under `images/<id>`, client uploads under `uploads/<id>`. */
export class S3ImageObjects implements ImageObjects, FinalizeObjects {
  constructor(
    private readonly client: S3Client,
    readonly bucketName: string,
  ) {}

  async put(key: string, bytes: Uint8Array, contentType: string, sha256?: string): Promise<void> {
    await this.client.send(this.putCommand(key, bytes, contentType, { sha256 }));
  }

  /**
   * Writes the object only if no object has the key (a conditional write, `If-None-Match: *`):
   * of two concurrent writers exactly one succeeds. Returns false when the key was taken.
   */
  async putIfAbsent(key: string, bytes: Uint8Array, contentType: string, sha256?: string): Promise<boolean> {
    try {
      await this.client.send(this.putCommand(key, bytes, contentType, { sha256, ifNoneMatch: '*' }));
      return true;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) return false;
      throw error;
    }
  }

  /**
   * Every published object is written the same way: sniffed type, immutable caching. With the
   * bytes' SHA-256 (hex, which every checked image carries), S3 checks the bytes it received
   * against it twice, as the object's checksum and as the signed payload hash, and the SDK hashes
   * nothing itself: left alone it would hash the body again for the signature and add a CRC32,
   * 4.3 ms of CPU per 4 MiB (docs/performance.md#upload-handler).
   */
  private putCommand(key: string, bytes: Uint8Array, contentType: string, options: { readonly sha256?: string; readonly ifNoneMatch?: string }): PutObjectCommand {
    const { sha256, ifNoneMatch } = options;
    const command = new PutObjectCommand({
      Bucket: this.bucketName,
      Key: key,
      Body: bytes,
      ContentLength: bytes.byteLength,
      ContentType: contentType,
      CacheControl: IMMUTABLE_CACHE_CONTROL,
      ...(sha256 ? { ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64') } : {}),
      ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}),
    });
    if (sha256) command.middlewareStack.add(signedPayloadHash(sha256), { step: 'build', name: 'imagerSignedPayloadHash' });
    return command;
  }

  /**
   * The whole object, read once (one version, whatever is written to the key meanwhile), or
   * only its size when it is larger than `maxBytes` (the body is then not read).
   */
  async read(key: string, maxBytes: number): Promise<ReadResult | undefined> {
    let result;
    try {
      result = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const length = result.ContentLength ?? 0;
    if (length > maxBytes) {
      (result.Body as { destroy?: () => void } | undefined)?.destroy?.();
      return { tooLarge: length };
    }
    const bytes = result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
    if (bytes.byteLength > maxBytes) return { tooLarge: bytes.byteLength };
    return { bytes };
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key }));
  }

  /** Size of an object, or undefined when it does not exist. */
  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucketName, Key: key }));
      return head.ContentLength;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Deletes every object under `prefix` (a page of up to 1000 per request); returns the count. */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: prefix, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
      if (keys.length > 0) {
        const result = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucketName, Delete: { Objects: keys, Quiet: true } }),
        );
        if (result.Errors && result.Errors.length > 0) {
          throw new Error(`could not delete ${result.Errors.length} objects under ${prefix}: ${result.Errors[0].Code}`);
        }
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  /** One page of the bucket's keys in S3's (lexicographic) order, after `startAfter`. */
  async listPage(startAfter: string | undefined, maxKeys: number): Promise<{ objects: StoredObject[]; truncated: boolean }> {
    const page = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucketName, StartAfter: startAfter, MaxKeys: maxKeys }),
    );
    const objects: StoredObject[] = [];
    for (const object of page.Contents ?? []) {
      if (object.Key) objects.push({ key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) });
    }
    return { objects, truncated: page.IsTruncated === true };
  }

  /** Every object under `prefix`, page by page. */
  async *list(prefix: string): AsyncGenerator<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) {
          yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
