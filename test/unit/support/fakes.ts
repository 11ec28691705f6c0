import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import type { RecordPage } from '../../../functions/adapters/dynamo-image-records';
import type { Config } from '../../../functions/core/config';
import { DEFAULTS } from '../../../functions/core/config';
import { type HourlyCounter, HourlyQuota, type Window } from '../../../functions/core/hourly-quota';
import type { ImageRecord, Log } from '../../../functions/core/images';
import { type CompletedPart, CompletionRefusedError, type MultipartUploads, type StoredPart } from '../../../functions/core/multipart-upload';

/** A fixture from test/fixtures as bytes. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
}

/** The in-memory stand-in for the DynamoDB counter: same contract (atomic, refusals add nothing). */
export class FakeCounter implements HourlyCounter {
  readonly counts = new Map<string, number>();
  failWith: unknown;
  calls = 0;

  async increment(keyId: string, window: Window, limit: number): Promise<number | undefined> {
    this.calls += 1;
    if (this.failWith !== undefined) throw this.failWith;
    const id = `${keyId}#${window.start}`;
    const count = this.counts.get(id) ?? 0;
    if (count >= limit) return undefined;
    this.counts.set(id, count + 1);
    return count + 1;
  }
}

export interface LogEntry {
  readonly level: 'warn' | 'error';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

export class MemoryLog implements Log {
  readonly entries: LogEntry[] = [];
  warn(message: string, details: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, details });
  }
  error(message: string, details: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, details });
  }
}

/** Records in memory, with the adapter's conditional semantics. `events` records the call order. */
export class FakeRecords {
  readonly items = new Map<string, ImageRecord>();
  createError: unknown;
  constructor(readonly events: string[] = []) {}

  async create(record: ImageRecord): Promise<void> {
    this.events.push(`records.create ${record.id}`);
    if (this.createError !== undefined) throw this.createError;
    if (this.items.has(record.id)) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    this.items.set(record.id, record);
  }

  async get(id: string): Promise<ImageRecord | undefined> {
    return this.items.get(id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, ImageRecord>> {
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id)!] as const] : [])));
  }

  async delete(id: string, accountId: string): Promise<boolean> {
    this.events.push(`records.delete ${id}`);
    const record = this.items.get(id);
    if (!record || record.accountId !== accountId) return false;
    this.items.delete(id);
    return true;
  }

  async settle(
    id: string,
    outcome: { state: 'ready' | 'rejected' } & Partial<ImageRecord>,
  ): Promise<boolean> {
    this.events.push(`records.settle ${id} ${outcome.state}`);
    const record = this.items.get(id);
    if (!record || record.state !== 'pending') return false;
    const { expiresAt: _expired, ...rest } = record;
    this.items.set(id, { ...rest, ...outcome } as ImageRecord);
    return true;
  }

  async expiredPending(nowSeconds: number, limit = 100): Promise<ImageRecord[]> {
    return [...this.items.values()]
      .filter((r) => r.state === 'pending' && r.expiresAt !== undefined && r.expiresAt < nowSeconds)
      .slice(0, limit);
  }

  async deletePending(id: string): Promise<boolean> {
    const record = this.items.get(id);
    if (!record || record.state !== 'pending') return false;
    this.items.delete(id);
    return true;
  }

  /** Newest first by `createdAt#id`, like the by-account index. */
  async listByAccount(accountId: string, limit: number, after?: string): Promise<RecordPage> {
    const sorted = [...this.items.values()]
      .filter((r) => r.accountId === accountId)
      .map((r) => ({ r, k: `${r.createdAt}#${r.id}` }))
      .sort((a, b) => (a.k < b.k ? 1 : a.k > b.k ? -1 : 0))
      .filter(({ k }) => after === undefined || k < after);
    const page = sorted.slice(0, limit);
    const more = sorted.length > limit;
    return { records: page.map(({ r }) => r), after: more ? page[page.length - 1].k : undefined };
  }
}

