import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { imageOfDeleteLink } from './core/delete-links';
import { confirmationPage, DELETE_PAGE_HEADERS, deletedPage, invalidLinkPage } from './core/delete-page';
import { ImageNotFoundError } from './core/errors';
import { dropLookups, type ImageLookups, lookupsOf } from './core/image-lookups';
import { deleteImage, type ImageObjects, type ImageRecord, type Log } from './core/images';
import { logger } from './runtime/logger';
import { dynamoDB, imageObjects, imageRecordsWithTotals, lookups, s3 } from './runtime/wiring';
import { errorResponse, invoke } from './transport/invocation';

export interface DeleteByLinkDeps {
  readonly records: {
    get(id: string): Promise<ImageRecord | undefined>;
    delete(id: string, accountId: string): Promise<boolean>;
  };
  readonly objects: Pick<ImageObjects, 'delete'>;
  /** The image's lookups (metadata, similarity), removed after its record (core/image-lookups.ts). */
  readonly lookups?: Pick<ImageLookups, 'delete'>;
  /** Where lookups that could not be removed are reported; default: the function's logger. */
  readonly log?: Pick<Log, 'warn'>;
}

/**
 * GET and POST /api/images/{image_id}/delete/{token}, no key (docs/api.md#delete-links): GET
 * shows the confirmation page and never deletes (link previews, scanners and prefetching open
 * links); the page's form POSTs to the same link, which deletes the image the way a keyed
 * DELETE does (object, then record). A link that names nothing (wrong token, deleted image) is
 * a 404 page either way.
 */
export function createDeleteByLinkHandler(deps: DeleteByLinkDeps) {
  const page = (statusCode: number, body: string): APIGatewayProxyResult => ({ statusCode, headers: { ...DELETE_PAGE_HEADERS }, body });
  return (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> =>
    invoke({
      requestId: event.requestContext?.requestId,
      context,
      work: async () => {
        const record = await imageOfDeleteLink(deps.records, event.pathParameters?.image_id, event.pathParameters?.token);
        if (event.httpMethod !== 'POST') return page(200, confirmationPage(record));
        await deleteImage(deps, record);
        await dropLookups(deps.lookups, lookupsOf(record), deps.log ?? logger);
        return page(200, deletedPage());
      },
      recover: (error) => {
        if (error instanceof ImageNotFoundError) return page(404, invalidLinkPage());
        // Storage trouble: the envelope's 503 (with Retry-After) or generic 500, as every route answers.
        return errorResponse(error);
      },
    });
}

const dynamodb = dynamoDB();

export const handler = createDeleteByLinkHandler({
  records: imageRecordsWithTotals(dynamodb),
  objects: imageObjects(s3()),
  lookups: lookups(dynamodb),
});
