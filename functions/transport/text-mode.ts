import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { headerOf } from './request';

/**
 * Text mode (docs/api.md#text-mode): an upload asked for with `Accept: text/plain` answers the
 * image's URL alone as its body (what `flameshot gui -r | curl ...` and shell scripts want),
 * and an error keeps its status with its message alone as the body. Everything else about the
 * response (status, Location, the rate-limit headers) is what the JSON answer has.
 */

export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

interface Range {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function ranges(accept: string): Range[] {
  return accept.split(',').flatMap((part) => {
    const [range, ...params] = part.trim().split(';');
    const [type, subtype] = range.trim().toLowerCase().split('/');
    if (!type || !subtype) return [];
    const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return Number.isFinite(q) ? [{ type, subtype, q }] : [];
  });
}

/** The quality the client gives `type/subtype`, from its most specific matching range, and how specific that range is. */
function quality(all: readonly Range[], type: string, subtype: string): { q: number; specificity: number } {
  let best = { q: 0, specificity: -1 };
  for (const range of all) {
    const specificity = range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity > best.specificity) best = { q: range.q, specificity };
  }
  return best;
}

/**
 * Whether the client prefers `text/plain` to JSON: a higher quality, or the same quality named
 * outright where JSON is only covered by a wildcard (`Accept: text/plain, *\/*`). No Accept, or
 * `*\/*` alone, is JSON.
 */
export function prefersText(event: Pick<APIGatewayProxyEvent, 'headers'>): boolean {
  const accept = headerOf(event, 'accept');
  if (!accept) return false;
  const all = ranges(accept);
  const text = quality(all, 'text', 'plain');
  const json = quality(all, 'application', 'json');
  if (text.q <= 0) return false;
  return text.q > json.q || (text.q === json.q && text.specificity > json.specificity);
}

/** The JSON answer of an upload as text: the URL of a success, the message of an error. */
export function asText(result: APIGatewayProxyResult): APIGatewayProxyResult {
  let body: { data?: { url?: unknown }; message?: unknown };
  try {
    body = JSON.parse(result.body) as typeof body;
  } catch {
    return result;
  }
  const ok = result.statusCode >= 200 && result.statusCode < 300;
  const text = ok ? body.data?.url : body.message;
  if (typeof text !== 'string') return result;
  return { ...result, headers: { ...result.headers, 'Content-Type': TEXT_CONTENT_TYPE }, body: text };
}

/** `handler`, answering in text mode when the request asks for it. */
export function withTextMode<E extends Pick<APIGatewayProxyEvent, 'headers'>>(
  handler: (event: E, context?: Context) => Promise<APIGatewayProxyResult>,
): (event: E, context?: Context) => Promise<APIGatewayProxyResult> {
  return async (event, context) => {
    const result = await handler(event, context);
    return prefersText(event) ? asText(result) : result;
  };
}
