import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoImageRecords } from './adapters/dynamo-image-records';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { S3ViewLinks } from './adapters/s3-view-links';
import { positiveInt, requireString, DEFAULTS } from './core/config';
import { ImageNotFoundError } from './core/errors';
import { CORS_HEADERS, errorToResponse } from './core/http';
import { isImageId } from './core/ids';
import { EXTENSIONS } from './core/image-format';
import type { ImageRecords } from './core/images';
import { logger } from './core/logger';

export interface ViewImageDeps {
  readonly records: Pick<ImageRecords, 'get'>;
  readonly links: Pick<S3ViewLinks, 'viewUrl'>;
  readonly expiresIn: number;
}

/**
 * GET /image/{image_id}: the public link. Answers 302 to a short-lived presigned S3 GET that
 * forces the sniffed content type; pending, rejected and unknown images are 404.
 */
export function createViewImageHandler(deps: ViewImageDeps) {
  return async (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> => {
    if (context) logger.addContext(context);
    try {
      const id = event.pathParameters?.image_id;
      if (!isImageId(id)) throw new ImageNotFoundError();
      const record = await deps.records.get(id);
      if (!record || record.state !== 'ready' || !record.contentType || !record.format) throw new ImageNotFoundError();
      const location = await deps.links.viewUrl(record.objectKey, {
        contentType: record.contentType,
        filename: `${record.id}.${EXTENSIONS[record.format]}`,
        expiresIn: deps.expiresIn,
      });
      return {
        statusCode: 302,
        headers: {
          ...CORS_HEADERS,
          Location: location,
          // The redirect may be reused while the signature is comfortably valid.
          'Cache-Control': `private, max-age=${Math.max(0, Math.floor(deps.expiresIn / 5))}`,
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
          'Content-Type': 'application/json; charset=utf-8',
        },
        body: JSON.stringify({ status: 'success', data: { id: record.id, location } }),
      };
    } catch (error) {
      return errorToResponse(error, (message, details) => logger.error(message, details as never), {
        'X-Content-Type-Options': 'nosniff',
      });
    }
  };
}

const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);

export const handler = createViewImageHandler({
  records: new DynamoImageRecords(dynamodb, requireString(process.env, 'IMAGES_TABLE')),
  // Presigning is local computation: no S3 client. Credentials come from the environment
  // (Lambda always puts the role's there), the endpoint from the SDK's own variable.
  links: new S3ViewLinks({
    bucketName: requireString(process.env, 'BUCKET_NAME'),
    region: requireString(process.env, 'AWS_REGION'),
    credentials: fromEnv(),
    endpoint: process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
  }),
  expiresIn: positiveInt(process.env, 'IMAGER_VIEW_URL_SECONDS', DEFAULTS.viewUrlSeconds),
});