/** The sweep's saved position, in memory. */
export class FakePosition {
  after: string | undefined;
  saves = 0;
  async load(): Promise<string | undefined> {
    return this.after;
  }
  async save(after: string | undefined): Promise<void> {
    this.saves += 1;
    this.after = after;
  }
}

/** Objects in memory. `events` records the call order. */
export class FakeObjects {
  readonly items = new Map<string, { bytes: Uint8Array; contentType: string; lastModified: Date }>();
  putError: unknown;
  deleteError: unknown;
  readError: unknown;
  constructor(readonly events: string[] = []) {}

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    this.events.push(`objects.put ${key}`);
    if (this.putError !== undefined) throw this.putError;
    this.items.set(key, { bytes: Uint8Array.from(bytes), contentType, lastModified: new Date() });
  }

  async delete(key: string): Promise<void> {
    this.events.push(`objects.delete ${key}`);
    if (this.deleteError !== undefined) throw this.deleteError;
    this.items.delete(key);
  }

  async size(key: string): Promise<number | undefined> {
    return this.items.get(key)?.bytes.byteLength;
  }

  async read(key: string, maxBytes: number): Promise<{ bytes: Uint8Array } | { tooLarge: number } | undefined> {
    this.events.push(`objects.read ${key}`);
    if (this.readError !== undefined) throw this.readError;
    const item = this.items.get(key);
    if (!item) return undefined;
    return item.bytes.byteLength > maxBytes ? { tooLarge: item.bytes.byteLength } : { bytes: Uint8Array.from(item.bytes) };
  }

  /** Conditional write like S3's `If-None-Match: *`. */
  async putIfAbsent(key: string, bytes: Uint8Array, contentType: string): Promise<boolean> {
    this.events.push(`objects.putIfAbsent ${key}`);
    if (this.putError !== undefined) throw this.putError;
    if (this.items.has(key)) return false;
    this.items.set(key, { bytes: Uint8Array.from(bytes), contentType, lastModified: new Date() });
    return true;
  }

  /** Keys in S3's order (by UTF-8 bytes; ASCII keys here), after `startAfter`. */
  async listPage(startAfter: string | undefined, maxKeys: number): Promise<{ objects: Array<{ key: string; lastModified: Date }>; truncated: boolean }> {
    const keys = [...this.items.keys()].filter((key) => startAfter === undefined || key > startAfter).sort();
    const page = keys.slice(0, maxKeys);
    return { objects: page.map((key) => ({ key, lastModified: this.items.get(key)!.lastModified })), truncated: keys.length > maxKeys };
  }

  async *list(prefix: string): AsyncGenerator<{ key: string; lastModified: Date }> {
    for (const [key, item] of [...this.items]) {
      if (key.startsWith(prefix)) yield { key, lastModified: item.lastModified };
    }
  }
}

/**
 * S3's multipart uploads in memory: parts by number with an ETag each; complete writes the
 * object into `objects` (like S3, it checks the listed ETags) and closes the upload.
 */
export class FakeMultipartUploads implements MultipartUploads {
  readonly open = new Map<string, { key: string; parts: Map<number, { bytes: Buffer; etag: string }> }>();
  readonly calls: string[] = [];
  createError: unknown;
  private next = 0;
  constructor(readonly objects = new FakeObjects()) {}

  async create(key: string): Promise<string> {
    this.calls.push(`create ${key}`);
    if (this.createError !== undefined) throw this.createError;
    const uploadId = `upload-${(this.next += 1)}`;
    this.open.set(uploadId, { key, parts: new Map() });
    return uploadId;
  }

  /** What a client's PUT of a part does; false when the upload is not open (S3: NoSuchUpload). */
  putPart(uploadId: string, partNumber: number, bytes: Buffer): string | undefined {
    const upload = this.open.get(uploadId);
    if (!upload) return undefined;
    const etag = `"etag-${partNumber}-${bytes.byteLength}-${bytes[0] ?? 0}"`;
    upload.parts.set(partNumber, { bytes, etag });
    return etag;
  }

