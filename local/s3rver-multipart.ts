import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inTurn } from './s3rver-consistency';

/**
 * S3's multipart uploads as S3 has them, where s3rver 3.7 falls short (resumable uploads,
 * docs/api.md, rely on each of these):
 *
 * - **ListParts** (`GET ?uploadId`) and **AbortMultipartUpload** (`DELETE ?uploadId`), and
 *   ListMultipartUploads (`GET /bucket?uploads`): s3rver answers MethodNotAllowed or NotImplemented.
 * - **NoSuchUpload**: a part PUT to an upload that was completed or aborted is refused (404), as
 *   S3 does; s3rver recreated the upload's folder and kept the part.
 * - **Atomic parts**: a part sent again replaces the old one whole (a new file renamed over it);
 *   s3rver wrote into the part's file in place, so a read during the write saw a mix.
 * - **CompleteMultipartUpload** checks what S3 checks: every listed part exists with the listed
 *   ETag (InvalidPart: the bytes assembled are the ones the client named, even while a part is
 *   being replaced), in ascending order (InvalidPartOrder), each but the last at least 5 MiB
 *   (EntityTooSmall); it emits `ObjectCreated:CompleteMultipartUpload`, not s3rver's `Post`.
 *
 * Emulator only; nothing here runs on AWS.
 */

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream;
  status: number;
  type: string;
  body: unknown;
  get(name: string): string;
  set(name: string, value: string): void;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer;
  metadata: Record<string, string>;
}
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}
interface S3rverApp {
  middleware: Middleware[];
  store: FilesystemStore;
  emit(event: string, payload: unknown): boolean;
}

const fromS3rver = createRequire(createRequire(import.meta.url).resolve('s3rver'));
const Store = fromS3rver('./stores/filesystem') as { prototype: FilesystemStore & { putPart: unknown } };
const S3Object = fromS3rver('./models/object') as new (bucket: string, key: string, content: Buffer, metadata: Record<string, string>) => StoredObject;
const S3Error = fromS3rver('./models/error') as new (code: string, message: string, detail?: Record<string, string>) => Error;

const noSuchUpload = () => new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');

function uploadDir(store: FilesystemStore, bucket: string, uploadId: string): string {
  // s3rver makes upload ids of hex digits; anything else names no upload (and no other folder).
  if (!/^[0-9a-f]{1,64}$/.test(uploadId)) throw noSuchUpload();
  return join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
}

/** The key an open upload was started for; NoSuchUpload when it is not open. */
async function uploadKey(dir: string): Promise<string> {
  try {
    return await readFile(join(dir, 'key'), 'utf8');
  } catch {
    throw noSuchUpload();
  }
}

/** A part's bytes (read once) and its ETag, or undefined when there is no such part. */
async function readPart(dir: string, partNumber: number): Promise<{ bytes: Buffer; etag: string } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, String(partNumber)));
  } catch {
    return undefined;
  }
  return { bytes, etag: `"${createHash('md5').update(bytes).digest('hex')}"` };
}

