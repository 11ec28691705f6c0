import type { Config } from './core/config';
import { deleteLinkPath, newDeleteToken } from './core/delete-links';
import type { EdgeStore } from './core/edge-entries';
import { BadRequestError } from './core/errors';
import type { HourlyQuota } from './core/hourly-quota';
import { type OwnUploadDeps, parseOnDuplicate, storeOwnUpload } from './core/duplicates';
import { type IdempotencyRecords, requestFingerprint } from './core/idempotency';
import { accessAtUpload, parseAccessChange } from './core/image-options';
import { type ImageAccess, toApiImage } from './core/images';
import type { Metrics } from './core/metrics';
import type { PublicHttp } from './core/outbound';
import { type PrivateUrlDeps, privateUrlSigner } from './core/private-urls';
import { prepareForPublishing } from './core/published-image';
import { fetchImage, URL_UPLOAD_BODY, urlOfUploadRequest } from './core/url-upload';
import { parseMetadata, parseMetadataText, type UserMetadata } from './core/user-metadata';
import { logger } from './runtime/logger';
import { dynamoDB, edgeStoreWhenNeeded, idempotencyRecords, imageObjects, imageRecordsWithTotals, keyRoute, lookups, privateUrls, s3 } from './runtime/wiring';
import { type ApiHandler, apiHandler, type RouteContext } from './transport/api-handler';
import { bodyBytes, jsonBody } from './transport/body';
import { success } from './transport/http';
import { parseImageUpload } from './transport/multipart';
import { apiPathPrefix, baseUrlFrom, headerOf } from './transport/request';
import { withTextMode } from './transport/text-mode';

export interface UploadDeps extends OwnUploadDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  /** Counts accepted and refused uploads and hourly 429s (docs/operations.md). */
  readonly metrics?: Metrics;
  /** Where `Idempotency-Key` claims live (docs/api.md#idempotent-uploads); the deployed function always has them. */
  readonly idempotency?: IdempotencyRecords;
  /** Outbound HTTPS for upload by URL; default: public addresses only, the system resolver. */
  readonly http?: PublicHttp;
  /** Private and expiring images are entered at the edge before their bytes are stored (docs/edge.md). */
  readonly edge?: EdgeStore;
  /** Signs the `url` of a private image. */
  readonly privateUrls?: PrivateUrlDeps;
  readonly now?: () => Date;
}

const isJson = (contentType: string | undefined): boolean => contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());

/** A checked image, the access its upload asked for and the account's metadata for it. */
type Checked = { readonly image: ReturnType<typeof prepareForPublishing>; readonly access: ImageAccess; readonly metadata?: UserMetadata };

/**
 * POST /api/images/upload: one image in the multipart field `image` (with the optional text
 * fields `visibility`, `expires_in` / `expires_at`, docs/edge.md, and the account's metadata as
 * JSON in the field `metadata`, docs/apps.md), or `{"url": "https://..."}` as JSON with the same
 * options as members (fetched through the outbound adapter). Either way every check of
 * docs/limits.md runs and the file's own metadata is removed before anything is stored; the answer carries the
 * image's one-time `delete_url`, in JSON or, with `Accept: text/plain`, as the URL alone.
 * `?on_duplicate=return` answers 200 with the account's image of the same bytes instead of
 * storing another (docs/apps.md).
 */
