import { createHash, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { createImagerClient, type Image, type ImagerClient, type ReadyImage, uploadImage } from '../client/index';

/**
 * The post-deploy smoke (docs/deploy.md#smoke): what a user does first, against a running API,
 * through the typed client and the public URL: upload, get, the public URL through the CDN,
 * a variant, list, delete, and the URL's 404 afterwards. Each step says what it saw; a step
 * that needs an earlier one's result is skipped when that one failed, and the delete is tried
 * whenever the upload worked, so a failed run leaves nothing behind.
 */

export const STEPS = ['upload', 'get', 'public-url', 'variant', 'list', 'delete', 'gone'] as const;
export type StepName = (typeof STEPS)[number];

export interface StepResult {
  readonly step: StepName;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly detail: string;
}

export interface SmokeTarget {
  /** The API's base URL, stage included (the stack's `ApiUrl`). */
  readonly apiUrl: string;
  readonly key: string;
  /** Where every image `url` must start (the stack's `PublicBaseUrl`); unset: not checked. */
  readonly publicBaseUrl?: string;
}

export interface SmokeOptions {
  /** How long the CDN may take to serve a new image and to forget a deleted one, in seconds (default 300). */
  readonly cdnWaitSeconds?: number;
  /** How long a key made just now may take to be honoured (API Gateway, the authorizer cache), in seconds (default 0). */
  readonly keyWaitSeconds?: number;
  /** Pause between two tries while waiting, in seconds (default 5). */
  readonly pollSeconds?: number;
  readonly fetch?: typeof fetch;
  /** Called as each step ends (the CLI prints it). */
  readonly onStep?: (result: StepResult) => void;
}

/** The smoke's variant: a 64 px wide WebP (a preset width, so no signature: docs/edge.md) of the 128 x 96 PNG it uploads. */
const IMAGE = { width: 128, height: 96 } as const;
const VARIANT_QUERY = 'w=64&format=webp';
const REQUEST_TIMEOUT_MS = 30_000;

class StepFailure extends Error {}

/** A fresh PNG each run (a random colour), so no earlier run's image or cached copy can answer for it. */
async function smokeImage(): Promise<Buffer> {
  const background = { r: randomInt(256), g: randomInt(256), b: randomInt(256) };
  return sharp({ create: { ...IMAGE, channels: 3, background } }).png().toBuffer();
}

/** The API's error message of a response, or its status text. */
function messageOf(body: unknown, response: Response): string {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? `"${message}"` : response.statusText || 'no message';
}

function expectStatus(response: Response, expected: number, body: unknown): void {
  if (response.status === expected) return;
  const hint = response.status === 401 || response.status === 403 ? ' (is the key right, and not revoked?)' : '';
  throw new StepFailure(`expected ${expected}, got ${response.status} ${messageOf(body, response)}${hint}`);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Runs the smoke against `target`; every step's result, in order (none throws). */
export async function runSmoke(target: SmokeTarget, options: SmokeOptions = {}): Promise<StepResult[]> {
  const fetchImpl = options.fetch ?? fetch;
  const cdnWaitMs = (options.cdnWaitSeconds ?? 300) * 1000;
  const keyWaitMs = (options.keyWaitSeconds ?? 0) * 1000;
  const pollMs = (options.pollSeconds ?? 5) * 1000;
  const client: ImagerClient = createImagerClient({
    baseUrl: target.apiUrl,
    apiKey: target.key,
    fetch: (request: Request) => fetchImpl(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
  });
  const get = (url: string) => fetchImpl(url, { redirect: 'follow', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

  /** Asks `url` until `done` says so or `waitMs` has passed; the last answer either way. */
  const until = async (url: string, waitMs: number, done: (response: Response) => boolean): Promise<{ response: Response; bytes: Buffer; seconds: number }> => {
    const started = Date.now();
    for (;;) {
      const response = await get(url);
      const bytes = Buffer.from(await response.arrayBuffer());
      const seconds = Math.round((Date.now() - started) / 1000);
      if (done(response) || Date.now() - started + pollMs > waitMs) return { response, bytes, seconds };
      await sleep(pollMs);
    }
  };

  const results: StepResult[] = [];
  const record = (step: StepName, status: StepResult['status'], detail: string) => {
    const result = { step, status, detail };
    results.push(result);
    options.onStep?.(result);
  };
  const attempt = async (step: StepName, work: () => Promise<string>): Promise<boolean> => {
    try {
      record(step, 'passed', await work());
      return true;
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const detail = error instanceof StepFailure ? error.message : `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`;
      record(step, 'failed', detail);
      return false;
    }
  };
  const skip = (steps: readonly StepName[], because: string) => steps.forEach((step) => record(step, 'skipped', because));

  let image: ReadyImage | undefined;
  const uploaded = await attempt('upload', async () => {
    const bytes = await smokeImage();
    const started = Date.now();
    for (;;) {
      const { data, error, response } = await uploadImage(client, new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'smoke.png');
      const refused = response.status === 401 || response.status === 403;
      if (refused && Date.now() - started + pollMs <= keyWaitMs) {
        await sleep(pollMs);
        continue;
      }
      expectStatus(response, 201, error);
      const answered = data!.data as Image;
      if (answered.state !== 'ready') throw new StepFailure(`expected a ready image, got state "${answered.state}"`);
      if (answered.width !== IMAGE.width || answered.height !== IMAGE.height || answered.format !== 'png') {
        throw new StepFailure(`expected a ${IMAGE.width}x${IMAGE.height} png, got ${answered.width}x${answered.height} ${answered.format}`);
      }
      image = answered;
      return `201, id ${answered.id}, ${answered.width}x${answered.height} ${answered.format}, ${answered.size} bytes`;
    }
  });
  if (!uploaded || !image) {
    skip(['get', 'public-url', 'variant', 'list', 'delete', 'gone'], 'needs the upload');
    return results;
  }
  const { id, url } = image;
  const variantUrl = `${url}?${VARIANT_QUERY}`;

  await attempt('get', async () => {
    const { data, error, response } = await client.GET('/api/images/{image_id}', { params: { path: { image_id: id } } });
    expectStatus(response, 200, error);
    const got = data!.data as ReadyImage;
    if (got.id !== id || got.sha256 !== image!.sha256) throw new StepFailure(`answered ${got.id} (sha256 ${got.sha256}), not the upload`);
    return `200, the same image`;
  });

  await attempt('public-url', async () => {
    if (target.publicBaseUrl && !url.startsWith(`${target.publicBaseUrl.replace(/\/+$/, '')}/`)) {
      throw new StepFailure(`${url} is not under PublicBaseUrl ${target.publicBaseUrl}`);
    }
    const { response, bytes, seconds } = await until(url, cdnWaitMs, (r) => r.status === 200);
    if (response.status !== 200) throw new StepFailure(`${url} answered ${response.status} for ${seconds} s, expected 200`);
    const type = response.headers.get('content-type');
    if (type !== 'image/png' || sha256(bytes) !== image!.sha256) {
      throw new StepFailure(`${url} answered ${type}, sha256 ${sha256(bytes)}; expected image/png, sha256 ${image!.sha256}`);
    }
    return `200 from ${url}, the stored bytes (image/png)`;
  });

  await attempt('variant', async () => {
    // A variant is rendered on its first request: allow for a cold start, as for the CDN.
    const { response, bytes, seconds } = await until(variantUrl, cdnWaitMs, (r) => r.status === 200 || (r.status >= 400 && r.status < 500 && r.status !== 403 && r.status !== 404));
    if (response.status !== 200) throw new StepFailure(`${variantUrl} answered ${response.status} for ${seconds} s, expected 200`);
    const meta = await sharp(bytes).metadata().catch(() => undefined);
    if (response.headers.get('content-type') !== 'image/webp' || meta?.format !== 'webp' || meta.width !== 64) {
      throw new StepFailure(`${variantUrl} answered ${response.headers.get('content-type')}, ${meta ? `${meta.format} ${meta.width}x${meta.height}` : 'not an image'}; expected a 64 px wide WebP`);
    }
    return `200, a ${meta.width}x${meta.height} WebP`;
  });

  await attempt('list', async () => {
    const { data, error, response } = await client.GET('/api/images', { params: { query: { limit: 100 } } });
    expectStatus(response, 200, error);
    const ids = data!.data.images.map((listed) => listed.id);
    if (!ids.includes(id)) throw new StepFailure(`${id} is not among the ${ids.length} newest images`);
    return `200, ${id} among ${ids.length} image(s)`;
  });

  const deleted = await attempt('delete', async () => {
    const { error, response } = await client.DELETE('/api/images/{image_id}', { params: { path: { image_id: id } } });
    expectStatus(response, 204, error);
    return '204';
  });
  if (!deleted) {
    skip(['gone'], 'needs the delete');
    return results;
  }

  await attempt('gone', async () => {
    // The CDN forgets the image when its purge has run (asynchronously, docs/delivery.md).
    for (const address of [url, variantUrl]) {
      const { response, seconds } = await until(address, cdnWaitMs, (r) => r.status === 404);
      if (response.status !== 404) throw new StepFailure(`${address} still answered ${response.status} after ${seconds} s, expected 404`);
    }
    return `404 from ${url} and its variant`;
  });
  return results;
}

/** A step's result as the CLI prints it. */
export function formatStep(result: StepResult): string {
  const label = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' }[result.status];
  return `${label} ${result.step}: ${result.detail}`;
}
