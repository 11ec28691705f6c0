import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readConfig } from './core/config';
import { isImageId } from './core/ids';
import { publicUrl } from './core/images';
import { errorBody, json, success } from './transport/http';
import { baseUrlFrom, searchOf } from './transport/request';

export interface ViewImageDeps {
  /** The delivery base (the CDN or a custom domain); on AWS the stack always sets it. */
  readonly publicBaseUrl: string | undefined;
}

/**
 * GET /image/{image_id} on the API's own domain: links made before delivery moved to the CDN
 * keep working with a permanent redirect to the same image there, query (transforms) included.
 * No storage is read: the CDN answers 404 for an id that is not a published image, so this
 * function costs no table or bucket access and cannot be used to probe ids.
 */
export function createViewImageHandler(deps: ViewImageDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const id = event.pathParameters?.image_id;
    if (!isImageId(id)) return json(404, errorBody('Image not found'), { 'X-Content-Type-Options': 'nosniff' });
    const location = `${publicUrl(baseUrlFrom(event, deps.publicBaseUrl), id)}${searchOf(event)}`;
    return success(
      301,
      { id, url: location },
      // The target never changes for an id: browsers and caches may keep the redirect.
      { Location: location, 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' },
    );
  };
}

export const handler = createViewImageHandler({ publicBaseUrl: readConfig(process.env).publicBaseUrl });
