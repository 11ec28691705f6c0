import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Short-lived GET links for the public view route. */
export class S3ViewLinks {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  /**
   * A presigned GET that forces the stored (sniffed) content type and an inline disposition
   * with a safe file name, so whatever the object's metadata says, the browser gets our type.
   */
  async viewUrl(key: string, options: { contentType: string; filename: string; expiresIn: number }): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucketName,
        Key: key,
        ResponseContentType: options.contentType,
        ResponseContentDisposition: `inline; filename="${options.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        ResponseCacheControl: `private, max-age=${options.expiresIn}`,
      }),
      { expiresIn: options.expiresIn },
    );
  }
}
