import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { objectKeyFor, VARIANT_PREFIX } from '../core/ids';
import type { StoredVariant, VariantObjects } from '../core/variants';

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Originals (`images/<id>`, read only) and variants (`variants/<id>/<canonical>`) in the
 * private bucket. The transform function's role may read `images/*` and read and write
 * `variants/*`, and list `variants/` (to count an image's variants against the cap); without
 * `s3:ListBucket` on the other prefixes a missing key answers 403, which is treated as missing
 * too (the function never has a reason to be denied its own prefixes).
 */
export class S3VariantObjects implements VariantObjects {
  constructor(
    private readonly client: S3Client,
    readonly bucketName: string,
  ) {}

  async getOriginal(imageId: string): Promise<Uint8Array | undefined> {
    const object = await this.get(objectKeyFor(imageId));
    return object?.bytes;
  }

  getVariant(key: string): Promise<StoredVariant | undefined> {
    return this.get(key);
  }

  async putVariant(key: string, variant: StoredVariant, cacheControl: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: key,
        Body: variant.bytes,
        ContentLength: variant.bytes.byteLength,
        ContentType: variant.contentType,
        CacheControl: cacheControl,
      }),
    );
  }

  /** One listing of `variants/<id>/` (at most 1,000 keys a page; the cap is far below). */
  async countVariants(imageId: string, atMost: number): Promise<number> {
    const listed = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: `${VARIANT_PREFIX}${imageId}/`, MaxKeys: Math.min(atMost, 1000) }),
    );
    return listed.KeyCount ?? listed.Contents?.length ?? 0;
  }

  private async get(key: string): Promise<StoredVariant | undefined> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
      if (!result.Body) return undefined;
      return { bytes: await result.Body.transformToByteArray(), contentType: result.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (isMissing(error) || e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) return undefined;
      throw error;
    }
  }
}
