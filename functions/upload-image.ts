import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoHourlyCounter } from './adapters/dynamo-hourly-counter';
import { DynamoAccountTotals } from './adapters/dynamo-account-totals';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { EmfMetrics } from './adapters/emf-metrics';
import { S3ImageObjects } from './adapters/s3-image-objects';
import { type ApiHandler, apiHandler, apiPathPrefix, lowerCaseHeaders } from './core/api-handler';
import { type Config, readConfig, requireString } from './core/config';
import { BadRequestError } from './core/errors';
import { success } from './core/http';
import { HourlyQuota } from './core/hourly-quota';
import { type ImageObjects, type ImageRecords, type Log, storeImage, toApiImage } from './core/images';
import { logger } from './core/logger';
import type { Metrics } from './core/metrics';
import { parseImageUpload } from './core/multipart';
import { prepareForPublishing } from './core/published-image';

export interface UploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  readonly objects: ImageObjects;
  readonly records: ImageRecords;
  readonly log: Log;
  /** Counts accepted and refused uploads and hourly 429s (README "Operations"). */
  readonly metrics?: Metrics;
}

/** The request body as bytes: API Gateway base64-encodes binary media types. */
export function bodyBytes(event: APIGatewayProxyEvent): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  if (event.isBase64Encoded) return decodeBase64(event.body);
  // A text body means API Gateway did not treat it as binary; bytes above 0x7f are already lost.
  return Buffer.from(event.body, 'latin1');
}

/** Characters decoded per call: a multiple of 4, so each piece of plain base64 decodes on its own. */
export const BASE64_PIECE_CHARS = 64 * 1024;

/**
 * `Buffer.from(text, 'base64')`, in pieces. Node copies a string it did not make itself (the
 * runtime's JSON.parse made this one) before decoding it: for a 4 MiB image that is 5.6 MB on top
 * of the 4 MiB result, at the peak of every upload. Piece by piece the copy is one piece, and the
 * decode is faster, not slower. A piece that decodes short is not plain base64 (whitespace,
 * padding inside): such a body is decoded whole, exactly as before.
 */
export function decodeBase64(text: string): Buffer {
  if (text.length <= BASE64_PIECE_CHARS) return Buffer.from(text, 'base64');
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'base64'));
  let written = 0;
  for (let start = 0; start < text.length; start += BASE64_PIECE_CHARS) {
    const last = start + BASE64_PIECE_CHARS >= text.length;
    const decoded = bytes.write(text.slice(start, start + BASE64_PIECE_CHARS), written, 'base64');
    if (!last && decoded !== (BASE64_PIECE_CHARS / 4) * 3) return Buffer.from(text, 'base64');
    written += decoded;
  }
  return bytes.subarray(0, written);
}

/** POST /api/images/upload: one image in the multipart field `image`. */
export function createUploadHandler(deps: UploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics, countsRejectedUploads: 'direct' }, async (event, route) => {
    const body = bodyBytes(event);
    if (body.byteLength === 0) throw new BadRequestError('The request body is empty');
    const upload = await parseImageUpload(body, lowerCaseHeaders(event.headers)['content-type'], {
      maxFileBytes: deps.config.limits.maxImageBytes,
    });
    // The file is a view of the body this handler decoded and reads no more: cleaned in place.
    const image = prepareForPublishing(upload.file.bytes, deps.config.limits, { overwriteInput: true });
    await route.admitted;
    const record = await storeImage(deps, route.caller.accountId, image);
    deps.metrics?.uploadAccepted('direct', record.size ?? image.size);
    deps.metrics?.metadataRemoved(image.metadataBytesRemoved);
    return success(201, toApiImage(record, route.baseUrl), { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
  });
}

const config = readConfig(process.env);
const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);
const s3 = new S3Client(API_CLIENT_OPTIONS);

export const handler = createUploadHandler({
  config,
  quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, requireString(process.env, 'COUNTERS_TABLE')), config.hourlyLimit),
  objects: new S3ImageObjects(s3, requireString(process.env, 'BUCKET_NAME')),
  records: new DynamoImageRecords(
    dynamodb,
    requireString(process.env, 'IMAGES_TABLE'),
    new DynamoAccountTotals(dynamodb, requireString(process.env, 'COUNTERS_TABLE')),
  ),
  log: logger,
  metrics: new EmfMetrics(),
});
