import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import type { AwsCredentialIdentityProvider, Checksum, HttpRequest, SourceData } from '@smithy/types';

/**
 * What presigning needs, without an S3 client: the start-upload function never sends
 * anything to S3 itself, it only signs URLs, and the S3 client costs about 10 ms of every
 * cold start (docs/performance.md). Signing itself is the SDK's (S3RequestPresigner, the
 * SigV4 signing key); this module only builds the plain request the client would have built.
 */
export interface S3Location {
  readonly bucketName: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  /** A custom S3 endpoint (AWS_ENDPOINT_URL_S3), addressed path-style; AWS's own otherwise. */
  readonly endpoint?: string;
}

function toBytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 / HMAC-SHA-256 from node:crypto, in the shape the SigV4 signer takes. */
export class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** RFC 3986 encoding, as SigV4 canonicalises paths and query strings. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The request an S3 object operation on `key` (or on the bucket, without one) would send. */
export function objectRequest(
  location: S3Location,
  method: string,
  key: string | undefined,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
): HttpRequest {
  const encodedKey = key === undefined ? '' : key.split('/').map(encodeRfc3986).join('/');
  if (location.endpoint) {
    const url = new URL(location.endpoint);
    const base = url.pathname.replace(/\/+$/, '');
    return {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: `${base}/${location.bucketName}${key === undefined ? '' : `/${encodedKey}`}`,
      query,
      headers: { ...headers, host: url.host },
    };
  }
  const hostname = `${location.bucketName}.s3.${location.region}.amazonaws.com`;
  return { method, protocol: 'https:', hostname, path: `/${encodedKey}`, query, headers: { ...headers, host: hostname } };
}

/** The URL of a (signed) request. */
export function formatUrl(request: HttpRequest): string {
  const query = Object.entries(request.query ?? {})
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `${encodeRfc3986(name)}=${encodeRfc3986(String(v))}`),
    )
    .join('&');
  const port = request.port ? `:${request.port}` : '';
  return `${request.protocol}//${request.hostname}${port}${request.path}${query ? `?${query}` : ''}`;
}

/** The SDK's S3 presigner for a location, hashing with node:crypto. */
export function presignerFor(location: S3Location): S3RequestPresigner {
  return new S3RequestPresigner({ region: location.region, credentials: location.credentials, sha256: Sha256 });
}
