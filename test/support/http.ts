import { DEFAULTS } from '../../functions/core/config';
import { type PublishableImage, prepareForPublishing } from '../../functions/core/published-image';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { checkedFetch } from './contract';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** The allowed formats and their committed 64x48 samples. */
export const SAMPLES = [
  { format: 'jpeg', file: 'sample.jpg', contentType: 'image/jpeg' },
  { format: 'png', file: 'sample.png', contentType: 'image/png' },
  { format: 'gif', file: 'sample.gif', contentType: 'image/gif' },
  { format: 'webp', file: 'sample.webp', contentType: 'image/webp' },
  { format: 'avif', file: 'sample.avif', contentType: 'image/avif' },
  { format: 'bmp', file: 'sample.bmp', contentType: 'image/bmp' },
  { format: 'tiff', file: 'sample.tiff', contentType: 'image/tiff' },
] as const;

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

/** What the API publishes for these uploaded bytes: checked, metadata removed (default limits). */
export function published(bytes: Uint8Array): PublishableImage {
  return prepareForPublishing(bytes, { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels }, { maxBytes: DEFAULTS.maxLargeImageBytes });
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A multipart form with `bytes` in the field `image`. */
export function imageForm(bytes: Uint8Array, filename = 'image.bin', type = 'application/octet-stream'): FormData {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type }), filename);
  return form;
}

/** Asserts the error envelope: status, JSON content type, exactly `{status:"error", message}`. */
export async function expectError(response: Response, status: number, message: string | RegExp): Promise<void> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe(JSON_TYPE);
  const body = JSON.parse(text) as { status: unknown; message: unknown };
  expect(Object.keys(body).sort()).toEqual(['message', 'status']);
  expect(body.status).toBe('error');
  if (typeof message === 'string') expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
}

/** Asserts the hourly rate-limit headers every authenticated response carries (docs/quotas.md). */
export function expectRateLimitHeaders(response: Response): void {
  const limit = Number(response.headers.get('x-ratelimit-limit'));
  const remaining = Number(response.headers.get('x-ratelimit-remaining'));
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  expect(Number.isInteger(limit) && limit > 0).toBe(true);
  expect(Number.isInteger(remaining) && remaining >= 0 && remaining < limit).toBe(true);
  // The end of the current clock hour, in unix seconds.
  expect(reset % 3600).toBe(0);
  expect(reset * 1000).toBeGreaterThan(Date.now() - 5_000);
  expect(response.headers.get('ratelimit-policy')).toBe(`"hourly";q=${limit};w=3600`);
  expect(response.headers.get('ratelimit')).toMatch(new RegExp(`^"hourly";r=${remaining};t=\\d+$`));
}

export interface ImageBody {
  readonly id: string;
  readonly url: string;
  readonly state: 'pending' | 'ready' | 'rejected';
  readonly width?: number;
  readonly height?: number;
  readonly format?: string;
  readonly content_type?: string;
  readonly size?: number;
  readonly sha256?: string;
  readonly created_at: string;
  readonly reason?: string;
}

/** Reads a success envelope and returns its `data`. */
export async function successData<T = ImageBody>(response: Response): Promise<T> {
  expect(response.headers.get('content-type')).toBe(JSON_TYPE);
  const body = (await response.json()) as { status: string; data: T };
  expect(body.status).toBe('success');
  return body.data;
}

/**
 * Fetches an image's public `url` the way a browser would. Locally the API serves `/image/`
 * the way CloudFront does: the bytes themselves, no redirect (a redirect would fail here).
 */
export async function download(url: string, init: RequestInit = {}): Promise<{ response: Response; bytes: Buffer }> {
  // The public URL is part of the contract too: checked against openapi.yaml.
  const response = await checkedFetch(url, { redirect: 'manual', ...init });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { response, bytes };
}
