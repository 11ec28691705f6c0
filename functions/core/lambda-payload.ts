/**
 * Lambda's limit on a synchronous event, and what it leaves for a direct upload's image
 * (docs/limits.md). No settings here: functions/core/config.ts checks IMAGER_MAX_IMAGE_BYTES
 * against these.
 */

/**
 * Lambda refuses a synchronous invocation whose request payload (the JSON-serialised event) is
 * over 6 MB (6,291,456 bytes); API Gateway then answers 413 `{"message":"Request Too Long"}`
 * before any of our code runs.
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * What a direct upload's event holds besides the base64 image: the multipart framing (boundary
 * lines, part headers, a file name of up to a few hundred bytes) and the REST v1 proxy event
 * itself (request headers twice, as `headers` and `multiValueHeaders`, up to API Gateway's
 * 10 KB header limit each, plus the request context and authorizer context, ~2 KB).
 * 64 KiB leaves room for all of it with margin.
 */
export const EVENT_HEADROOM_BYTES = 64 * 1024;

/**
 * The largest `IMAGER_MAX_IMAGE_BYTES` whose upload still fits in Lambda's payload: base64
 * turns 3 bytes into 4 characters, plus {@link EVENT_HEADROOM_BYTES}. 4,669,440 bytes.
 */
export const MAX_DIRECT_IMAGE_BYTES = Math.floor((LAMBDA_SYNC_PAYLOAD_BYTES - EVENT_HEADROOM_BYTES) / 4) * 3;
