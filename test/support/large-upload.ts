import { expect } from 'vitest';
import { sendUpload } from '../../client/index';
import { expectRateLimitHeaders, type ImageBody, successData } from './http';
import type { TestApi } from './local-api';

export interface UploadTicket {
  readonly method: 'PUT' | 'POST';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly fields?: Record<string, string>;
  readonly expires_at: string;
  readonly max_size: number;
}

export type StartedUpload = ImageBody & { readonly upload: UploadTicket };

/** POST /api/images/uploads; asserts the 201 and returns the pending image with its upload. */
export async function startUpload(api: TestApi, request?: { size?: number; content_type?: string }): Promise<StartedUpload> {
  // Through the typed client; `content_type` is typed as the allowed image types.
  const { data, response } = await api.client().POST('/api/images/uploads', request ? { body: request as never } : {});
  expect(response.status).toBe(201);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expectRateLimitHeaders(response);
  const started = data!.data as StartedUpload;
  expect(response.headers.get('location')).toBe(`/api/images/${started.id}`);
  return started;
}

/**
 * Sends the bytes to S3 the way the ticket says (the client's `sendUpload`: a PUT with its
 * headers, or a POST form); `headers` are extra PUT headers, to try what S3 would refuse.
 */
export async function sendToS3(upload: UploadTicket, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return sendUpload({ ...upload, headers: { ...upload.headers, ...headers } }, new Blob([bytes]));
}

/**
 * Waits for the finalize runs that S3 events started (s3rver emits the event before it answers
 * the upload, so they are in flight by now) and returns the image as GET shows it.
 */
export async function settled(api: TestApi, id: string): Promise<ImageBody> {
  await api.idle();
  const response = await api.call(`/api/images/${id}`);
  expect(response.status).toBe(200);
  return successData(response);
}
