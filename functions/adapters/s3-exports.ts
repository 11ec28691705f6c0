import { type Readable, Transform } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ZipFile } from 'yazl';
import type { ArchiveEntry, ExportArchive, ExportLinks, ExportRequest, ExportRequests } from '../core/exports';
import { formatUrl, objectRequest, presignerFor, type S3Location } from './s3-signing';

/** Multipart parts of the zip: S3 takes at most 10,000 parts, so 16 MiB parts hold 156 GiB, far past the export bound. */
const PART_BYTES = 16 * 1024 * 1024;
/** Parts in flight: memory stays under 2 x 16 MiB plus one original's stream buffer, whatever the export's size. */
const PARTS_IN_FLIGHT = 2;

/**
 * The zip of an export, written with yazl straight into an S3 multipart upload (lib-storage):
 * each original is opened only when the zip reaches it and streamed through as stored (no
 * compression: images are compressed already, and the bytes stay the bytes `url` serves); yazl
 * checks each stream's length against the record's size and writes ZIP64 records when the zip
 * outgrows the classic format's 4 GiB. `records.json` comes first.
 */
export class S3ExportArchive implements ExportArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  async write(key: string, entries: readonly ArchiveEntry[], recordsJson: Uint8Array): Promise<{ size: number }> {
    const zip = new ZipFile();
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.byteLength;
        done(null, chunk);
      },
    });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucketName, Key: key, Body: counted, ContentType: 'application/zip' },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
    });
    const failed = new Promise<never>((_, reject) => {
      zip.on('error', (error: Error) => {
        counted.destroy(error);
        void upload.abort().catch(() => undefined);
        reject(error);
      });
    });
    zip.outputStream.pipe(counted);
    zip.addBuffer(Buffer.from(recordsJson), 'records.json', { compress: true });
    for (const entry of entries) {
      zip.addReadStreamLazy(entry.name, { compress: false, size: entry.size, mtime: entry.modified }, (callback) => {
        this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: entry.objectKey })).then(
          (object) => callback(null, object.Body as Readable),
          (error: unknown) => callback(error, undefined as never),
        );
      });
    }
    zip.end();
    await Promise.race([upload.done(), failed]);
    return { size };
  }
}

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
