/**
 * Generated from openapi.yaml by openapi-typescript (`npm run openapi`). Do not edit: the tests
 * fail when this file differs from a fresh generation.
 */

export interface paths {
    "/api/images/upload": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload an image
         * @description Upload an image to the platform. You must send the image as part of the request body in
         *     multipart/form-data format.
         *
         *     Send exactly one file, in the field `image`, of at most 4 MiB (the `IMAGER_MAX_IMAGE_BYTES`
         *     setting). The format is sniffed from the bytes (never from the file name or its
         *     Content-Type): JPEG, PNG, GIF, WebP, AVIF, BMP or TIFF, at most 100,000,000 pixels.
         *     Metadata (EXIF, XMP, IPTC, comments) is removed before the image is stored. Larger images
         *     go through `POST /api/images/uploads`.
         *
         *     Your own metadata goes in the form field `metadata`, a JSON object of strings (see
         *     `Metadata`). When you already hold an image with exactly these bytes (the same
         *     `sha256`), the new one names it in `duplicate_of`; with `?on_duplicate=return` nothing is
         *     stored and the answer is `200` with the image you already have.
         *
         *         curl -X POST -H "Authorization: Bearer YOUR_API_KEY" -F "image=@/path/to/your/image.jpg" https://api.imager.com/api/images/upload
         *
         *     **Upload by URL**: send `{"url": "https://..."}` as `application/json` instead, with
         *     `visibility`, `expires_in`, `expires_at` or `metadata` (an object) as members if wanted,
         *     and Imager fetches the image: HTTPS only, public addresses only (checked after DNS
         *     resolution and on every redirect, at most 3), within 6 s and the same size limit; then
         *     every check above. A URL that is not https, a host that is or resolves to a loopback,
         *     private, link-local or metadata address, too many redirects, a fetch that fails or times
         *     out: `400`.
         *
         *     **Text mode**: with `Accept: text/plain` the `201` (or `200`) body is the image's URL
         *     alone, and an error keeps its status with its message alone as the body (for
         *     `flameshot gui -r | curl ...` and shell scripts).
         *
         *     **Delete link**: the `201` carries `delete_url`, shown this once: opening it shows a
         *     confirmation page, whose button deletes the image without a key.
         *
         *     **Idempotency-Key**: send one (a UUID) with the upload and with every retry of it: a retry
         *     within 24 hours answers the first response again (`Idempotent-Replayed: true`) without a
         *     second image or a second count against the hour.
         */
        post: operations["uploadImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/images/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a large upload
         * @description For images over the direct-upload limit (up to 50 MiB): creates a pending image and
         *     answers a presigned S3 upload. Send the bytes the way `upload` says (`PUT` with its
         *     `headers`, or a `POST` form with its `fields` and the file last, in the field `file`)
         *     before `expires_at`. The image becomes `ready` once the bytes passed the same checks as
         *     a direct upload (or `rejected`, with a `reason`); poll `GET /api/images/{image_id}`.
         *     Both body fields are optional; `size` binds the upload to exactly that many bytes.
         *
         *     With `"multipart": true` (and `size`) the upload is resumable: `upload` then says how to cut
         *     the file into parts (`part_size`, `part_count`) instead of giving one URL. Sign the parts
         *     (`POST /api/images/{image_id}/upload/parts`), `PUT` each to its URL, then complete the
         *     upload (`POST /api/images/{image_id}/upload/complete`); after an interruption,
         *     `GET /api/images/{image_id}/upload/parts` lists what arrived, so only the rest is sent
         *     again. The upload stays open for 24 hours; `DELETE /api/images/{image_id}/upload` abandons it.
         *
         *     Either way the answer carries the image's `delete_url` (shown this once), and an
         *     `Idempotency-Key` makes a retry answer the first response again (the same upload, started
         *     once), as for a direct upload.
         */
        post: operations["startUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List your images
         * @description Your images, newest first, a page at a time. Pass `next_cursor` back as `cursor` for the next page; it is `null` on the last.
         */
        get: operations["listImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/images/{image_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        /**
         * Get image details
         * @description Fetch the details of an uploaded image using its unique ID. Another account's image is
         *     answered exactly like an unknown one.
         *
         *         curl -X GET -H "Authorization: Bearer YOUR_API_KEY" https://api.imager.com/api/images/12345
         */
        get: operations["getImage"];
        put?: never;
        post?: never;
        /**
         * Delete an image
         * @description Deletes the record, the stored bytes and every variant. The public URL answers `404` at once locally and within seconds at every edge on AWS (the id enters the edge's deny-list; no cache invalidation is made).
         */
        delete: operations["deleteImage"];
        options?: never;
        head?: never;
        /**
         * Change an image's visibility, expiry or metadata
         * @description Any of these fields, in one request and one write of the image's record; a field left out
         *     stays as it is, and an unknown field is refused.
         *
         *     `metadata` replaces the image's metadata whole (`null` or `{}` removes it; docs/apps.md).
         *
         *     `visibility`: `private` makes the public URL answer only with a valid signature of the
         *     account (unsigned: `404`, as for an image that does not exist); `public` opens it again.
         *     `expires_at` (or `expires_in` seconds) sets when the URL starts answering `404` and the
         *     image is removed (within the hour); `"expires_at": null` removes an expiry. The edge
         *     applies a change within seconds. The answer is the image; a private image's `url` is
         *     signed for `IMAGER_PRIVATE_URL_SECONDS`.
         *
         *         curl -X PATCH -H "Authorization: Bearer YOUR_API_KEY" -H "Content-Type: application/json" -d '{"visibility":"private","metadata":{"user":"42"}}' https://api.imager.com/api/images/12345
         */
        patch: operations["updateImage"];
        trace?: never;
    };
    "/api/images/{image_id}/similar": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        /**
         * List near-identical images
         * @description Your other images that look nearly the same as this one (the same picture re-encoded,
         *     resized, converted or lightly edited): their 64-bit perceptual hashes differ in at most
         *     `max_distance` (7) bits. Nearest first, at most 50. `analyzed` is `false` (and the list
         *     empty) while this image's hash is not computed yet, moments after it was stored.
         */
        get: operations["listSimilarImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/images/{image_id}/upload/parts": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        /**
         * List the uploaded parts (resume)
         * @description The parts S3 holds of an open multipart upload, with their `etag` and `size`. To resume an
         *     interrupted upload, send only the parts missing from this list, then complete it.
         *
         *         curl -H "Authorization: Bearer YOUR_API_KEY" https://api.imager.com/api/images/7Yq2mN0c4TzP1aXbK9eLwQ/upload/parts
         */
        get: operations["listUploadParts"];
        put?: never;
        /**
         * Sign part uploads (resumable upload)
         * @description For a multipart upload (started with `"multipart": true`): a presigned `PUT` URL for each
         *     asked part, each bound to the part's exact length (`part_size`, the rest for the last part).
         *     Send part `n` as bytes `(n-1) × part_size` up to `n × part_size` of the file, and keep the
         *     `ETag` header S3 answers with. Without a body every part is signed (at most 100 at a time).
         *     The URLs expire at `expires_at` (15 minutes); sign a part again whenever you need, for as
         *     long as the upload is open (24 hours from its start).
         *
         *         curl -X POST -H "Authorization: Bearer YOUR_API_KEY" -H "Content-Type: application/json" \
         *           -d '{"part_numbers":[1,2]}' https://api.imager.com/api/images/7Yq2mN0c4TzP1aXbK9eLwQ/upload/parts
         */
        post: operations["signUploadParts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/images/{image_id}/upload/complete": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete a resumable upload
         * @description S3 assembles the parts into the upload, and Imager then checks it like any upload (format,
         *     size, pixels; metadata removed) before it is published. List every part, 1 to
         *     `part_count` in order, with the `ETag` S3 answered its `PUT` with; without a body the parts
         *     S3 holds are used (all of them must be there). Answers `202` with the image, still
         *     `pending`: poll `GET /api/images/{image_id}` until it is `ready` or `rejected`.
         *
         *         curl -X POST -H "Authorization: Bearer YOUR_API_KEY" https://api.imager.com/api/images/7Yq2mN0c4TzP1aXbK9eLwQ/upload/complete
         */
        post: operations["completeUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/images/{image_id}/upload": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Abort a resumable upload
         * @description Abandons an open multipart upload: S3 discards its parts and the pending image is removed
         *     (`GET` answers `404` afterwards). A completed upload is not undone (`409`); delete the image
         *     instead. Uploads left open are aborted 24 hours after they started.
         *
         *         curl -X DELETE -H "Authorization: Bearer YOUR_API_KEY" https://api.imager.com/api/images/7Yq2mN0c4TzP1aXbK9eLwQ/upload
         */
        delete: operations["abortUpload"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/image/{image_id}": {
        parameters: {
            query?: {
                /** @description Width of the variant in pixels; with only one of `w` and `h` the aspect ratio is kept. Never enlarged past the original. */
                w?: components["parameters"]["TransformWidth"];
                /** @description Height of the variant in pixels. */
                h?: components["parameters"]["TransformHeight"];
                /** @description How the picture fits a `w` x `h` box (with both sides given). */
                fit?: components["parameters"]["TransformFit"];
                /** @description Output format. `auto` picks AVIF if `Accept` lists `image/avif`, else WebP if it lists `image/webp`, else the original's (the response then has `Vary: Accept`). */
                format?: components["parameters"]["TransformFormat"];
                /** @description Quality of lossy output formats. */
                q?: components["parameters"]["TransformQuality"];
                /** @description Which of the account's signing secrets signed the URL (docs/edge.md). */
                kid?: components["parameters"]["SignatureKid"];
                /** @description Unix seconds after which the signature is refused (optional; signed too). */
                exp?: components["parameters"]["SignatureExp"];
                /** @description base64url (no padding) of HMAC-SHA256(secret, `/image/<id>?<every other parameter as name=value, sorted by name, joined by &>`). Not part of the cache key. */
                sig?: components["parameters"]["Signature"];
            };
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        /**
         * The public URL of an image
         * @description The `url` of an image: its bytes, for anyone, from the CDN (locally from the local API,
         *     which serves `/image/` the way the CDN does). With transform parameters it answers a
         *     variant, rendered once and then cached. Any other parameter, a value out of range or a
         *     repeated parameter is a `400`. Unknown, deleted, expired, pending or rejected images are
         *     `404`, and so is a private image without a valid signature of its account.
         *
         *     Without a signature only the presets render (`w` or `h` of 64, 128, 256, 512, 1024, 2048,
         *     any `format`, no `fit`, no `q`: the `IMAGER_UNSIGNED_*` settings); anything else is `403`
         *     `Signature required`. A signature (`kid`, optional `exp`, `sig`: see docs/edge.md) that is
         *     wrong, tampered, of an unknown key or past `exp` is `403` `Invalid signature`.
         *
         *     On AWS, the API's own domain answers this path with a `301` to the CDN URL, so links made
         *     before the CDN existed keep working.
         */
        get: operations["viewImage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Headers of the public URL
         * @description Same as `GET`, without the body.
         */
        head: operations["headImage"];
        patch?: never;
        trace?: never;
    };
    "/api/account": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your account and usage
         * @description The signed-in person's account, this hour's usage and the images stored.
         */
        get: operations["getAccount"];
        put?: never;
        post?: never;
        /**
         * Delete your account
         * @description Deletes the account and everything of it: its keys are revoked before the answer (they
         *     stop working at once), then, in the background, every image (each through the normal
         *     removal: its URL answers 404 at the edge within seconds, its variants and CDN copies go),
         *     their records, lookups and analysis, the exports, signing secrets, counters and key
         *     records, the sign-in (the Cognito user) and the account itself
         *     (docs/account-deletion.md). Confirmed with the account's password. Answers `202` with
         *     where the deletion stands (`Location`: `/api/account/deletion`, to follow it); asking
         *     again answers the same and resumes a deletion that stopped. From the first `202` on,
         *     every other account route answers `410`.
         */
        delete: operations["deleteAccount"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your API keys
         * @description Every key of the account, active and revoked, without the secrets (those are shown once, at creation).
         */
        get: operations["listAccountKeys"];
        put?: never;
        /**
         * Create an API key
         * @description A new named key. Its secret (`key`) is in this response only; it is stored as a hash and cannot be shown again. An account has at most 10 active keys.
         */
        post: operations["createAccountKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/keys/{key_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description The key stops working at once (within the authorizer's cache time on AWS) and stays listed as `revoked`.
         */
        delete: operations["revokeAccountKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your exports
         * @description Your exports of the last 7 days, newest first (at most 10).
         */
        get: operations["listAccountExports"];
        put?: never;
        /**
         * Export your images
         * @description Starts building a zip of all your images as stored (byte for byte what their `url`
         *     serves) with `records.json`, their records. Built in the background: poll the export
         *     (`Location`) until it is `ready`, then download its `url`, a link that expires within an
         *     hour (ask again for a fresh one). Exports are kept 7 days. While one is being built, this
         *     answers that one instead of starting another. One export holds at most 10 GiB of images.
         */
        post: operations["startAccountExport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/export/{export_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An export's state and link
         * @description The export: `pending`, `building`, `ready` (with a download `url` that expires at `url_expires_at`), `failed` (with a `reason`), or `expired`.
         */
        get: operations["getAccountExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This description
         * @description The OpenAPI 3.1 description of every route, as JSON, with `servers` naming the URL it was fetched from. No key needed.
         */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * API reference page
         * @description This reference, rendered (Redoc; every asset is served by the API itself, nothing from a third-party CDN).
         */
        get: operations["getDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Web console
         * @description The web console (sign up, sign in, usage, API keys, images). On AWS served from the CDN distribution.
         */
        get: operations["getConsole"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/signing-secrets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your URL-signing secrets
         * @description The account's secrets for signing public URLs (docs/edge.md), newest first, by `kid`. The values are shown once, when a secret is created.
         */
        get: operations["listSigningSecrets"];
        put?: never;
        /**
         * Create (rotate) a URL-signing secret
         * @description A new secret; its value (`secret`) is in this response only. An account has two at
         *     most: with two already, the older one is retired (`retired`) and URLs signed with it
         *     answer `403` from then on. Sign new URLs with the new `kid` and keep the previous one
         *     until the next rotation.
         */
        post: operations["createSigningSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/signing-secrets/{kid}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a URL-signing secret
         * @description URLs signed with it answer `403` at every edge within seconds.
         */
        delete: operations["revokeSigningSecret"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your webhook endpoints
         * @description The account's endpoints (docs/webhooks.md), oldest first, without their secrets.
         */
        get: operations["listWebhookEndpoints"];
        put?: never;
        /**
         * Register a webhook endpoint
         * @description An `https://` URL (no user name or password; its host must resolve to public addresses
         *     only, now and at every delivery) and the events it wants. The signing secret
         *     (`whsec_...`, Standard Webhooks) is in this response only. At most 10 endpoints.
         */
        post: operations["createWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/webhooks/{endpoint_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a webhook endpoint
         * @description The endpoint and its delivery log; deliveries still queued for it are dropped.
         */
        delete: operations["deleteWebhookEndpoint"];
        options?: never;
        head?: never;
        /**
         * Change a webhook endpoint
         * @description Any of `url`, `events` and `enabled`; the others stay. A disabled endpoint gets no new deliveries, and its pending ones are kept as failed.
         */
        patch: operations["updateWebhookEndpoint"];
        trace?: never;
    };
    "/api/account/webhooks/{endpoint_id}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a webhook endpoint's secret
         * @description A new secret, in this response only; every attempt from now on (retries of earlier deliveries included) is signed with it alone.
         */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/webhooks/{endpoint_id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An endpoint's delivery log
         * @description Its deliveries, newest first, a page at a time (`next_cursor`); finished ones are kept for 30 days.
         */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deliver again
         * @description A failed (or succeeded) delivery is tried again from the start of the retry schedule, with the same `webhook-id` and body and the endpoint's current secret.
         */
        post: operations["redeliverWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account/deletion": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your account's deletion
         * @description Where the deletion of your account stands: `none` (not asked for), `deleting` (with the
         *     step under way and how many of the steps are done) or `deleted`. Answers for a day after
         *     the deletion finished, as long as the session's ID token is valid.
         */
        get: operations["getAccountDeletion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/images/{image_id}/delete/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
                /**
                 * @description The delete link's token (256 random bits, base64url), shown only in the upload's answer.
                 * @example Q2xpY2sgdGhlIGxpbmsgdG8gZGVsZXRlIGl0IG9uY2U
                 */
                token: components["parameters"]["DeleteToken"];
            };
            cookie?: never;
        };
        /**
         * Delete link (confirmation page)
         * @description The `delete_url` of an upload, for tools that can only open a link (ShareX's deletion
         *     URL): a page that says what will be deleted, with one button. Opening it never deletes
         *     (link previews and scanners open links too). Anyone with the link can delete the image;
         *     no key is needed. Never cached, never framed, and sent on as no `Referer`.
         */
        get: operations["showDeleteLink"];
        put?: never;
        /**
         * Delete by link
         * @description What the confirmation page's button sends (no body needed). Deletes the image (record, object, cached copies) like `DELETE /api/images/{image_id}`.
         */
        post: operations["deleteByLink"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Format: binary
         * @description The image bytes.
         */
        Bytes: Blob;
        /** @description The error envelope. */
        Error: {
            /** @constant */
            status: "error";
            /** @description What went wrong (exact wording for the statuses below 500; generic for 5xx). */
            message: string;
        };
        /** @description AWS's own answer for a Lambda event over the 6 MB invoke payload (not the envelope; see `413` of the upload). */
        RequestTooLongRaw: {
            /** @constant */
            message: "Request Too Long";
        };
        /** @enum {string} */
        ImageFormat: "jpeg" | "png" | "gif" | "webp" | "avif" | "bmp" | "tiff";
        /**
         * @description URL-safe and unguessable (128 random bits).
         * @example 7Yq2mN0c4TzP1aXbK9eLwQ
         */
        ImageId: string;
        /**
         * Format: uri
         * @description The public URL, `<delivery base>/image/<id>` (no key needed).
         * @example https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ
         */
        PublicUrl: string;
        /**
         * Format: date-time
         * @description ISO 8601, UTC.
         * @example 2026-11-26T23:59:59.123Z
         */
        Timestamp: string;
        /** @description An image, by its `state`. */
        Image: components["schemas"]["ReadyImage"] | components["schemas"]["PendingImage"] | components["schemas"]["RejectedImage"];
        /** @description A stored image, served at `url`. */
        ReadyImage: {
            id: components["schemas"]["ImageId"];
            url: components["schemas"]["PublicUrl"];
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            state: "ready";
            /** @description As displayed (EXIF orientation applied). */
            width: number;
            /** @description As displayed (EXIF orientation applied). */
            height: number;
            format: components["schemas"]["ImageFormat"];
            content_type: components["schemas"]["ImageContentType"];
            /** @description Bytes as stored and served (after metadata removal). */
            size: number;
            /** @description Hex SHA-256 digest of the stored bytes. */
            sha256: string;
            created_at: components["schemas"]["Timestamp"];
            metadata: components["schemas"]["Metadata"];
            thumbhash: components["schemas"]["Thumbhash"];
            dominant_color: components["schemas"]["DominantColor"];
            duplicate_of?: components["schemas"]["DuplicateOf"];
            visibility?: components["schemas"]["Visibility"];
            expires_at?: components["schemas"]["Timestamp"];
        };
        /** @description A large upload whose bytes have not arrived (or not been checked) yet. Its `url` answers `404` until it is ready. */
        PendingImage: {
            id: components["schemas"]["ImageId"];
            url: components["schemas"]["PublicUrl"];
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            state: "pending";
            created_at: components["schemas"]["Timestamp"];
            metadata: components["schemas"]["Metadata"];
            thumbhash: components["schemas"]["Thumbhash"];
            dominant_color: components["schemas"]["DominantColor"];
            visibility?: components["schemas"]["Visibility"];
            expires_at?: components["schemas"]["Timestamp"];
        };
        /** @description A large upload whose bytes failed the checks; nothing was published. */
        RejectedImage: {
            id: components["schemas"]["ImageId"];
            url: components["schemas"]["PublicUrl"];
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            state: "rejected";
            created_at: components["schemas"]["Timestamp"];
            /** @description Why the bytes were refused. */
            reason: string;
            metadata: components["schemas"]["Metadata"];
            thumbhash: components["schemas"]["Thumbhash"];
            dominant_color: components["schemas"]["DominantColor"];
            visibility?: components["schemas"]["Visibility"];
            expires_at?: components["schemas"]["Timestamp"];
        };
        /**
         * @description Your own pairs on the image; `{}` when none. At most 20; keys of 1 to 40 characters `a-z 0-9 _ . -`, values of at most 256 characters.
         * @example {
         *       "user": "42",
         *       "album": "holidays"
         *     }
         */
        Metadata: {
            [key: string]: string;
        };
        /**
         * @description A ThumbHash of the image (base64), a blurred placeholder that decodes to the image's aspect ratio; `null` until the image has been analysed, moments after it is stored.
         * @example 1QcSHQRnh493V4dIh4eXh1h4kJUI
         */
        Thumbhash: string | null;
        /**
         * @description The image's most common colour, `#rrggbb`; `null` until the image has been analysed.
         * @example #6f8ca8
         */
        DominantColor: string | null;
        /**
         * @description An image of yours that held exactly these bytes (`sha256`) when this one was stored (it may have been deleted since). Direct uploads only.
         * @example Vq0c4TzP1aXbK9eLw7Yq2m
         */
        DuplicateOf: string;
        /** @enum {string} */
        ImageContentType: "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "image/avif" | "image/bmp" | "image/tiff";
        ImageResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["Image"];
        };
        ImageListResponse: {
            /** @constant */
            status: "success";
            data: {
                images: components["schemas"]["Image"][];
                /** @description Pass as `cursor` for the next page; `null` on the last page. */
                next_cursor: string | null;
            };
        };
        StartUploadRequest: {
            /** @description Exact byte count of the file (binds the upload to it; required for `multipart`). */
            size?: number;
            content_type?: components["schemas"]["ImageContentType"];
            metadata?: components["schemas"]["Metadata"];
            /** @description A resumable upload in parts (S3 multipart) instead of one request; false when absent. */
            multipart?: boolean;
            /** @description With `multipart`, the bytes of every part but the last; by default 5 MiB (more for files that would need over 10,000 parts). */
            part_size?: number;
            visibility?: components["schemas"]["Visibility"];
            /**
             * Format: date-time
             * @description When the image expires. Not with `expires_in`.
             */
            expires_at?: string;
            /** @description Seconds from now after which the image expires. */
            expires_in?: number;
        } & {
            [key: string]: unknown;
        };
        /** @description Where and how to send the bytes. `headers` comes with a PUT, `fields` with a POST form. */
        UploadTicket: {
            /** @enum {string} */
            method: "PUT" | "POST";
            /**
             * Format: uri
             * @description The presigned S3 URL.
             */
            url: string;
            /** @description Headers to send with the PUT, exactly. */
            headers?: {
                [key: string]: string;
            };
            /** @description Form fields to send, in order, before the file (field `file`), with the POST. */
            fields?: {
                [key: string]: string;
            };
            /** Format: date-time */
            expires_at: string;
            /** @description The most bytes the upload accepts. */
            max_size: number;
        };
        /** @description The pending image, its one-time `delete_url`, and where to send its bytes. */
        StartedUpload: {
            id: components["schemas"]["ImageId"];
            url: components["schemas"]["PublicUrl"];
            /** @constant */
            state: "pending";
            created_at: components["schemas"]["Timestamp"];
            metadata: components["schemas"]["Metadata"];
            thumbhash: components["schemas"]["Thumbhash"];
            dominant_color: components["schemas"]["DominantColor"];
            upload: components["schemas"]["UploadTicket"] | components["schemas"]["MultipartUploadTicket"];
            visibility?: components["schemas"]["Visibility"];
            expires_at?: components["schemas"]["Timestamp"];
            delete_url: components["schemas"]["DeleteUrl"];
        };
        StartedUploadResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["StartedUpload"];
        };
        SimilarImagesResponse: {
            /** @constant */
            status: "success";
            data: {
                /** @description Whether this image's perceptual hash is computed (if not, `similar` is empty). */
                analyzed: boolean;
                /**
                 * @description The most bits (of 64) in which a similar image's hash differs.
                 * @constant
                 */
                max_distance: 7;
                similar: {
                    /** @description Bits in which the two perceptual hashes differ (0 is the same picture to the hash). */
                    distance: number;
                    image: components["schemas"]["ReadyImage"];
                }[];
            };
        };
        Export: {
            id: string;
            /** @enum {string} */
            state: "pending" | "building" | "ready" | "failed" | "expired";
            created_at: components["schemas"]["Timestamp"];
            expires_at: components["schemas"]["Timestamp"];
            /** Format: date-time */
            finished_at: string | null;
            /** @description Images in the zip, once ready. */
            image_count: number | null;
            /** @description Bytes of the zip, once ready. */
            size: number | null;
            /**
             * Format: uri
             * @description While `ready`, a link to download the zip (no key needed); it expires at `url_expires_at`.
             */
            url: string | null;
            /** Format: date-time */
            url_expires_at: string | null;
            /** @description Why it failed. */
            reason?: string;
        };
        ExportResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["Export"];
        };
        ExportListResponse: {
            /** @constant */
            status: "success";
            data: {
                exports: components["schemas"]["Export"][];
            };
        };
        Account: {
            account_id: string;
            /** Format: email */
            email: string;
            /** Format: date-time */
            created_at: string;
            usage: {
                hourly_limit: number;
                /** @description Requests of all the account's keys in this clock hour. */
                requests_this_hour: number;
                /** Format: date-time */
                reset_at: string;
            };
            images: {
                count: number;
                bytes: number;
            };
        };
        AccountResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["Account"];
        };
        /** @description An API key as listed (never its secret). */
        ApiKey: {
            /** @example key_Zm9vYmFyYmF6 */
            id: string;
            name: string;
            /**
             * @description The key's first characters, to recognise it.
             * @example imgr_AbCd
             */
            prefix: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            last_used_at: string | null;
            /** @enum {string} */
            status: "active" | "revoked";
            requests_this_hour: number;
        };
        KeyListResponse: {
            /** @constant */
            status: "success";
            data: {
                keys: components["schemas"]["ApiKey"][];
            };
        };
        CreateKeyRequest: {
            /** @description 1 to 64 printable characters. */
            name: string;
        };
        /** @description A new key, with its secret (shown this once). */
        NewKey: components["schemas"]["ApiKey"] & {
            /** @description The secret. Store it now; it cannot be shown again. */
            key: string;
        };
        NewKeyResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["NewKey"];
        };
        /**
         * @description A resumable upload: cut the file into `part_count` parts of `part_size` bytes (the last one
         *     holds the rest), sign them (`POST /api/images/{image_id}/upload/parts`), `PUT` each one, and
         *     complete the upload (`POST /api/images/{image_id}/upload/complete`) before `expires_at`.
         */
        MultipartUploadTicket: {
            /** @constant */
            method: "multipart";
            /** @description Bytes of every part but the last. */
            part_size: number;
            part_count: number;
            /**
             * Format: date-time
             * @description Until when the upload may be resumed and completed (24 hours from its start).
             */
            expires_at: string;
            /** @description The declared size; the parts add up to exactly this many bytes. */
            max_size: number;
        };
        SignPartsRequest: {
            /** @description The parts to sign; every part when absent (uploads of at most 100 parts). */
            part_numbers?: number[];
        } & {
            [key: string]: unknown;
        };
        SignedPart: {
            part_number: number;
            /** @constant */
            method: "PUT";
            /**
             * Format: uri
             * @description The presigned S3 URL of this part.
             */
            url: string;
            /** @description Headers to send with the PUT (`Content-Length`, which browsers set themselves). */
            headers: {
                [key: string]: string;
            };
        };
        SignedPartsResponse: {
            /** @constant */
            status: "success";
            data: {
                parts: components["schemas"]["SignedPart"][];
                /**
                 * Format: date-time
                 * @description When these URLs stop working (sign the parts again after that).
                 */
                expires_at: string;
            };
        };
        UploadedPart: {
            part_number: number;
            /** @description The part's ETag, as S3 answered its PUT (quotes included). */
            etag: string;
            size: number;
        };
        UploadPartsResponse: {
            /** @constant */
            status: "success";
            data: {
                part_size: number;
                part_count: number;
                parts: components["schemas"]["UploadedPart"][];
            };
        };
        CompleteUploadRequest: {
            /** @description Every part, 1 to `part_count` in order; the parts S3 holds when absent. */
            parts?: {
                part_number: number;
                etag: string;
            }[];
        } & {
            [key: string]: unknown;
        };
        /**
         * @description `private`: the public URL needs a valid signature of the account (docs/edge.md).
         * @enum {string}
         */
        Visibility: "public" | "private";
        /** @description Each field optional; at least one. A field left out stays as it is. */
        PatchImageRequest: {
            /** @description The new metadata, replacing the old; `null` (or `{}`) removes it. */
            metadata?: components["schemas"]["Metadata"] | null;
            visibility?: components["schemas"]["Visibility"];
            /**
             * Format: date-time
             * @description When the image expires; `null` removes an expiry. Not with `expires_in`.
             */
            expires_at?: string | null;
            /** @description Seconds from now after which the image expires. Not with `expires_at`. */
            expires_in?: number;
        };
        SigningSecret: {
            kid: string;
            created_at: components["schemas"]["Timestamp"];
        };
        /**
         * @description docs/webhooks.md describes each event and its payload.
         * @enum {string}
         */
        WebhookEventType: "image.ready" | "image.rejected" | "image.deleted" | "image.expired";
        WebhookEndpoint: {
            /** @example ep_Q3xZ9aBkL2mN7pR4 */
            id: string;
            /**
             * Format: uri
             * @example https://app.example/hooks/imager
             */
            url: string;
            events: components["schemas"]["WebhookEventType"][];
            enabled: boolean;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        NewWebhookEndpoint: {
            /** @description An `https://` URL without user name or password, on a host with public addresses only. */
            url: string;
            events: components["schemas"]["WebhookEventType"][];
            /** @default true */
            enabled: boolean;
        };
        WebhookEndpointChanges: {
            url?: string;
            events?: components["schemas"]["WebhookEventType"][];
            enabled?: boolean;
        };
        WebhookEndpointWithSecret: {
            id: string;
            /** Format: uri */
            url: string;
            events: components["schemas"]["WebhookEventType"][];
            enabled: boolean;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description The Standard Webhooks signing secret, shown in this answer only. */
            secret: string;
        };
        WebhookDelivery: {
            /** @description The message id, sent as `webhook-id` (the same for every attempt). */
            id: string;
            type: components["schemas"]["WebhookEventType"];
            /** @enum {string} */
            status: "pending" | "succeeded" | "failed";
            attempts: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            last_attempt_at: string | null;
            /** @description The endpoint's HTTP status at the last attempt; null when it did not answer. */
            last_status_code: number | null;
            last_error: string | null;
            /** Format: date-time */
            next_attempt_at: string | null;
        };
        WebhookEndpointResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["WebhookEndpoint"];
        };
        NewWebhookEndpointResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["WebhookEndpointWithSecret"];
        };
        WebhookDeliveryResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["WebhookDelivery"];
        };
        WebhookEndpointListResponse: {
            /** @constant */
            status: "success";
            data: {
                endpoints: components["schemas"]["WebhookEndpoint"][];
            };
        };
        WebhookDeliveryListResponse: {
            /** @constant */
            status: "success";
            data: {
                deliveries: components["schemas"]["WebhookDelivery"][];
                next_cursor: string | null;
            };
        };
        SigningSecretListResponse: {
            /** @constant */
            status: "success";
            data: {
                signing_secrets: components["schemas"]["SigningSecret"][];
            };
        };
        NewSigningSecretResponse: {
            /** @constant */
            status: "success";
            data: {
                kid: string;
                created_at: components["schemas"]["Timestamp"];
                /** @description The secret itself (shown once). HMAC-SHA256 key, used as the UTF-8 bytes of this text. */
                secret: string;
                /** @description The `kid` of the secret this one replaced, if the account had two. */
                retired: string[];
            };
        };
        AccountDeletion: {
            /** @enum {string} */
            state: "none" | "deleting" | "deleted";
            /** @description The step under way (`keys`, `images`, `webhooks`, `idempotency`, `exports`, `signing-secrets`, `counters`, `meter`, `key-records`, `cognito-user`); `null` once deleted. */
            step?: string | null;
            steps_done?: number;
            steps_total?: number;
            started_at?: components["schemas"]["Timestamp"];
            deleted_at?: components["schemas"]["Timestamp"];
        };
        AccountDeletionResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["AccountDeletion"];
        };
        /**
         * @description Text mode (`Accept: text/plain` on an upload): the error's message alone, the status kept.
         * @example Invalid image format
         */
        ErrorText: string;
        /** @description Upload by URL, with the options of a direct upload as members (docs/edge.md, docs/apps.md); other fields are ignored. */
        UrlUploadRequest: {
            /**
             * Format: uri
             * @description The image's https:// address (public hosts only; at most 3 redirects).
             */
            url: string;
            metadata?: components["schemas"]["Metadata"];
            visibility?: components["schemas"]["Visibility"];
            /**
             * Format: date-time
             * @description When the image expires. Not with `expires_in`.
             */
            expires_at?: string;
            /** @description Seconds from now after which the image expires. */
            expires_in?: number;
        } & {
            [key: string]: unknown;
        };
        /**
         * Format: uri
         * @description The image's delete link, shown only in this answer: `GET` shows a confirmation page, its form's `POST` deletes the image without a key.
         * @example https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/api/images/7Yq2mN0c4TzP1aXbK9eLwQ/delete/Q2xpY2sgdGhlIGxpbmsgdG8gZGVsZXRlIGl0IG9uY2U
         */
        DeleteUrl: string;
        /** @description A stored image, served at `url`, as its upload answers it (with its one-time `delete_url`). */
        UploadedImage: {
            id: components["schemas"]["ImageId"];
            url: components["schemas"]["PublicUrl"];
            /** @constant */
            state: "ready";
            /** @description As displayed (EXIF orientation applied). */
            width: number;
            /** @description As displayed (EXIF orientation applied). */
            height: number;
            format: components["schemas"]["ImageFormat"];
            content_type: components["schemas"]["ImageContentType"];
            /** @description Bytes as stored and served (after metadata removal). */
            size: number;
            /** @description Hex SHA-256 digest of the stored bytes. */
            sha256: string;
            created_at: components["schemas"]["Timestamp"];
            metadata: components["schemas"]["Metadata"];
            thumbhash: components["schemas"]["Thumbhash"];
            dominant_color: components["schemas"]["DominantColor"];
            duplicate_of?: components["schemas"]["DuplicateOf"];
            visibility?: components["schemas"]["Visibility"];
            expires_at?: components["schemas"]["Timestamp"];
            delete_url: components["schemas"]["DeleteUrl"];
        };
        UploadedImageResponse: {
            /** @constant */
            status: "success";
            data: components["schemas"]["UploadedImage"];
        };
    };
    responses: {
        /** @description The image (or its variant), with its sniffed type. */
        ImageBytes: {
            headers: {
                "Cache-Control": components["headers"]["Cache-Control"];
                ETag: components["headers"]["ETag"];
                "X-Content-Type-Options": components["headers"]["X-Content-Type-Options"];
                "Access-Control-Allow-Origin": components["headers"]["Access-Control-Allow-Origin"];
                "Accept-Ranges": components["headers"]["Accept-Ranges"];
                Vary: components["headers"]["Vary"];
                [name: string]: unknown;
            };
            content: {
                "image/jpeg": components["schemas"]["Bytes"];
                "image/png": components["schemas"]["Bytes"];
                "image/gif": components["schemas"]["Bytes"];
                "image/webp": components["schemas"]["Bytes"];
                "image/avif": components["schemas"]["Bytes"];
                "image/bmp": components["schemas"]["Bytes"];
                "image/tiff": components["schemas"]["Bytes"];
            };
        };
        /** @description The requested byte range of the image. */
        ImagePart: {
            headers: {
                "Content-Range": components["headers"]["Content-Range"];
                "Cache-Control": components["headers"]["Cache-Control"];
                ETag: components["headers"]["ETag"];
                "X-Content-Type-Options": components["headers"]["X-Content-Type-Options"];
                "Access-Control-Allow-Origin": components["headers"]["Access-Control-Allow-Origin"];
                "Accept-Ranges": components["headers"]["Accept-Ranges"];
                [name: string]: unknown;
            };
            content: {
                "image/jpeg": components["schemas"]["Bytes"];
                "image/png": components["schemas"]["Bytes"];
                "image/gif": components["schemas"]["Bytes"];
                "image/webp": components["schemas"]["Bytes"];
                "image/avif": components["schemas"]["Bytes"];
                "image/bmp": components["schemas"]["Bytes"];
                "image/tiff": components["schemas"]["Bytes"];
            };
        };
        /** @description On AWS, the API's own domain sends the public URL to the CDN (the same path and query). Links made before the CDN keep working. */
        ToCdn: {
            headers: {
                /**
                 * @description The CDN URL of the image.
                 * @example https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                Location: string;
                /**
                 * @description The target never changes for an id.
                 * @example public, max-age=86400
                 */
                "Cache-Control"?: string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "success",
                 *       "data": {
                 *         "id": "7Yq2mN0c4TzP1aXbK9eLwQ",
                 *         "url": "https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ"
                 *       }
                 *     }
                 */
                "application/json": {
                    /** @constant */
                    status: "success";
                    data: {
                        id: components["schemas"]["ImageId"];
                        url: components["schemas"]["PublicUrl"];
                    };
                };
            };
        };
        /** @description The `If-None-Match` ETag still matches. No body. */
        NotModified: {
            headers: {
                ETag: components["headers"]["ETag"];
                "Cache-Control": components["headers"]["Cache-Control"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /** @description The range starts past the end of the image. */
        RangeNotSatisfiable: {
            headers: {
                /**
                 * @description `bytes *\/<size>`.
                 * @example bytes *\/48213
                 */
                "Content-Range": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Requested range not satisfiable"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description A variant of an image whose pixels the renderer cannot decode (its header passed the
         *     upload checks; e.g. a layered AVIF libheif refuses). The original is served; no variant
         *     of it can be made, so asking again answers the same.
         */
        Untransformable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Image cannot be transformed"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description An unknown, repeated, empty or out-of-range transform parameter. */
        BadTransform: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The CDN could not read the image or render its variant (storage or the transform function failed); retry later. */
        CdnError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The bearer key (or, on account routes, the session token) is missing, malformed, unknown or revoked. Answered by the gateway, the same for every `/api` route. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Missing or invalid API key"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such image for this caller (unknown, deleted, or another account's), or an unknown route. */
        ImageNotFound: {
            headers: {
                "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit-Optional"];
                "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining-Optional"];
                "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset-Optional"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The image is not an open multipart upload (anymore): already complete, started without `"multipart": true`, aborted, or past its 24 hours. */
        UploadConflict: {
            headers: {
                "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                RateLimit: components["headers"]["RateLimit"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The account is being (or has been) deleted (`DELETE /api/account`). */
        AccountDeleted: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "This account is being deleted"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such route or method (answered by the gateway). */
        RouteNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Not found"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description Over the hourly limit (with the rate-limit headers; rejected requests do not count), or
         *     over the key's throttle or daily quota (answered by the gateway, without them).
         */
        RateLimited: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit-Optional"];
                "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining-Optional"];
                "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset-Optional"];
                [name: string]: unknown;
            };
            content: {
                "text/plain": components["schemas"]["ErrorText"];
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Rate limit exceeded"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Too many requests (the gateway's throttle). */
        Throttled: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Rate limit exceeded"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Something unexpected; the log has the detail and the request id. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "text/plain": components["schemas"]["ErrorText"];
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Internal server error"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The function failed (answered by the gateway). */
        BadGateway: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Internal server error"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Storage (S3 or DynamoDB) or the authorizer is unavailable; retry after `Retry-After` seconds. */
        ServiceUnavailable: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                "text/plain": components["schemas"]["ErrorText"];
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Service temporarily unavailable, retry later"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The function did not answer in time (answered by the gateway). */
        GatewayTimeout: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "Request timed out"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A transform outside the unsigned presets without a signature, or a signature that is wrong, tampered, of an unknown `kid` or past its `exp` (answered at the edge). */
        BadSignature: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The first request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds (not counted against the hour). */
        IdempotencyInFlight: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                "text/plain": components["schemas"]["ErrorText"];
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "A request with this Idempotency-Key is still in progress; retry it in a moment"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description This `Idempotency-Key` was used with a different request within 24 hours (not counted against the hour). */
        IdempotencyMismatch: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "text/plain": components["schemas"]["ErrorText"];
                /**
                 * @example {
                 *       "status": "error",
                 *       "message": "This Idempotency-Key was already used with a different request"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The link deletes nothing (a wrong token, or the image is gone); the page says so. */
        InvalidDeleteLink: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "text/html": string;
            };
        };
    };
    parameters: {
        /**
         * @description The IETF httpapi draft's header: a key you make for one upload (a UUID) and send again
         *     with every retry of it, as an RFC 8941 string (`"..."`) or bare; 1 to 255 visible ASCII
         *     characters, scoped to your account. The same key with the same request within 24 hours
         *     answers the first response again (no second image, not counted again); with a different
         *     request, `422`; while the first request still runs, `409` (retry after `Retry-After`).
         *     Only successes are kept: after an error the key is free again.
         * @example "8e03978e-40d5-43e8-bc93-6894a57f9324"
         */
        IdempotencyKey: string;
        /**
         * @description `text/plain` (preferred over `application/json`) answers in text mode: the URL alone, or the error message alone.
         * @example text/plain
         */
        UploadAccept: string;
        /**
         * @description The delete link's token (256 random bits, base64url), shown only in the upload's answer.
         * @example Q2xpY2sgdGhlIGxpbmsgdG8gZGVsZXRlIGl0IG9uY2U
         */
        DeleteToken: string;
        /**
         * @description The image's `id`.
         * @example 7Yq2mN0c4TzP1aXbK9eLwQ
         */
        ImageId: string;
        /** @description Width of the variant in pixels; with only one of `w` and `h` the aspect ratio is kept. Never enlarged past the original. */
        TransformWidth: number;
        /** @description Height of the variant in pixels. */
        TransformHeight: number;
        /** @description How the picture fits a `w` x `h` box (with both sides given). */
        TransformFit: "inside" | "cover" | "contain";
        /** @description Output format. `auto` picks AVIF if `Accept` lists `image/avif`, else WebP if it lists `image/webp`, else the original's (the response then has `Vary: Accept`). */
        TransformFormat: "jpeg" | "png" | "webp" | "avif" | "auto";
        /** @description Quality of lossy output formats. */
        TransformQuality: number;
        /**
         * @description One byte range, e.g. `bytes=0-1023`.
         * @example bytes=0-1023
         */
        Range: string;
        /** @description An `ETag` from an earlier response; if it still matches, the answer is `304`. */
        IfNoneMatch: string;
        /**
         * @description Used by `format=auto`.
         * @example image/avif,image/webp,*\/*
         */
        Accept: string;
        /** @description Which of the account's signing secrets signed the URL (docs/edge.md). */
        SignatureKid: string;
        /** @description Unix seconds after which the signature is refused (optional; signed too). */
        SignatureExp: number;
        /** @description base64url (no padding) of HMAC-SHA256(secret, `/image/<id>?<every other parameter as name=value, sorted by name, joined by &>`). Not part of the cache key. */
        Signature: string;
    };
    requestBodies: never;
    headers: {
        /**
         * @description The image's API resource (`/api/images/{image_id}`), relative to the base URL the client called, or absolute.
         * @example /api/images/7Yq2mN0c4TzP1aXbK9eLwQ
         */
        Location: string;
        /**
         * @description Requests allowed per hour for this key.
         * @example 1000
         */
        "X-RateLimit-Limit": string;
        /**
         * @description Requests left in this hour's window.
         * @example 988
         */
        "X-RateLimit-Remaining": string;
        /**
         * @description When the window ends, in unix seconds (the end of the clock hour).
         * @example 1796378400
         */
        "X-RateLimit-Reset": string;
        /**
         * @description The policy, in the IETF draft's structured-field syntax.
         * @example "hourly";q=1000;w=3600
         */
        "RateLimit-Policy": string;
        /**
         * @description Remaining requests and seconds until the window resets, in the IETF draft's syntax.
         * @example "hourly";r=988;t=1740
         */
        RateLimit: string;
        /** @description `true` when this is the replay of the first response to the request's `Idempotency-Key`. */
        "Idempotent-Replayed": "true";
        /** @description Requests allowed per hour (present when the request reached the hourly counter). */
        "X-RateLimit-Limit-Optional": string;
        /** @description Requests left in this hour's window (present when the request reached the hourly counter). */
        "X-RateLimit-Remaining-Optional": string;
        /** @description Window end in unix seconds (present when the request reached the hourly counter). */
        "X-RateLimit-Reset-Optional": string;
        /**
         * @description Seconds to wait before retrying.
         * @example 1740
         */
        "Retry-After": string;
        /** @description Any page may read the image. */
        "Access-Control-Allow-Origin": "*";
        /**
         * @description Images never change under their URL.
         * @example public, max-age=31536000, immutable
         */
        "Cache-Control": string;
        /**
         * @description The validator for `If-None-Match`.
         * @example "ee231f75f238f5951a4707ffd7e345b8"
         */
        ETag: string;
        /** @description Browsers must not second-guess `Content-Type`. */
        "X-Content-Type-Options": "nosniff";
        /** @description Byte ranges are supported. */
        "Accept-Ranges": "bytes";
        /**
         * @description The range sent, e.g. `bytes 0-1023/48213`.
         * @example bytes 0-1023/48213
         */
        "Content-Range": string;
        /**
         * @description `Accept` when the request used `format=auto`.
         * @example Accept
         */
        Vary: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    uploadImage: {
        parameters: {
            query?: {
                /** @description `store` (default) stores a second copy and names the first in `duplicate_of`; `return` answers the image you already have (`200`) instead. */
                on_duplicate?: "store" | "return";
            };
            header?: {
                /**
                 * @description The IETF httpapi draft's header: a key you make for one upload (a UUID) and send again
                 *     with every retry of it, as an RFC 8941 string (`"..."`) or bare; 1 to 255 visible ASCII
                 *     characters, scoped to your account. The same key with the same request within 24 hours
                 *     answers the first response again (no second image, not counted again); with a different
                 *     request, `422`; while the first request still runs, `409` (retry after `Retry-After`).
                 *     Only successes are kept: after an error the key is free again.
                 * @example "8e03978e-40d5-43e8-bc93-6894a57f9324"
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /**
                 * @description `text/plain` (preferred over `application/json`) answers in text mode: the URL alone, or the error message alone.
                 * @example text/plain
                 */
                Accept?: components["parameters"]["UploadAccept"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description The image file.
                     */
                    image: Blob;
                    /** @description Your metadata as JSON text, e.g. `{"user":"42"}` (see the `Metadata` schema). */
                    metadata?: string;
                    visibility?: components["schemas"]["Visibility"];
                    /** @description Seconds from now after which the image expires (1 to 315360000). Not with `expires_at`. */
                    expires_in?: string;
                    /**
                     * Format: date-time
                     * @description When the image expires (ISO 8601 with a time zone, at most ten years ahead). Not with `expires_in`.
                     */
                    expires_at?: string;
                };
                /**
                 * @example {
                 *       "url": "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png"
                 *     }
                 */
                "application/json": components["schemas"]["UrlUploadRequest"];
            };
        };
        responses: {
            /** @description With `?on_duplicate=return`, the image you already hold with these bytes (no `delete_url`: that was shown once, with its own upload); nothing was stored. With `Accept: text/plain`, the body is its URL alone. */
            200: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageResponse"];
                    /** @example https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ */
                    "text/plain": string;
                };
            };
            /** @description Stored. `Location` names the image's API resource. With `Accept: text/plain`, the body is the image's URL alone. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "id": "7Yq2mN0c4TzP1aXbK9eLwQ",
                     *         "url": "https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ",
                     *         "state": "ready",
                     *         "width": 64,
                     *         "height": 48,
                     *         "format": "jpeg",
                     *         "content_type": "image/jpeg",
                     *         "size": 1352,
                     *         "sha256": "ee231f75f238f5951a4707ffd7e345b8ca23d6be6096f57d8d65af49874b8144",
                     *         "created_at": "2026-11-26T23:59:59.123Z",
                     *         "metadata": {
                     *           "user": "42"
                     *         },
                     *         "thumbhash": "1QcSHQRnh493V4dIh4eXh1h4kJUI",
                     *         "dominant_color": "#6f8ca8",
                     *         "delete_url": "https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/api/images/7Yq2mN0c4TzP1aXbK9eLwQ/delete/Q2xpY2sgdGhlIGxpbmsgdG8gZGVsZXRlIGl0IG9uY2U"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["UploadedImageResponse"];
                    /** @example https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ */
                    "text/plain": string;
                };
            };
            /**
             * @description Not an allowed image (`Invalid image format`), or not a usable form: not multipart,
             *     malformed multipart, no file in `image`, an empty file, several files; for a URL
             *     upload, a URL that cannot be fetched (not https, not a public address, too many
             *     redirects, a failed or slow fetch); a malformed `Idempotency-Key`.
             */
            400: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit-Optional"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining-Optional"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset-Optional"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                    "text/plain": components["schemas"]["ErrorText"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            409: components["responses"]["IdempotencyInFlight"];
            /**
             * @description The image is over the direct-upload limit, or the request over the gateway's 10 MB. A
             *     request whose base64-encoded Lambda event would exceed Lambda's 6 MB invoke payload gets
             *     the raw answer AWS gives (`{"message":"Request Too Long"}`, `Content-Type:
             *     application/json`): no gateway response can map it into the envelope.
             */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": components["schemas"]["ErrorText"];
                    "application/json": components["schemas"]["Error"] | components["schemas"]["RequestTooLongRaw"];
                };
            };
            422: components["responses"]["IdempotencyMismatch"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    startUpload: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The IETF httpapi draft's header: a key you make for one upload (a UUID) and send again
                 *     with every retry of it, as an RFC 8941 string (`"..."`) or bare; 1 to 255 visible ASCII
                 *     characters, scoped to your account. The same key with the same request within 24 hours
                 *     answers the first response again (no second image, not counted again); with a different
                 *     request, `422`; while the first request still runs, `409` (retry after `Retry-After`).
                 *     Only successes are kept: after an error the key is free again.
                 * @example "8e03978e-40d5-43e8-bc93-6894a57f9324"
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["StartUploadRequest"];
            };
        };
        responses: {
            /** @description A pending image and where to send its bytes. `Location` names the image's API resource. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StartedUploadResponse"];
                };
            };
            /** @description The body is not JSON, not an object, or a field is invalid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            409: components["responses"]["IdempotencyInFlight"];
            /** @description `size` is over the large-upload limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Image exceeds the 50 MiB limit (52428800 bytes)"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            422: components["responses"]["IdempotencyMismatch"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listImages: {
        parameters: {
            query?: {
                /** @description Images per page. */
                limit?: number;
                /** @description The `next_cursor` of the previous page (opaque). */
                cursor?: string;
                /**
                 * @description `metadata.<key>=<value>`: only your images holding that pair, newest first, with the
                 *     same paging (one pair per request). Served by an index: a page reads that page only,
                 *     however many images you hold. A page may hold fewer than `limit` images when some
                 *     were changed a moment ago; follow `next_cursor` until it is `null`.
                 * @example {
                 *       "metadata.user": "42"
                 *     }
                 */
                metadata?: {
                    [key: string]: string;
                };
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of images. */
            200: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "images": [
                     *           {
                     *             "id": "7Yq2mN0c4TzP1aXbK9eLwQ",
                     *             "url": "https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ",
                     *             "state": "ready",
                     *             "width": 64,
                     *             "height": 48,
                     *             "format": "jpeg",
                     *             "content_type": "image/jpeg",
                     *             "size": 1352,
                     *             "sha256": "ee231f75f238f5951a4707ffd7e345b8ca23d6be6096f57d8d65af49874b8144",
                     *             "created_at": "2026-11-26T23:59:59.123Z",
                     *             "metadata": {
                     *               "user": "42"
                     *             },
                     *             "thumbhash": "1QcSHQRnh493V4dIh4eXh1h4kJUI",
                     *             "dominant_color": "#6f8ca8"
                     *           }
                     *         ],
                     *         "next_cursor": "eyJ2IjoxLCJwIjoiMjAyNi0xMS0yNlQyMzo1OTo1OS4xMjNaIzdZcTJtTjBjNFR6UDFhWGJLOWVMd1EifQ"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ImageListResponse"];
                };
            };
            /** @description `limit` or `cursor` is invalid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image. */
            200: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    deleteImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. No body. */
            204: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    updateImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "metadata": {
                 *         "user": "42",
                 *         "album": "holidays"
                 *       },
                 *       "visibility": "private",
                 *       "expires_in": 86400
                 *     }
                 */
                "application/json": components["schemas"]["PatchImageRequest"];
            };
        };
        responses: {
            /** @description The image as it now is. */
            200: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageResponse"];
                };
            };
            /** @description The body is not a JSON object, has a field that cannot be changed, or nothing to change; invalid metadata; a bad `visibility`, `expires_at` or `expires_in`, or both expiry fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listSimilarImages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The similar images. */
            200: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SimilarImagesResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listUploadParts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The parts uploaded so far, in part order. */
            200: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "part_size": 5242880,
                     *         "part_count": 6,
                     *         "parts": [
                     *           {
                     *             "part_number": 1,
                     *             "etag": "\"5f363e0e58a95f06cbe9bbc662c5dfb6\"",
                     *             "size": 5242880
                     *           },
                     *           {
                     *             "part_number": 2,
                     *             "etag": "\"9d3f2b5c0e1a7d4f8b6c2e0a1f3d5b7c\"",
                     *             "size": 5242880
                     *           }
                     *         ]
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["UploadPartsResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            409: components["responses"]["UploadConflict"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    signUploadParts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "part_numbers": [
                 *         1,
                 *         2
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["SignPartsRequest"];
            };
        };
        responses: {
            /** @description The presigned part uploads. */
            200: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "parts": [
                     *           {
                     *             "part_number": 1,
                     *             "method": "PUT",
                     *             "url": "https://imager-bucket.s3.eu-west-1.amazonaws.com/uploads/7Yq2mN0c4TzP1aXbK9eLwQ?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA...&X-Amz-Date=20261127T101502Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-length%3Bhost&partNumber=1&uploadId=VXBsb2Fk...&x-id=UploadPart&X-Amz-Signature=5f0e...",
                     *             "headers": {
                     *               "Content-Length": "5242880"
                     *             }
                     *           }
                     *         ],
                     *         "expires_at": "2026-11-27T10:30:02.481Z"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["SignedPartsResponse"];
                };
            };
            /** @description `part_numbers` is not a list of part numbers of this upload, or the body is not JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "part_numbers must be a list of 1 to 100 distinct part numbers from 1 to 6"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            409: components["responses"]["UploadConflict"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    completeUpload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "parts": [
                 *         {
                 *           "part_number": 1,
                 *           "etag": "\"5f363e0e58a95f06cbe9bbc662c5dfb6\""
                 *         },
                 *         {
                 *           "part_number": 2,
                 *           "etag": "\"9d3f2b5c0e1a7d4f8b6c2e0a1f3d5b7c\""
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["CompleteUploadRequest"];
            };
        };
        responses: {
            /** @description The parts are assembled; the image is pending until its checks have run. `Location` names the image's API resource. */
            202: {
                headers: {
                    Location: components["headers"]["Location"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "id": "7Yq2mN0c4TzP1aXbK9eLwQ",
                     *         "url": "https://d1x2y3z4a5b6c7.cloudfront.net/image/7Yq2mN0c4TzP1aXbK9eLwQ",
                     *         "state": "pending",
                     *         "created_at": "2026-11-27T10:15:02.481Z",
                     *         "metadata": {},
                     *         "thumbhash": null,
                     *         "dominant_color": null
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ImageResponse"];
                };
            };
            /** @description The part list is not every part in order, or S3 refused the parts (one missing or with another ETag, one but the last under 5 MiB). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            409: components["responses"]["UploadConflict"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    abortUpload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Aborted. No body. */
            204: {
                headers: {
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["ImageNotFound"];
            409: components["responses"]["UploadConflict"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    viewImage: {
        parameters: {
            query?: {
                /** @description Width of the variant in pixels; with only one of `w` and `h` the aspect ratio is kept. Never enlarged past the original. */
                w?: components["parameters"]["TransformWidth"];
                /** @description Height of the variant in pixels. */
                h?: components["parameters"]["TransformHeight"];
                /** @description How the picture fits a `w` x `h` box (with both sides given). */
                fit?: components["parameters"]["TransformFit"];
                /** @description Output format. `auto` picks AVIF if `Accept` lists `image/avif`, else WebP if it lists `image/webp`, else the original's (the response then has `Vary: Accept`). */
                format?: components["parameters"]["TransformFormat"];
                /** @description Quality of lossy output formats. */
                q?: components["parameters"]["TransformQuality"];
                /** @description Which of the account's signing secrets signed the URL (docs/edge.md). */
                kid?: components["parameters"]["SignatureKid"];
                /** @description Unix seconds after which the signature is refused (optional; signed too). */
                exp?: components["parameters"]["SignatureExp"];
                /** @description base64url (no padding) of HMAC-SHA256(secret, `/image/<id>?<every other parameter as name=value, sorted by name, joined by &>`). Not part of the cache key. */
                sig?: components["parameters"]["Signature"];
            };
            header?: {
                /**
                 * @description One byte range, e.g. `bytes=0-1023`.
                 * @example bytes=0-1023
                 */
                Range?: components["parameters"]["Range"];
                /** @description An `ETag` from an earlier response; if it still matches, the answer is `304`. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
                /**
                 * @description Used by `format=auto`.
                 * @example image/avif,image/webp,*\/*
                 */
                Accept?: components["parameters"]["Accept"];
            };
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["ImageBytes"];
            206: components["responses"]["ImagePart"];
            301: components["responses"]["ToCdn"];
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadTransform"];
            403: components["responses"]["BadSignature"];
            404: components["responses"]["ImageNotFound"];
            416: components["responses"]["RangeNotSatisfiable"];
            422: components["responses"]["Untransformable"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["CdnError"];
            503: components["responses"]["CdnError"];
            504: components["responses"]["CdnError"];
        };
    };
    headImage: {
        parameters: {
            query?: {
                /** @description Width of the variant in pixels; with only one of `w` and `h` the aspect ratio is kept. Never enlarged past the original. */
                w?: components["parameters"]["TransformWidth"];
                /** @description Height of the variant in pixels. */
                h?: components["parameters"]["TransformHeight"];
                /** @description How the picture fits a `w` x `h` box (with both sides given). */
                fit?: components["parameters"]["TransformFit"];
                /** @description Output format. `auto` picks AVIF if `Accept` lists `image/avif`, else WebP if it lists `image/webp`, else the original's (the response then has `Vary: Accept`). */
                format?: components["parameters"]["TransformFormat"];
                /** @description Quality of lossy output formats. */
                q?: components["parameters"]["TransformQuality"];
                /** @description Which of the account's signing secrets signed the URL (docs/edge.md). */
                kid?: components["parameters"]["SignatureKid"];
                /** @description Unix seconds after which the signature is refused (optional; signed too). */
                exp?: components["parameters"]["SignatureExp"];
                /** @description base64url (no padding) of HMAC-SHA256(secret, `/image/<id>?<every other parameter as name=value, sorted by name, joined by &>`). Not part of the cache key. */
                sig?: components["parameters"]["Signature"];
            };
            header?: {
                /**
                 * @description One byte range, e.g. `bytes=0-1023`.
                 * @example bytes=0-1023
                 */
                Range?: components["parameters"]["Range"];
                /** @description An `ETag` from an earlier response; if it still matches, the answer is `304`. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
                /**
                 * @description Used by `format=auto`.
                 * @example image/avif,image/webp,*\/*
                 */
                Accept?: components["parameters"]["Accept"];
            };
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image's headers. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["Cache-Control"];
                    ETag: components["headers"]["ETag"];
                    "X-Content-Type-Options": components["headers"]["X-Content-Type-Options"];
                    "Access-Control-Allow-Origin": components["headers"]["Access-Control-Allow-Origin"];
                    "Accept-Ranges": components["headers"]["Accept-Ranges"];
                    Vary: components["headers"]["Vary"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The range's headers. */
            206: {
                headers: {
                    "Content-Range": components["headers"]["Content-Range"];
                    "Cache-Control": components["headers"]["Cache-Control"];
                    ETag: components["headers"]["ETag"];
                    "X-Content-Type-Options": components["headers"]["X-Content-Type-Options"];
                    "Access-Control-Allow-Origin": components["headers"]["Access-Control-Allow-Origin"];
                    "Accept-Ranges": components["headers"]["Accept-Ranges"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            301: components["responses"]["ToCdn"];
            304: components["responses"]["NotModified"];
            /** @description Invalid transform parameters (no body). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A signature is required or invalid (no body). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No such image (no body). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The range is outside the image (no body). */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A variant of an image whose pixels the renderer cannot decode (no body). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Unexpected error (no body). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Storage unavailable (no body). */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getAccount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "account_id": "acct_Qm9vYmFyYmF6cXV4",
                     *         "email": "ada@example.com",
                     *         "created_at": "2026-11-20T08:01:12.000Z",
                     *         "usage": {
                     *           "hourly_limit": 1000,
                     *           "requests_this_hour": 12,
                     *           "reset_at": "2026-11-27T11:00:00.000Z"
                     *         },
                     *         "images": {
                     *           "count": 3,
                     *           "bytes": 123456
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["AccountResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    deleteAccount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "password": "Correct-Horse-9-Battery"
                 *     }
                 */
                "application/json": {
                    /** @description The password you sign in with. */
                    password: string;
                };
            };
        };
        responses: {
            /** @description The deletion, `deleting` (or `deleted` when it already finished). */
            202: {
                headers: {
                    /**
                     * @description Where the deletion can be followed, `/api/account/deletion`.
                     * @example /api/account/deletion
                     */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "state": "deleting",
                     *         "step": "images",
                     *         "steps_done": 1,
                     *         "steps_total": 7,
                     *         "started_at": "2026-11-27T10:20:00.000Z"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["AccountDeletionResponse"];
                };
            };
            /** @description The body is not `{"password": "..."}`. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "password must be a non-empty string"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description The password is wrong. Nothing was deleted. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Password is incorrect"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            404: components["responses"]["RouteNotFound"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listAccountKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The keys. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "keys": [
                     *           {
                     *             "id": "key_Zm9vYmFyYmF6",
                     *             "name": "laptop",
                     *             "prefix": "imgr_AbCd",
                     *             "created_at": "2026-11-20T08:05:00.000Z",
                     *             "last_used_at": "2026-11-27T10:14:59.000Z",
                     *             "status": "active",
                     *             "requests_this_hour": 12
                     *           },
                     *           {
                     *             "id": "key_cXV4cXV1dXg5",
                     *             "name": "old server",
                     *             "prefix": "imgr_x9Yz",
                     *             "created_at": "2026-10-01T12:00:00.000Z",
                     *             "last_used_at": null,
                     *             "status": "revoked",
                     *             "requests_this_hour": 0
                     *           }
                     *         ]
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["KeyListResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    createAccountKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "laptop"
                 *     }
                 */
                "application/json": components["schemas"]["CreateKeyRequest"];
            };
        };
        responses: {
            /** @description The key, with its secret. `Location` names the key. */
            201: {
                headers: {
                    /**
                     * @description The key's resource, `/api/account/keys/{key_id}`.
                     * @example /api/account/keys/key_Zm9vYmFyYmF6
                     */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "id": "key_Zm9vYmFyYmF6",
                     *         "name": "laptop",
                     *         "prefix": "imgr_AbCd",
                     *         "created_at": "2026-11-27T10:20:00.000Z",
                     *         "last_used_at": null,
                     *         "status": "active",
                     *         "requests_this_hour": 0,
                     *         "key": "imgr_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["NewKeyResponse"];
                };
            };
            /** @description The name is missing, empty, longer than 64 characters or not printable, or the body is not JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "name must be 1 to 64 printable characters"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            /** @description The account already has 10 active keys. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "An account can have at most 10 active keys"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    revokeAccountKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The key's `id`.
                 * @example key_Zm9vYmFyYmF6
                 */
                key_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. No body. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such key in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Key not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listAccountExports: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The exports. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExportListResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    startAccountExport: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The export, `pending`. `Location` names it. */
            202: {
                headers: {
                    /**
                     * @description The export's resource, `/api/account/export/{export_id}`.
                     * @example /api/account/export/exp_Zx8Kq2mN0c4TzP1aXbK9eL
                     */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "id": "exp_Zx8Kq2mN0c4TzP1aXbK9eL",
                     *         "state": "pending",
                     *         "created_at": "2026-11-27T10:20:00.000Z",
                     *         "expires_at": "2026-12-04T10:20:00.000Z",
                     *         "finished_at": null,
                     *         "image_count": null,
                     *         "size": null,
                     *         "url": null,
                     *         "url_expires_at": null
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ExportResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getAccountExport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The export's `id`.
                 * @example exp_Zx8Kq2mN0c4TzP1aXbK9eL
                 */
                export_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The export. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "id": "exp_Zx8Kq2mN0c4TzP1aXbK9eL",
                     *         "state": "ready",
                     *         "created_at": "2026-11-27T10:20:00.000Z",
                     *         "expires_at": "2026-12-04T10:20:00.000Z",
                     *         "finished_at": "2026-11-27T10:20:41.512Z",
                     *         "image_count": 3,
                     *         "size": 123980,
                     *         "url": "https://imager-bucket.s3.eu-west-1.amazonaws.com/exports/acct_Qm9vYmFyYmF6cXV4/exp_Zx8Kq2mN0c4TzP1aXbK9eL.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=5f0e...",
                     *         "url_expires_at": "2026-11-27T11:21:02.000Z"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ExportResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such export in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Export not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "openapi": "3.1.0",
                     *       "info": {
                     *         "title": "Imager API",
                     *         "version": "0.1.0"
                     *       },
                     *       "servers": [
                     *         {
                     *           "url": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"
                     *         }
                     *       ],
                     *       "paths": {}
                     *     }
                     */
                    "application/json": {
                        openapi: string;
                        info: Record<string, never>;
                        servers?: {
                            url: string;
                        }[];
                        paths: Record<string, never>;
                    };
                };
            };
            404: components["responses"]["RouteNotFound"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
        };
    };
    getDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The HTML page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
        };
    };
    getConsole: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The console's HTML page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    listSigningSecrets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The secrets, without their values. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "signing_secrets": [
                     *           {
                     *             "kid": "kQ3xZ9aB",
                     *             "created_at": "2026-11-27T10:20:00.000Z"
                     *           }
                     *         ]
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["SigningSecretListResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    createSigningSecret: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The secret, with its value. `Location` names it. */
            201: {
                headers: {
                    /**
                     * @description The secret's resource, `/api/account/signing-secrets/{kid}`.
                     * @example /api/account/signing-secrets/kQ3xZ9aB
                     */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "kid": "kQ3xZ9aB",
                     *         "created_at": "2026-11-27T10:20:00.000Z",
                     *         "secret": "3q2-7wEAAAAB3q2-7wEAAAAB3q2-7wEAAAAB3q2-7wE",
                     *         "retired": []
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["NewSigningSecretResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    revokeSigningSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The secret's `kid`.
                 * @example kQ3xZ9aB
                 */
                kid: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. No body. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such secret in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Signing secret not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            410: components["responses"]["AccountDeleted"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listWebhookEndpoints: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoints. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointListResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    createWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "url": "https://app.example/hooks/imager",
                 *       "events": [
                 *         "image.ready",
                 *         "image.deleted"
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["NewWebhookEndpoint"];
            };
        };
        responses: {
            /** @description The endpoint, with its secret. `Location` names it. */
            201: {
                headers: {
                    /**
                     * @description The endpoint's resource, `/api/account/webhooks/{endpoint_id}`.
                     * @example /api/account/webhooks/ep_Q3xZ9aBkL2mN7pR4
                     */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NewWebhookEndpointResponse"];
                };
            };
            /** @description Not a JSON object, an unknown field or event, a URL that is not https, carries credentials or is not public. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "url: The host 10.0.0.5 is not a public address"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description The account has 10 endpoints already. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "An account can register at most 10 webhook endpoints"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    deleteWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's `id`.
                 * @example ep_Q3xZ9aBkL2mN7pR4
                 */
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. No body. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such endpoint in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Webhook endpoint not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    updateWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's `id`.
                 * @example ep_Q3xZ9aBkL2mN7pR4
                 */
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enabled": false
                 *     }
                 */
                "application/json": components["schemas"]["WebhookEndpointChanges"];
            };
        };
        responses: {
            /** @description The endpoint as it is now, without its secret. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointResponse"];
                };
            };
            /** @description Nothing to change, an unknown field or event, or a URL refused as at registration. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Nothing to change: give url, events or enabled"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such endpoint in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Webhook endpoint not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's `id`.
                 * @example ep_Q3xZ9aBkL2mN7pR4
                 */
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint with its new secret. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NewWebhookEndpointResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such endpoint in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Webhook endpoint not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                /** @description Deliveries per page, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                /**
                 * @description The endpoint's `id`.
                 * @example ep_Q3xZ9aBkL2mN7pR4
                 */
                endpoint_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the log. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryListResponse"];
                };
            };
            /** @description A limit out of range or a cursor that is not one. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Invalid cursor"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such endpoint in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Webhook endpoint not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    redeliverWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The endpoint's `id`.
                 * @example ep_Q3xZ9aBkL2mN7pR4
                 */
                endpoint_id: string;
                /**
                 * @description The delivery's `id` (its `webhook-id`).
                 * @example msg_2Yx9aBkL2mN7pR4Q3xZ9aBkL2mN
                 */
                delivery_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery, pending again. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryResponse"];
                };
            };
            /** @description Not a delivery id. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Invalid delivery id"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such endpoint or delivery in this account. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "Delivery not found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The delivery is still being tried. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "error",
                     *       "message": "The delivery is still being tried"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getAccountDeletion: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deletion. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "success",
                     *       "data": {
                     *         "state": "deleted",
                     *         "step": null,
                     *         "steps_done": 7,
                     *         "steps_total": 7,
                     *         "started_at": "2026-11-27T10:20:00.000Z",
                     *         "deleted_at": "2026-11-27T10:21:30.000Z"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["AccountDeletionResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["RouteNotFound"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    showDeleteLink: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
                /**
                 * @description The delete link's token (256 random bits, base64url), shown only in the upload's answer.
                 * @example Q2xpY2sgdGhlIGxpbmsgdG8gZGVsZXRlIGl0IG9uY2U
                 */
                token: components["parameters"]["DeleteToken"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The confirmation page; its form POSTs to the same URL. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            404: components["responses"]["InvalidDeleteLink"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    deleteByLink: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The image's `id`.
                 * @example 7Yq2mN0c4TzP1aXbK9eLwQ
                 */
                image_id: components["parameters"]["ImageId"];
                /**
                 * @description The delete link's token (256 random bits, base64url), shown only in the upload's answer.
                 * @example Q2xpY2sgdGhlIGxpbmsgdG8gZGVsZXRlIGl0IG9uY2U
                 */
                token: components["parameters"]["DeleteToken"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted; a page that says so. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            404: components["responses"]["InvalidDeleteLink"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
}
