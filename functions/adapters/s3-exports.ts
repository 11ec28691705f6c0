import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExportLinks, ExportRequest, ExportRequests } from '../core/exports';
import { formatUrl, objectRequest, presignerFor, type S3Location } from './s3-signing';

/** Export requests as small JSON objects under `export-requests/` (their creation runs the builder). */
export class S3ExportRequests implements ExportRequests {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  async write(key: string, request: ExportRequest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: JSON.stringify(request), ContentType: 'application/json' }),
    );
  }

  /** The request at `key`, or undefined when it is gone or not one. */
  async read(key: string): Promise<ExportRequest | undefined> {
    let text: string;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
      text = (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<ExportRequest>;
      return typeof parsed.accountId === 'string' && typeof parsed.id === 'string' && typeof parsed.baseUrl === 'string'
        ? { accountId: parsed.accountId, id: parsed.id, baseUrl: parsed.baseUrl }
        : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Presigned GETs of export zips, signed without an S3 client (see s3-signing.ts). */
export class S3ExportLinks implements ExportLinks {
  private readonly presigner: ReturnType<typeof presignerFor>;

  constructor(private readonly location: S3Location) {
    this.presigner = presignerFor(location);
  }

  async downloadLink(key: string, expiresIn: number): Promise<string> {
    const signed = await this.presigner.presign(objectRequest(this.location, 'GET', key, { 'x-id': 'GetObject' }), { expiresIn });
    return formatUrl(signed);
  }
}