  async listParts(key: string, uploadId: string): Promise<StoredPart[] | undefined> {
    this.calls.push(`listParts ${key} ${uploadId}`);
    const upload = this.open.get(uploadId);
    if (!upload || upload.key !== key) return undefined;
    return [...upload.parts].sort(([a], [b]) => a - b).map(([partNumber, part]) => ({ partNumber, etag: part.etag, size: part.bytes.byteLength }));
  }

  async complete(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<boolean> {
    this.calls.push(`complete ${key} ${uploadId} ${parts.map((part) => part.partNumber).join(',')}`);
    const upload = this.open.get(uploadId);
    if (!upload || upload.key !== key) return false;
    const bytes = parts.map((part) => {
      const stored = upload.parts.get(part.partNumber);
      if (!stored || stored.etag !== part.etag) throw new CompletionRefusedError('A part was not uploaded, or its ETag does not match');
      return stored.bytes;
    });
    this.open.delete(uploadId);
    await this.objects.put(key, Buffer.concat(bytes), 'binary/octet-stream');
    return true;
  }

  async abort(key: string, uploadId: string): Promise<void> {
    this.calls.push(`abort ${key} ${uploadId}`);
    this.open.delete(uploadId);
  }
}

export const TEST_CONFIG: Config = {
  hourlyLimit: 1000,
  limits: { maxImageBytes: 4 * 1024 * 1024, maxLargeImageBytes: 50 * 1024 * 1024, maxPixels: DEFAULTS.maxPixels },
  publicBaseUrl: undefined,
  uploadUrlSeconds: 900,
};

/** A fixed instant in the middle of a clock hour: 2026-11-26T10:15:00Z. */
export const NOW_MS = Date.UTC(2026, 10, 26, 10, 15, 0);

export function quotaWith(counter = new FakeCounter(), limit = 1000, now: () => number = () => NOW_MS): HourlyQuota {
  return new HourlyQuota(counter, limit, now);
}

export const ACCOUNT = 'acct_alice000000000000000';
export const OTHER_ACCOUNT = 'acct_bob00000000000000000';
export const KEY_ID = 'key_alice0000000';

/** A REST v1 proxy event as API Gateway sends it after the authorizer allowed the key. */
export function apiEvent(overrides: Partial<APIGatewayProxyEvent> & { accountId?: string | null; keyId?: string } = {}): APIGatewayProxyEvent {
  const { accountId = ACCOUNT, keyId = KEY_ID, ...rest } = overrides;
  const path = rest.path ?? '/api/images';
  return {
    resource: '/api/images',
    path,
    httpMethod: 'GET',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'X-Forwarded-Proto': 'https' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: accountId === null ? null : { principalId: accountId, accountId, keyId, integrationLatency: 1 },
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      httpMethod: rest.httpMethod ?? 'GET',
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/v1${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'req-1',
      requestTimeEpoch: NOW_MS,
      resourceId: 'res',
      resourcePath: rest.resource ?? '/api/images',
      stage: 'v1',
    },
    ...rest,
  };
}

export const BASE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/v1';

export function bodyOf(result: APIGatewayProxyResult): { status: string; data?: any; message?: string } {
  return JSON.parse(result.body);
}

export function readyRecord(overrides: Partial<ImageRecord> = {}): ImageRecord {
  const id = overrides.id ?? 'AAAAAAAAAAAAAAAAAAAAAA';
  return {
    id,
    accountId: ACCOUNT,
    objectKey: `images/${id}`,
    state: 'ready',
    createdAt: '2026-11-26T10:00:00.000Z',
    format: 'png',
    contentType: 'image/png',
    width: 64,
    height: 48,
    size: 1449,
    ...overrides,
  };
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function multipart(
  boundary: string,
  parts: Array<{ name: string; filename?: string; contentType?: string; data: Buffer | string; extraHeaders?: string }>,
  options: { close?: boolean } = {},
): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    if (part.extraHeaders) head += part.extraHeaders;
    head += '\r\n';
    chunks.push(Buffer.from(head, 'latin1'), Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data, 'utf8'), Buffer.from('\r\n'));
  }
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
