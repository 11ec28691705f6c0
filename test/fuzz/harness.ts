import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoHourlyCounter } from '../../functions/adapters/dynamo-hourly-counter';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { DynamoKeyStore } from '../../functions/adapters/dynamo-key-store';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';
import type { createAuthorizer } from '../../functions/authorizer';
import { DEFAULTS, readConfig } from '../../functions/core/config';
import { prepareForPublishing } from '../../functions/core/published-image';
import { HourlyQuota } from '../../functions/core/hourly-quota';
import type { ImageRecord } from '../../functions/core/images';
import { logger } from '../../functions/runtime/logger';
import type { UploadDeps } from '../../functions/upload-image';
import { LOCAL_RESOURCES } from '../../local/emulators';
import { KeyAdmin } from '../../scripts/key-admin';
import { startTestApi, type TestApi } from '../support/local-api';
import { listObjectKeys, scanTable } from '../support/storage';
import type { Expected, UploadCase } from './cases';
import { checkedFetch } from '../support/contract';

/** Limits raised so that thousands of requests in a minute are never throttled or counted out. */
export const FUZZ_ENV: Record<string, string> = {
  IMAGER_HOURLY_LIMIT: '1000000000',
  IMAGER_THROTTLE_RATE: '1000000',
  IMAGER_THROTTLE_BURST: '1000000',
  IMAGER_DAILY_QUOTA: '1000000000',
};

export interface Response {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface HandlerFactories {
  readonly createUploadHandler: (deps: UploadDeps) => (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  readonly createAuthorizer: typeof createAuthorizer;
}

/** Counts the writes a request attempted, around the real adapters. */
export class WriteCounter {
  puts = 0;
  creates = 0;
  reset(): void {
    this.puts = 0;
    this.creates = 0;
  }
}

/**
 * The whole local API (emulators, gateway, handler modules) plus an in-process upload handler
 * built from the real factory with the real S3/DynamoDB adapters on the same emulators, whose
 * writes are counted. Most fuzz cases go through the in-process handler (fast); a share goes over
 * HTTP through the gateway.
 */
export class FuzzHarness {
  readonly writes = new WriteCounter();
  private readonly uploadHandler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  private readonly authorize: ReturnType<typeof createAuthorizer>;

  private constructor(
    readonly api: TestApi,
    readonly s3: S3Client,
    readonly dynamodb: DynamoDBClient,
    readonly keys: { active: string; revoked: string },
    factories: HandlerFactories,
  ) {
    const { createUploadHandler, createAuthorizer } = factories;
    const config = readConfig(process.env);
    const objects = new S3ImageObjects(s3, LOCAL_RESOURCES.bucketName);
    const records = new DynamoImageRecords(dynamodb, LOCAL_RESOURCES.imagesTable);
    const writes = this.writes;
    this.uploadHandler = createUploadHandler({
      config,
      quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, LOCAL_RESOURCES.countersTable), config.hourlyLimit),
      objects: {
        put: (key, bytes, type) => {
          writes.puts += 1;
          return objects.put(key, bytes, type);
        },
        delete: (key) => objects.delete(key),
      },
      records: {
        create: (record) => {
          writes.creates += 1;
          return records.create(record);
        },
        get: (id) => records.get(id),
      },
      log: logger,
    });
    this.authorize = createAuthorizer({ keys: new DynamoKeyStore(dynamodb, LOCAL_RESOURCES.keysTable) });
  }

  static async start(): Promise<FuzzHarness> {
    const api = await startTestApi(FUZZ_ENV);
    // Handler modules build their clients from the environment at import: only after the API set it.
    const factories: HandlerFactories = {
      createUploadHandler: (await import('../../functions/upload-image')).createUploadHandler,
      createAuthorizer: (await import('../../functions/authorizer')).createAuthorizer,
    };
    const s3 = new S3Client({ endpoint: api.emulators.s3Endpoint, forcePathStyle: true });
    const dynamodb = new DynamoDBClient({ endpoint: api.emulators.dynamodbEndpoint });
    const admin = new KeyAdmin(new DynamoKeyStore(dynamodb, LOCAL_RESOURCES.keysTable));
    const revoked = await admin.create('fuzz-revoked');
    await admin.revoke(revoked.keyId);
    return new FuzzHarness(api, s3, dynamodb, { active: api.devKey, revoked: revoked.key }, factories);
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    this.dynamodb.destroy();
    await this.api.stop();
  }