/** The part numbers an upload holds, ascending. */
async function partNumbers(dir: string): Promise<number[]> {
  return (await readdir(dir))
    .filter((name) => /^[1-9]\d*$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

const xmlEscape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function sendXml(ctx: KoaContext, body: string): void {
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

function readBody(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** A part is written beside its final name and renamed over it; an upload no longer open refuses it. */
Store.prototype.putPart = async function putPart(this: FilesystemStore, bucket: string, uploadId: string, partNumber: string, content: NodeJS.ReadableStream) {
  const dir = uploadDir(this, bucket, uploadId);
  await uploadKey(dir);
  const temporary = join(dir, `${partNumber}.${randomBytes(6).toString('hex')}.partial`);
  const md5 = createHash('md5');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.byteLength;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(content, count, createWriteStream(temporary));
    // Completed or aborted meanwhile: the folder (and this file) may be gone already.
    await uploadKey(dir);
    await rename(temporary, join(dir, partNumber));
  } catch (error) {
    await rm(temporary, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchUpload();
    throw error;
  }
  return { size, md5: md5.digest('hex') };
};

async function listParts(ctx: KoaContext, app: S3rverApp, bucket: string, key: string, uploadId: string): Promise<void> {
  const dir = uploadDir(app.store, bucket, uploadId);
  if ((await uploadKey(dir)) !== key) throw noSuchUpload();
  const maxParts = Math.min(Number(ctx.query['max-parts'] ?? 1000) || 1000, 1000);
  const marker = Number(ctx.query['part-number-marker'] ?? 0) || 0;
  const numbers = (await partNumbers(dir)).filter((n) => n > marker);
  const page = numbers.slice(0, maxParts);
  const parts: string[] = [];
  for (const partNumber of page) {
    const part = await readPart(dir, partNumber);
    if (!part) continue;
    const modified = (await stat(join(dir, String(partNumber)))).mtime.toISOString();
    parts.push(`<Part><PartNumber>${partNumber}</PartNumber><LastModified>${modified}</LastModified><ETag>${xmlEscape(part.etag)}</ETag><Size>${part.bytes.byteLength}</Size></Part>`);
  }
  const truncated = numbers.length > page.length;
  sendXml(
    ctx,
    `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId>` +
      `<PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${page[page.length - 1] ?? marker}</NextPartNumberMarker><MaxParts>${maxParts}</MaxParts>` +
      `<IsTruncated>${truncated}</IsTruncated>${parts.join('')}</ListPartsResult>`,
  );
}

async function listUploads(ctx: KoaContext, app: S3rverApp, bucket: string): Promise<void> {
  const root = app.store.getResourcePath(bucket, undefined, 'uploads');
  const uploads: string[] = [];
  for (const uploadId of await readdir(root).catch(() => [] as string[])) {
    const key = await readFile(join(root, uploadId, 'key'), 'utf8').catch(() => undefined);
    if (key !== undefined) uploads.push(`<Upload><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></Upload>`);
  }
  sendXml(ctx, `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucket)}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`);
}

async function complete(ctx: KoaContext, app: S3rverApp, bucket: string, key: string, uploadId: string): Promise<void> {
  const dir = uploadDir(app.store, bucket, uploadId);
  const text = await readBody(ctx.req);
  const asked = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => ({
    partNumber: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(part)?.[1]),
    etag: (/<ETag>([\s\S]*?)<\/ETag>/.exec(part)?.[1] ?? '').replace(/&quot;/g, '"').replace(/"/g, ''),
  }));
  if (asked.length === 0 || asked.some((part) => !Number.isInteger(part.partNumber))) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  await inTurn(`multipart:${bucket}/${uploadId}`, async () => {
    if ((await uploadKey(dir)) !== key) throw noSuchUpload();
    for (let i = 1; i < asked.length; i += 1) {
      if (asked[i].partNumber <= asked[i - 1].partNumber) throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    const pieces: Buffer[] = [];
    const md5s: Buffer[] = [];
    for (const [index, { partNumber, etag }] of asked.entries()) {
      // The bytes are read once and their ETag computed from what was read: a part replaced
      // meanwhile is either the one named here or refused, never a mix.
      const part = await readPart(dir, partNumber);
      if (!part || part.etag.replace(/"/g, '') !== etag) {
        throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', { PartNumber: String(partNumber), ETag: etag });
      }
      if (index < asked.length - 1 && part.bytes.byteLength < MIN_PART_BYTES) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', { PartNumber: String(partNumber), ProposedSize: String(part.bytes.byteLength) });
      }
      pieces.push(part.bytes);
      md5s.push(Buffer.from(part.etag.replace(/"/g, ''), 'hex'));
    }
    const metadata = JSON.parse(await readFile(join(dir, 'metadata'), 'utf8').catch(() => '{}')) as Record<string, string>;
    const content = Buffer.concat(pieces);
    const etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${asked.length}"`;
    await app.store.putObject(new S3Object(bucket, key, content, { ...metadata, 'content-length': String(content.byteLength) }));
    await rm(dir, { recursive: true, force: true });
    app.emit('event', {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: new Date().toISOString(),
          eventName: 'ObjectCreated:CompleteMultipartUpload',
          s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key, size: content.byteLength, eTag: etag.replace(/"/g, '') } },
        },
      ],
    });
    sendXml(
      ctx,
      `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>${xmlEscape(`/${bucket}/${key}`)}</Location><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`,
    );
  });
}

async function abort(ctx: KoaContext, app: S3rverApp, bucket: string, key: string, uploadId: string): Promise<void> {
  const dir = uploadDir(app.store, bucket, uploadId);
  await inTurn(`multipart:${bucket}/${uploadId}`, async () => {
    if ((await uploadKey(dir)) !== key) throw noSuchUpload();
    await rm(dir, { recursive: true, force: true });
  });
  ctx.status = 204;
  ctx.body = '';
}

/** Adds the multipart behaviour above to a running-to-be s3rver (before `run()`). */
export function enableMultipartUploads(s3rver: unknown): void {
  const app = s3rver as S3rverApp;
  const multipart: Middleware = async (ctx, next) => {
    const [, bucket, ...rest] = ctx.path.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    // Only signed requests (a presigned URL or an Authorization header), as s3rver's own routes ask.
    const signed = ctx.get('authorization') !== '' || 'X-Amz-Credential' in ctx.query || 'X-Amz-Signature' in ctx.query;
    const ours = (key === '' && ctx.method === 'GET' && 'uploads' in ctx.query) || (key !== '' && uploadId !== undefined && ['GET', 'POST', 'DELETE', 'PUT'].includes(ctx.method));
    if (!ours || !bucket) return next();
    if (!signed) throw new S3Error('AccessDenied', 'Access Denied');
    if (key === '') return listUploads(ctx, app, bucket);
    if (ctx.method === 'PUT') {
      const partNumber = Number(ctx.query.partNumber);
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
        throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: String(ctx.query.partNumber) });
      }
      // s3rver's own UploadPart, over the part store above.
      return next();
    }
    if (ctx.method === 'GET') return listParts(ctx, app, bucket, key, uploadId!);
    if (ctx.method === 'POST') return complete(ctx, app, bucket, key, uploadId!);
    return abort(ctx, app, bucket, key, uploadId!);
  };
  // Before the router (the last middleware), after vhost rewriting has made the path /bucket/key.
  app.middleware.splice(app.middleware.length - 1, 0, multipart);
}
