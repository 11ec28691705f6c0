import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoHourlyCounter } from './adapters/dynamo-hourly-counter';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { S3ImageObjects } from './adapters/s3-image-objects';
import { type ApiHandler, apiHandler, lowerCaseHeaders } from './core/api-handler';
import { type Config, readConfig, requireString } from './core/config';
import { BadRequestError } from './core/errors';
import { success } from './core/http';
import { HourlyQuota } from './core/hourly-quota';
import { inspectImage } from './core/image-format';
import { type ImageObjects, type ImageRecords, type Log, storeImage, toApiImage } from './core/images';
import { logger } from './core/logger';
import { parseImageUpload } from './core/multipart';

export interface UploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  readonly objects: ImageObjects;
  readonly records: ImageRecords;
  readonly log: Log;
}

/** The request body as bytes: API Gateway base64-encodes binary media types. */
export function bodyBytes(event: APIGatewayProxyEvent): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  if (event.isBase64Encoded) return Buffer.from(event.body, 'base64');
  // A text body means API Gateway did not treat it as binary; bytes above 0x7f are already lost.
  return Buffer.from(event.body, 'latin1');
}

/** POST /api/images/upload: one image in the multipart field `image`. */
export function createUploadHandler(deps: UploadDeps): ApiHandler {
  return apiHandler({ quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true }, async (event, route) => {
    const body = bodyBytes(event);
    if (body.byteLength === 0) throw new BadRequestError('The request body is empty');
    const upload = await parseImageUpload(body, lowerCaseHeaders(event.headers)['content-type'], {
      maxFileBytes: deps.config.limits.maxImageBytes,
    });
    const bytes = upload.file.bytes;
    const info = inspectImage({ head: bytes, tail: bytes, size: bytes.byteLength }, deps.config.limits);
    await route.admitted;
    const record = await storeImage(deps, route.caller.accountId, bytes, info);
    return success(201, toApiImage(record, route.baseUrl), { Location: `/api/images/${record.id}` });
  });
}

const config = readConfig(process.env);
const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);
const s3 = new S3Client(API_CLIENT_OPTIONS);

export const handler = createUploadHandler({
  config,
  quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, requireString(process.env, 'COUNTERS_TABLE')), config.hourlyLimit),
  objects: new S3ImageObjects(s3, requireString(process.env, 'BUCKET_NAME')),
  records: new DynamoImageRecords(dynamodb, requireString(process.env, 'IMAGES_TABLE')),
  log: logger,
});
