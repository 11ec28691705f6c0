import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { expectRateLimitHeaders, type ImageBody, successData } from './http';
import type { TestApi } from './local-api';

/** The `upload` of a multipart start (docs/api.md, "Resumable uploads"). */
export interface MultipartTicket {
  readonly method: 'multipart';
  readonly part_size: number;
  readonly part_count: number;
  readonly expires_at: string;
  readonly max_size: number;
}

export type StartedMultipart = ImageBody & { readonly upload: MultipartTicket };

export interface SignedPart {
  readonly part_number: number;
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Record<string, string>;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

/** POST /api/images/uploads with `"multipart": true`; asserts the 201 and returns the pending image with its ticket. */
export async function startMultipart(api: TestApi, size: number, extra: Record<string, unknown> = {}, key?: string): Promise<StartedMultipart> {
  const response = await api.call('/api/images/uploads', { ...json({ size, multipart: true, ...extra }), key });
  expect(response.status).toBe(201);
  expectRateLimitHeaders(response);
  const started = await successData<StartedMultipart>(response);
  expect(response.headers.get('location')).toBe(`/api/images/${started.id}`);
  return started;
}

/** POST /api/images/{id}/upload/parts: the signed parts (every part when `numbers` is absent). */
export async function signParts(api: TestApi, id: string, numbers?: number[], key?: string): Promise<SignedPart[]> {
  const response = await api.call(`/api/images/${id}/upload/parts`, { ...json(numbers ? { part_numbers: numbers } : {}), key });
  expect(response.status).toBe(200);
  return (await successData<{ parts: SignedPart[] }>(response)).parts;
}

/** Bytes of part `partNumber` (1-based) of `file` cut into `partSize` pieces. */
export function partOf(file: Uint8Array, partSize: number, partNumber: number): Uint8Array {
  return file.subarray((partNumber - 1) * partSize, partNumber * partSize);
}

/** PUTs one part to S3 as a client does (its signed headers: Content-Length, which fetch sets itself). */
export function putPart(part: SignedPart, bytes: Uint8Array): Promise<Response> {
  return fetch(part.url, { method: 'PUT', body: new Blob([bytes]) });
}

/** Signs and PUTs every part of `file`; returns the ETags S3 answered, by part number. */
export async function sendAllParts(api: TestApi, started: StartedMultipart, file: Uint8Array): Promise<Array<{ part_number: number; etag: string }>> {
  const parts = await signParts(api, started.id);
  expect(parts.map((part) => part.part_number)).toEqual(Array.from({ length: started.upload.part_count }, (_, i) => i + 1));
  const etags = [];
  for (const part of parts) {
    const put = await putPart(part, partOf(file, started.upload.part_size, part.part_number));
    expect(put.status).toBe(200);
    etags.push({ part_number: part.part_number, etag: put.headers.get('etag')! });
  }
  return etags;
}

/** POST /api/images/{id}/upload/complete (the parts S3 holds when `parts` is absent). */
export function complete(api: TestApi, id: string, parts?: Array<{ part_number: number; etag: string }>): Promise<Response> {
  return api.call(`/api/images/${id}/upload/complete`, json(parts ? { parts } : {}));
}

/** The multipart uploads still open in the local bucket, as `key` strings (ListMultipartUploads). */
export async function openMultipartUploads(): Promise<string[]> {
  const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true });
  try {
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: process.env.BUCKET_NAME }));
    return (listed.Uploads ?? []).map((upload) => upload.Key!).sort();
  } finally {
    s3.destroy();
  }
}