  /** POST /api/images/upload through the real upload handler, in process, as API Gateway would invoke it. */
  async uploadInProcess(c: UploadCase): Promise<Response> {
    const headers: Record<string, string> = { Host: '127.0.0.1' };
    if (c.contentType !== undefined) headers['Content-Type'] = c.contentType;
    const event = {
      resource: '/api/images/upload',
      path: '/api/images/upload',
      httpMethod: 'POST',
      headers,
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      requestContext: {
        requestId: 'fuzz',
        path: '/api/images/upload',
        authorizer: { accountId: 'acct_fuzz', keyId: 'key_fuzz' },
      },
      body: c.body.byteLength === 0 ? null : c.body.toString('base64'),
      isBase64Encoded: c.body.byteLength > 0,
    } as unknown as APIGatewayProxyEvent;
    const result = await this.uploadHandler(event);
    return { statusCode: result.statusCode, headers: stringHeaders(result.headers), body: result.body };
  }

  /** The same request over HTTP through the local gateway (authorizer, usage plan, binary media types). */
  async uploadOverHttp(c: UploadCase, authorization = `Bearer ${this.api.devKey}`): Promise<Response> {
    const headers: Record<string, string> = { Authorization: authorization };
    if (c.contentType !== undefined) headers['Content-Type'] = c.contentType;
    // Checked against openapi.yaml: every fuzzed answer must be a documented one.
    const response = await checkedFetch(`${this.api.url}/api/images/upload`, { method: 'POST', headers, body: c.body });
    return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  }

  /** The TOKEN authorizer (real handler factory, real key store): Allow, or throws "Unauthorized". */
  async authorizeToken(token: string): Promise<'allow' | 'unauthorized'> {
    try {
      const result = await this.authorize({ type: 'TOKEN', authorizationToken: token, methodArn: 'arn:aws:execute-api:local:0:api/local/POST/api/images/upload' });
      assert.equal(result.policyDocument.Statement[0] && (result.policyDocument.Statement[0] as { Effect: string }).Effect, 'Allow');
      return 'allow';
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') return 'unauthorized';
      throw error;
    }
  }

  /** Every object key in the bucket and every image record id. */
  async stored(): Promise<{ objects: string[]; records: string[] }> {
    const objects = await listObjectKeys(this.s3, LOCAL_RESOURCES.bucketName);
    const records = (await scanTable(this.dynamodb, LOCAL_RESOURCES.imagesTable)).map((item) => item.id.S!);
    return { objects, records };
  }

  async assertNothingStored(): Promise<void> {
    const { objects, records } = await this.stored();
    assert.deepEqual(objects, [], `objects left in the bucket: ${objects.join(', ')}`);
    assert.deepEqual(records, [], `records left in the table: ${records.join(', ')}`);
  }

