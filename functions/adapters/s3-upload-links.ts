import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface UploadLink {
  readonly method: 'PUT' | 'POST';
  readonly url: string;
  /** Headers to send with a PUT. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Form fields to send, before the file, with a POST. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** Presigned uploads straight to the bucket, for images too large for a Lambda payload. */
export class S3UploadLinks {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  /**
   * With a declared size: a PUT whose signature covers Content-Length, so S3 refuses any other
   * length. Without one: a POST whose policy carries `content-length-range` up to `maxBytes`.
   */
  async uploadLink(key: string, options: { size?: number; maxBytes: number; expiresIn: number }): Promise<UploadLink> {
    if (options.size !== undefined) {
      const url = await getSignedUrl(
        this.client,
        new PutObjectCommand({ Bucket: this.bucketName, Key: key, ContentLength: options.size }),
        { expiresIn: options.expiresIn, signableHeaders: new Set(['content-length']) },
      );
      return { method: 'PUT', url, headers: { 'Content-Length': String(options.size) } };
    }
    const post = await createPresignedPost(this.client, {
      Bucket: this.bucketName,
      Key: key,
      Conditions: [['content-length-range', 1, options.maxBytes]],
      Expires: options.expiresIn,
    });
    return { method: 'POST', url: post.url, fields: post.fields };
  }
}
