import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoHourlyCounter } from './adapters/dynamo-hourly-counter';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { EmfMetrics } from './adapters/emf-metrics';
import { S3UploadLinks, type UploadLink } from './adapters/s3-upload-links';
import { type ApiHandler, apiHandler, apiPathPrefix, lowerCaseHeaders } from './core/api-handler';
import { type Config, readConfig, requireString, s3EndpointOverride } from './core/config';
import { BadRequestError, PayloadTooLargeError } from './core/errors';
import { success } from './core/http';
import { HourlyQuota } from './core/hourly-quota';
import { LARGE_UPLOAD_PREFIX, newImageId, objectKeyFor } from './core/ids';
import { formatLimit } from './core/formats/inspect';
import { CONTENT_TYPES } from './core/formats/registry';
import { type ImageRecords, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';

/** Extra time a pending record waits after its link expires before the sweep removes it. */
export const PENDING_GRACE_SECONDS = 15 * 60;

export interface StartUploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  readonly records: Pick<ImageRecords, 'create'>;
  readonly links: { uploadLink(key: string, options: { size?: number; maxBytes: number; expiresIn: number }): Promise<UploadLink> };
  readonly now?: () => Date;
  /** Counts refused large-upload requests and hourly 429s (accepted ones are counted by finalize). */
  readonly metrics?: Metrics;
}

export interface UploadRequest {
  readonly size?: number;
  readonly contentType?: string;
}

const ALLOWED_CONTENT_TYPES = new Set(Object.values(CONTENT_TYPES));

/** Validates the optional JSON body `{"size": <bytes>, "content_type": "image/jpeg"}`. */
export function parseUploadRequest(body: string | null, isBase64: boolean, maxBytes: number): UploadRequest {
  const text = body ? (isBase64 ? Buffer.from(body, 'base64').toString('utf8') : body) : '';
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('The body must be JSON: {"size": <bytes>, "content_type": "image/..."}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError('The body must be a JSON object');
  }
  const { size, content_type: contentType } = parsed as Record<string, unknown>;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1)) {
    throw new BadRequestError('size must be a positive integer number of bytes');
  }
  if (typeof size === 'number' && size > maxBytes) {
    throw new PayloadTooLargeError(`Image exceeds the ${formatLimit(maxBytes)} limit (${maxBytes} bytes)`);
  }
  if (contentType !== undefined && (typeof contentType !== 'string' || !ALLOWED_CONTENT_TYPES.has(contentType))) {
    throw new BadRequestError(`content_type must be one of ${[...ALLOWED_CONTENT_TYPES].join(', ')}`);
  }
  return { size: size as number | undefined, contentType: contentType as string | undefined };
}

/**
 * POST /api/images/uploads: starts a large upload. Writes a pending record first (so the
 * bytes, when they arrive, always have a record to settle) and returns a presigned upload.
 * The declared content type is advisory: the finalize step sniffs the bytes.
 */
export function createStartUploadHandler(deps: StartUploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, metrics: deps.metrics, countsRejectedUploads: 'large' }, async (event, route) => {
    const headers = lowerCaseHeaders(event.headers);
    const contentType = headers['content-type'];
    if (event.body && contentType && !/^application\/json\s*(;|$)/i.test(contentType)) {
      throw new BadRequestError('Send the upload request as application/json');
    }
    const maxBytes = deps.config.limits.maxLargeImageBytes;
    const request = parseUploadRequest(event.body, event.isBase64Encoded, maxBytes);
    const now = deps.now?.() ?? new Date();
    const expiresIn = deps.config.uploadUrlSeconds;
    const id = newImageId();
    const objectKey = objectKeyFor(id, LARGE_UPLOAD_PREFIX);
    const record = {
      id,
      accountId: route.caller.accountId,
      objectKey,
      state: 'pending' as const,
      createdAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + expiresIn + PENDING_GRACE_SECONDS,
    };
    await deps.records.create(record);
    const link = await deps.links.uploadLink(objectKey, { size: request.size, maxBytes, expiresIn });
    const upload: Record<string, unknown> = { method: link.method, url: link.url };
    if (link.headers) upload.headers = link.headers;
    if (link.fields) upload.fields = link.fields;
    upload.expires_at = new Date(now.getTime() + expiresIn * 1000).toISOString();
    upload.max_size = request.size ?? maxBytes;
    return success(201, { ...toApiImage(record, route.baseUrl), upload }, { Location: `${apiPathPrefix(event)}/api/images/${id}` });
  });
}

const config = readConfig(process.env);
const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);

export const handler = createStartUploadHandler({
  config,
  quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, requireString(process.env, 'COUNTERS_TABLE')), config.hourlyLimit),
  records: new DynamoImageRecords(dynamodb, requireString(process.env, 'IMAGES_TABLE')),
  // Signing is local computation: no S3 client (see adapters/s3-signing.ts).
  links: new S3UploadLinks({
    bucketName: requireString(process.env, 'BUCKET_NAME'),
    region: requireString(process.env, 'AWS_REGION'),
    credentials: fromEnv(),
    endpoint: s3EndpointOverride(process.env),
  }),
  metrics: new EmfMetrics(),
});