  async getObject(key: string): Promise<{ bytes: Buffer; contentType: string | undefined }> {
    const result = await this.s3.send(new GetObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: key }));
    return { bytes: Buffer.from(await result.Body!.transformToByteArray()), contentType: result.ContentType };
  }

  async record(id: string): Promise<ImageRecord | undefined> {
    return new DynamoImageRecords(this.dynamodb, LOCAL_RESOURCES.imagesTable).get(id);
  }

  /** Cleans up after an unexpected 201 (the failure is reported by the caller). */
  async removeCreated(body: Record<string, unknown>): Promise<void> {
    const id = (body.data as { id?: unknown } | undefined)?.id;
    const record = typeof id === 'string' ? await this.record(id) : undefined;
    if (record) await this.remove(record);
  }

  /** Removes what a 201 created, so the next batch starts from an empty store. */
  async remove(record: ImageRecord): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: LOCAL_RESOURCES.bucketName, Key: record.objectKey }));
    await this.dynamodb.send(new DeleteItemCommand({ TableName: LOCAL_RESOURCES.imagesTable, Key: { id: { S: record.id } } }));
  }

  /**
   * Checks a response against what the case expects. A refusal: that 4xx, the envelope, and no
   * write attempted (when `writes` is counted, i.e. in process). A 201: the image as docs/api.md
   * shows it, the object holding exactly the bytes sent under the sniffed type, and its record;
   * both are removed afterwards.
   */
  async check(c: UploadCase, response: Response, options: { countedWrites: boolean }): Promise<void> {
    const context = `${c.label}: got ${response.statusCode} ${response.body.slice(0, 300)}`;
    assert.equal(response.headers['content-type'] ?? response.headers['Content-Type'], 'application/json; charset=utf-8', context);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    await checkExpected(this, c.expected, response.statusCode, body, context, options.countedWrites);
  }
}

async function checkExpected(
  harness: FuzzHarness,
  expected: Expected,
  status: number,
  body: Record<string, unknown>,
  context: string,
  countedWrites: boolean,
): Promise<void> {
  if (expected.kind === 'refused') {
    if (status === 201) await harness.removeCreated(body); // keep the next property's store clean
    const statuses: readonly number[] = typeof expected.status === 'number' ? [expected.status] : expected.status;
    assert.ok(statuses.includes(status), `${context}: got ${status}, expected ${statuses.join(' or ')}`);
    assertErrorEnvelope(body, context);
    if (typeof expected.message === 'string') assert.equal(body.message, expected.message, context);
    else if (expected.message) assert.match(body.message as string, expected.message, context);
    if (countedWrites) {
      assert.equal(harness.writes.puts, 0, `${context}: an object was written`);
      assert.equal(harness.writes.creates, 0, `${context}: a record was written`);
    }
    return;
  }
  assert.equal(status, 201, context);
  assert.deepEqual(Object.keys(body).sort(), ['data', 'status'], context);
  assert.equal(body.status, 'success', context);
  const data = body.data as Record<string, unknown>;
  const { image } = expected;
  // What is stored is what was sent with its metadata removed (pixels untouched): docs/metadata.md.
  const stored = prepareForPublishing(image.bytes, { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels });
  assert.equal(data.format, image.format, context);
  assert.equal(data.content_type, image.contentType, context);
  assert.equal(data.width, image.width, context);
  assert.equal(data.height, image.height, context);
  assert.equal(data.size, stored.size, context);
  assert.equal(data.sha256, stored.sha256, context);
  assert.match(data.id as string, /^[A-Za-z0-9_-]{22}$/, context);
  const record = await harness.record(data.id as string);
  assert.ok(record, `${context}: no record for a 201`);
  assert.equal(record.objectKey, `images/${data.id as string}`, context);
  const object = await harness.getObject(record.objectKey);
  assert.equal(sha256(object.bytes), stored.sha256, `${context}: stored bytes are not the bytes sent less their metadata`);
  assert.equal(object.contentType, image.contentType, `${context}: stored Content-Type is not the sniffed one`);
  if (countedWrites) {
    assert.equal(harness.writes.puts, 1, context);
    assert.equal(harness.writes.creates, 1, context);
  }
  await harness.remove(record);
}

/** Exactly `{"status":"error","message":"<non-empty>"}`, nothing else. */
export function assertErrorEnvelope(body: Record<string, unknown>, context = ''): void {
  assert.deepEqual(Object.keys(body).sort(), ['message', 'status'], context);
  assert.equal(body.status, 'error', context);
  assert.equal(typeof body.message, 'string', context);
  assert.ok((body.message as string).length > 0, context);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function stringHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = String(value);
  return result;
}
