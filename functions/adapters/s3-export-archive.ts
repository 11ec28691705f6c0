import { type Readable, Transform } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ZipFile } from 'yazl';
import type { ArchiveEntry, ExportArchive } from '../core/exports';

// Apart from s3-exports.ts: yazl (CommonJS) and lib-storage cannot be tree-shaken out of a
// bundle, so only the builder's bundle may import them (functions/runtime/export-wiring.ts).

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

