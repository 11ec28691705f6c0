import { createScope, getSigningKey } from '@smithy/signature-v4';
import type { UploadLink, UploadLinks } from '../core/large-upload';
import { formatUrl, objectRequest, presignerFor, type S3Location, Sha256 } from './s3-signing';

/** ISO 8601 without milliseconds, as S3 policies and SigV4 dates use it. */
function iso8601(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Presigned uploads straight to the bucket, for images too large for a Lambda payload. Signed
 * without an S3 client (see s3-signing.ts): the PUT with the SDK's S3 presigner, the POST
 * policy with the SDK's SigV4 signing key, exactly as `@aws-sdk/s3-presigned-post` does.
 */
export class S3UploadLinks implements UploadLinks {
  private readonly presigner: ReturnType<typeof presignerFor>;

  constructor(private readonly location: S3Location) {
    this.presigner = presignerFor(location);
  }

  /**
   * With a declared size: a PUT whose signature covers Content-Length, so S3 refuses any other
   * length. Without one: a POST whose policy carries `content-length-range` up to `maxBytes`.
   */
  async uploadLink(
    key: string,
    options: { size?: number; maxBytes: number; expiresIn: number; signingDate?: Date },
  ): Promise<UploadLink> {
    if (options.size !== undefined) {
      const signed = await this.presigner.presign(
        objectRequest(this.location, 'PUT', key, { 'x-id': 'PutObject' }, { 'content-length': String(options.size) }),
        { expiresIn: options.expiresIn, signingDate: options.signingDate, signableHeaders: new Set(['content-length']) },
      );
      return { method: 'PUT', url: formatUrl(signed), headers: { 'Content-Length': String(options.size) } };
    }
    return this.postForm(key, options.maxBytes, options.expiresIn, options.signingDate ?? new Date());
  }

  private async postForm(key: string, maxBytes: number, expiresIn: number, now: Date): Promise<UploadLink> {
    const { region, bucketName } = this.location;
    const credentials = await this.location.credentials();
    const signingDate = iso8601(now).replace(/[-:]/g, '');
    const shortDate = signingDate.slice(0, 8);
    const fields: Record<string, string> = {
      bucket: bucketName,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${credentials.accessKeyId}/${createScope(shortDate, region, 's3')}`,
      'X-Amz-Date': signingDate,
      ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    };
    const policy = Buffer.from(
      JSON.stringify({
        expiration: iso8601(new Date(now.getTime() + expiresIn * 1000)),
        conditions: [
          ['content-length-range', 1, maxBytes],
          ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
          { key },
        ],
      }),
      'utf8',
    ).toString('base64');
    const signingKey = await getSigningKey(Sha256, credentials, shortDate, region, 's3');
    const hmac = new Sha256(signingKey);
    hmac.update(Buffer.from(policy, 'utf8'));
    const signature = Buffer.from(await hmac.digest()).toString('hex');
    const url = formatUrl({ ...objectRequest(this.location, 'POST', undefined), query: {} });
    return { method: 'POST', url, fields: { ...fields, key, Policy: policy, 'X-Amz-Signature': signature } };
  }
}
