import { formatUrl, objectRequest, presignerFor, type S3Location } from './s3-signing';

export type S3ViewLinksOptions = S3Location;

/**
 * Short-lived GET links for the public view route, signed with the SDK's S3 presigner on a
 * plain request: the view function never sends anything to S3, so it does without the S3
 * client (see s3-signing.ts).
 */
export class S3ViewLinks {
  private readonly presigner: ReturnType<typeof presignerFor>;

  constructor(private readonly location: S3Location) {
    this.presigner = presignerFor(location);
  }

  /**
   * A presigned GET that forces the stored (sniffed) content type and an inline disposition
   * with a safe file name, so whatever the object's metadata says, the browser gets our type.
   */
  async viewUrl(
    key: string,
    options: { contentType: string; filename: string; expiresIn: number; signingDate?: Date },
  ): Promise<string> {
    const signed = await this.presigner.presign(
      objectRequest(this.location, 'GET', key, {
        'response-cache-control': `private, max-age=${options.expiresIn}`,
        'response-content-disposition': `inline; filename="${options.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        'response-content-type': options.contentType,
        // The SDK's S3 client adds this to every GetObject; keeping it makes our links identical.
        'x-id': 'GetObject',
      }),
      { expiresIn: options.expiresIn, signingDate: options.signingDate },
    );
    return formatUrl(signed);
  }
}