export function createUploadHandler(deps: UploadDeps): ApiHandler {
  const http = deps.http ?? publicHttpWhenNeeded();
  const now = deps.now;
  const idempotency = deps.idempotency && { records: deps.idempotency, log: deps.log, now: now && (() => now().getTime()) };
  const options = { quota: deps.quota, publicBaseUrl: deps.config.publicBaseUrl, overlapQuota: true, metrics: deps.metrics, countsRejectedUploads: 'direct', idempotency } as const;
  return withTextMode(
    apiHandler(options, async (event, route) => {
      const contentType = headerOf(event, 'content-type');
      const nowMs = (now?.() ?? new Date()).getTime();
      const onDuplicate = parseOnDuplicate(event.queryStringParameters);
      const { image, access, metadata } = isJson(contentType)
        ? await fromUrl(http, jsonBody(event, URL_UPLOAD_BODY), nowMs, route, deps)
        : await fromForm(event, contentType, nowMs, route, deps);
      const deletion = newDeleteToken();
      const stored = await storeOwnUpload(deps, route.caller.accountId, image, { metadata, onDuplicate, access, deleteTokenHash: deletion.hash });
      if ('existing' in stored) {
        const signExisting = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, [stored.existing], nowMs));
        return success(200, toApiImage(stored.existing, route.baseUrl, signExisting));
      }
      const record = stored.created;
      deps.metrics?.uploadAccepted('direct', record.size ?? image.size);
      deps.metrics?.metadataRemoved(image.metadataBytesRemoved);
      const sign = deps.privateUrls && (await privateUrlSigner(deps.privateUrls, route.caller.accountId, [record], nowMs));
      const deleteUrl = `${baseUrlFrom(event, undefined)}${deleteLinkPath(record.id, deletion.token)}`;
      return success(201, { ...toApiImage(record, route.baseUrl, sign), delete_url: deleteUrl }, { Location: `${apiPathPrefix(event)}/api/images/${record.id}` });
    }),
  );
}

/**
 * A multipart upload: parsed, checked and cleaned (while the counter is written, for a request
 * without a key), then claimed. Its fingerprint is the form's fields and the SHA-256 of the bytes
 * it would store, which the checks have just computed: a retry of the same upload stores the
 * same bytes, and no second pass over the file is needed.
 */
async function fromForm(event: Parameters<typeof bodyBytes>[0], contentType: string | undefined, nowMs: number, route: RouteContext, deps: UploadDeps): Promise<Checked> {
  const body = bodyBytes(event);
  if (body.byteLength === 0) throw new BadRequestError('The request body is empty');
  const upload = await parseImageUpload(body, contentType, { maxFileBytes: deps.config.limits.maxImageBytes });
  const metadata = parseMetadataText(upload.fields.metadata);
  const access = accessAtUpload(parseAccessChange(upload.fields, nowMs, { fromText: true }));
  // The file is a view of the body this handler decoded and reads no more: cleaned in place.
  const image = prepareForPublishing(upload.file.bytes, deps.config.limits, { overwriteInput: true });
  await route.claim(() => requestFingerprint('upload', { fields: upload.fields, sha256: image.sha256 }));
  return { image, access, metadata };
}

/** An upload by URL: its options read, then claimed and counted before anything is fetched. */
async function fromUrl(http: PublicHttp, request: Record<string, unknown>, nowMs: number, route: RouteContext, deps: UploadDeps): Promise<Checked> {
  const url = urlOfUploadRequest(request);
  const metadata = parseMetadata(request.metadata);
  const access = accessAtUpload(parseAccessChange(request, nowMs));
  await route.claim(() => requestFingerprint('upload-url', request));
  const bytes = await fetchImage(http, url, deps.config.limits.maxImageBytes);
  return { image: prepareForPublishing(bytes, deps.config.limits, { overwriteInput: true }), access, metadata };
}

/**
 * The outbound client for upload by URL, loaded on the first such upload: its public-address
 * rule (ipaddr.js) is CommonJS, which a bundle evaluates at start when imported statically, and
 * most uploads are files (docs/performance.md, cold start).
 */
function publicHttpWhenNeeded(): PublicHttp {
  let client: Promise<PublicHttp> | undefined;
  return {
    request(request) {
      client ??= import('./runtime/outbound-wiring').then(({ publicHttp }) => publicHttp());
      return client.then((c) => c.request(request));
    },
  };
}

const dynamodb = dynamoDB();
const edge = edgeStoreWhenNeeded();

export const handler = createUploadHandler({
  ...keyRoute(dynamodb),
  objects: imageObjects(s3()),
  records: imageRecordsWithTotals(dynamodb),
  lookups: lookups(dynamodb),
  idempotency: idempotencyRecords(dynamodb),
  log: logger,
  edge,
  privateUrls: privateUrls(dynamodb, process.env, edge),
});
