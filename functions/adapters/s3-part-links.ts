import type { PartLink, PartLinks } from '../core/multipart-upload';
import { formatUrl, objectRequest, presignerFor, type S3Location } from './s3-signing';

/**
 * Presigned UploadPart requests of a multipart upload, signed without an S3 client (see
 * s3-signing.ts), each with its exact Content-Length in the signature: S3 refuses a part of any
 * other length, so the parts add up to the declared size.
 */
export class S3PartLinks implements PartLinks {
  private readonly presigner: ReturnType<typeof presignerFor>;

  constructor(private readonly location: S3Location) {
    this.presigner = presignerFor(location);
  }

  async partLink(key: string, uploadId: string, partNumber: number, options: { length: number; expiresIn: number; signingDate?: Date }): Promise<PartLink> {
    const length = String(options.length);
    const query = { 'x-id': 'UploadPart', partNumber: String(partNumber), uploadId };
    const signed = await this.presigner.presign(objectRequest(this.location, 'PUT', key, query, { 'content-length': length }), {
      expiresIn: options.expiresIn,
      signingDate: options.signingDate,
      signableHeaders: new Set(['content-length']),
    });
    return { url: formatUrl(signed), headers: { 'Content-Length': length } };
  }
}
