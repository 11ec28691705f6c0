import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Two things S3 guarantees that s3rver 3.7 does not, and that finalize relies on:
 *
 * 1. **Atomic versions.** s3rver writes an object's bytes straight into its file, and its size
 *    and type into another: two PUTs of one key interleave their bytes, and a GET during a PUT
 *    reads half of one. S3 serves either the old object or the new one, never a mix. Here a PUT
 *    writes a temporary file and renames it over the object (a reader that opened the old file
 *    keeps it), and every write, delete and read of one key takes its turn.
 * 2. **Conditional writes.** S3 refuses a PutObject with `If-None-Match: *` when the key exists
 *    (412 PreconditionFailed); s3rver ignores the header. Finalize publishes with it, so that of
 *    two runs racing on one upload exactly one publishes.
 *
 * Emulator only; nothing here runs on AWS.
 */

interface StoredObject {
  bucket: string;
  key: string;
  content: NodeJS.ReadableStream | Buffer;
  metadata: Record<string, string>;
}
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  deleteObject(bucket: string, key: string): Promise<unknown>;
}
interface KoaContext {
  method: string;
  path: string;
  status: number;
  type: string;
  body: unknown;
  get(name: string): string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

const fromS3rver = createRequire(createRequire(import.meta.url).resolve('s3rver'));
const Store = fromS3rver('./stores/filesystem') as { prototype: FilesystemStore };

/** One queue per key: each operation waits for the ones before it. */
const turns = new Map<string, Promise<void>>();
/** Runs `run` after every operation queued before it under `id` (local/s3rver-multipart.ts queues there too). */
export async function inTurn<T>(id: string, run: () => Promise<T>): Promise<T> {
  const previous = turns.get(id) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  turns.set(id, tail);
  await previous;
  try {
    return await run();
  } finally {
    done();
    if (turns.get(id) === tail) turns.delete(id);
  }
}

const original = {
  getObject: Store.prototype.getObject,
  deleteObject: Store.prototype.deleteObject,
};

Store.prototype.putObject = function putObject(this: FilesystemStore, object: StoredObject) {
  return inTurn(`${object.bucket}/${object.key}`, async () => {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    // Not ending in s3rver's object suffix, so a listing never shows it.
    const temporary = `${objectPath}.${randomBytes(6).toString('hex')}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      if (Buffer.isBuffer(object.content)) {
        md5.update(object.content);
        size = object.content.byteLength;
        await pipeline([object.content], createWriteStream(temporary));
      } else {
        const count = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5.update(chunk);
            size += chunk.byteLength;
            callback(null, chunk);
          },
        });
        await pipeline(object.content, count, createWriteStream(temporary));
      }
      await rename(temporary, objectPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  });
};

Store.prototype.getObject = function getObject(this: FilesystemStore, bucket: string, key: string, options?: unknown) {
  // Until the file is open: after that a rename replaces the name, not what this reader reads.
  return inTurn(`${bucket}/${key}`, () => original.getObject.call(this, bucket, key, options));
};

Store.prototype.deleteObject = function deleteObject(this: FilesystemStore, bucket: string, key: string) {
  return inTurn(`${bucket}/${key}`, () => original.deleteObject.call(this, bucket, key));
};

const PRECONDITION_FAILED = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>`;

/** Adds S3's `If-None-Match: *` on PutObject to a running-to-be s3rver (before `run()`). */
export function enableConditionalWrites(s3rver: unknown): void {
  const app = s3rver as { middleware: Middleware[]; store: FilesystemStore };
  const conditionalPut: Middleware = async (ctx, next) => {
    if (ctx.method !== 'PUT' || ctx.get('if-none-match').trim() !== '*' || ctx.get('x-amz-copy-source')) return next();
    const [, bucket, ...rest] = ctx.path.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    // One conditional writer of a key at a time decides and writes; unconditional writers of
    // published keys do not exist (new ids only), so this is S3's answer for our use.
    return inTurn(`conditional:${bucket}/${key}`, async () => {
      if (key !== '' && (await app.store.existsObject(bucket, key))) {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body = PRECONDITION_FAILED;
        return;
      }
      await next();
    });
  };
  // Before the router (the last middleware), after vhost rewriting has made the path /bucket/key.
  app.middleware.splice(app.middleware.length - 1, 0, conditionalPut);
}
