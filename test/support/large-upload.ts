import { expect } from 'vitest';
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
  const response = await api.call('/api/images/uploads', {
    method: 'POST',
    ...(request ? { body: JSON.stringify(request), headers: { 'Content-Type': 'application/json' } } : {}),
  });
  expect(response.status).toBe(201);
  expectRateLimitHeaders(response);
  const data = await successData<StartedUpload>(response);
  expect(response.headers.get('location')).toBe(`/api/images/${data.id}`);
  return data;
}

/** Sends the bytes to S3 the way the ticket says: a PUT with its headers, or a POST form. */
export async function sendToS3(upload: UploadTicket, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  if (upload.method === 'PUT') {
    return fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, ...headers }, body: bytes });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
  form.append('file', new Blob([bytes]), 'upload.bin');
  return fetch(upload.url, { method: 'POST', body: form });
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
