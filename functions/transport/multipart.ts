import busboy from 'busboy';
import { BadRequestError, PayloadTooLargeError } from '../core/errors';
import { formatLimit } from '../core/formats/inspect';

/** The form field that must carry the image (docs/api.md). */
export const IMAGE_FIELD = 'image';

export interface UploadedFile {
  readonly filename: string | undefined;
  readonly declaredType: string;
  readonly bytes: Buffer;
}

export interface ParsedUpload {
  readonly file: UploadedFile;
  readonly fields: Readonly<Record<string, string>>;
}

export interface MultipartLimits {
  /** Largest file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Non-file fields accepted alongside the image. */
  readonly maxFields?: number;
  /** Largest non-file field value, in bytes. */
  readonly maxFieldBytes?: number;
  /** All parts, files and fields together. */
  readonly maxParts?: number;
}

/**
 * Parses a multipart/form-data body holding exactly one file in the field `image`.
 *
 * busboy 1.x is used directly: lambda-multipart-parser 1.0.1 crashes the process on a
 * truncated body or a field named `files`, and its busboy 0.3 depends on dicer
 * (CVE-2022-24434). Every failure here is a typed 4xx; nothing escapes as an exception
 * from an event emitter.
 */
export function parseImageUpload(
  body: Buffer,
  contentType: string | undefined,
  limits: MultipartLimits,
): Promise<ParsedUpload> {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) {
    return Promise.reject(new BadRequestError('Expected a multipart/form-data body with the image in the field "image"'));
  }
  if (body.byteLength === 0) {
    return Promise.reject(new BadRequestError('The request body is empty'));
  }

  return new Promise<ParsedUpload>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: {
          files: 1,
          // busboy reports 'limit' on reaching fileSize, so a file of exactly the limit needs one more byte.
          fileSize: limits.maxFileBytes + 1,
          fields: limits.maxFields ?? 20,
          fieldSize: limits.maxFieldBytes ?? 64 * 1024,
          parts: limits.maxParts ?? 25,
        },
      });
    } catch (error) {
      // busboy throws synchronously for a missing or malformed boundary.
      reject(new BadRequestError(`Malformed multipart/form-data header: ${(error as Error).message}`));
      return;
    }

    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };

    const fields: Record<string, string> = Object.create(null);
    let file: UploadedFile | undefined;
    let pending: Promise<void> = Promise.resolve();
    let fileCount = 0;

    parser.on('file', (name, stream, info) => {
      fileCount += 1;
      if (name !== IMAGE_FIELD) {
        stream.resume();
        stream.on('error', () => undefined);
        fail(new BadRequestError(`Unexpected file in field "${truncate(name)}"; send the image in the field "image"`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      pending = new Promise<void>((done) => {
        stream.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.byteLength;
        });
        stream.on('limit', () => {
          fail(
            new PayloadTooLargeError(
              `Image exceeds the ${formatLimit(limits.maxFileBytes)} limit (${limits.maxFileBytes} bytes)`,
            ),
          );
        });
        stream.on('error', (error: Error) => {
          fail(new BadRequestError(`Malformed multipart/form-data body: ${error.message}`));
          done();
        });
        stream.on('end', () => {
          file = {
            filename: info.filename,
            declaredType: info.mimeType,
            bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size),
          };
          done();
        });
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        fail(new PayloadTooLargeError(`Form field "${truncate(name)}" is too large`));
        return;
      }
      fields[name] = value;
    });
    parser.on('filesLimit', () => fail(new BadRequestError('Send exactly one file, in the field "image"')));
    parser.on('fieldsLimit', () => fail(new BadRequestError('Too many form fields')));
    parser.on('partsLimit', () => fail(new BadRequestError('Too many parts in the multipart body')));
    parser.on('error', (error: Error) => fail(new BadRequestError(`Malformed multipart/form-data body: ${error.message}`)));
    parser.on('close', () => {
      void pending.then(() => {
        if (settled) return;
        if (fileCount > 1) return fail(new BadRequestError('Send exactly one file, in the field "image"'));
        if (file === undefined) return fail(new BadRequestError('No image file in the field "image"'));
        settled = true;
        resolve({ file, fields });
      });
    });

    try {
      parser.end(body);
    } catch (error) {
      fail(new BadRequestError(`Malformed multipart/form-data body: ${(error as Error).message}`));
    }
  });
}

function truncate(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}...` : printable;
}
