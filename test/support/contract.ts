import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * The contract check every integration response goes through: is the status declared for the
 * operation, are the required headers there and well-formed, is the content type declared, does
 * a JSON body match its schema. The document is openapi.yaml itself (not the generated JSON),
 * checked against the OpenAPI 3.1 meta-schema and dereferenced by
 * @seriousme/openapi-schema-validator; schemas are compiled with Ajv's JSON Schema 2020-12
 * dialect (the dialect of OpenAPI 3.1). What is ours is only the lookup: path template,
 * method, status.
 */

type Json = Record<string, any>;

export const DOCUMENT_FILE = new URL('../../openapi.yaml', import.meta.url);

/** The document as written (refs intact). */
export function loadDocument(): Json {
  return parse(readFileSync(DOCUMENT_FILE, 'utf8')) as Json;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Contract {
  readonly document: Json;
  readonly ajv: Ajv2020;
  readonly compiled: Map<object, ValidateFunction>;
  /** Per body schema: bodies already checked and what was wrong with each ('' for nothing). */
  readonly checkedBodies: Map<object, Map<string, string>>;
}

let contract: Promise<Contract> | undefined;

/** Parses, validates and dereferences the document once per test file. */
export function loadContract(): Promise<Contract> {
  contract ??= (async () => {
    const validator = new Validator();
    const result = await validator.validate(loadDocument());
    if (!result.valid) throw new Error(`openapi.yaml is not valid OpenAPI: ${JSON.stringify(result.errors, null, 2)}`);
    const document = validator.resolveRefs() as Json;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    // Bodies of these types are bytes: their schema only says so.
    ajv.addFormat('binary', true);
    const c: Contract = { document, ajv, compiled: new Map(), checkedBodies: new Map() };
    // Compile every response schema now: compiling one takes a moment of blocked event loop,
    // which must not fall in the middle of a test's burst of requests (the API runs in-process).
    for (const item of Object.values(document.paths as Json)) {
      for (const method of HTTP_METHODS) {
        for (const response of Object.values((item[method]?.responses ?? {}) as Json)) {
          for (const header of Object.values((response.headers ?? {}) as Json)) if (header.schema) validatorFor(c, header.schema);
          const json = response.content?.['application/json'];
          if (json?.schema) validatorFor(c, json.schema);
        }
      }
    }
    validatorFor(c, document.components.responses.RouteNotFound.content['application/json'].schema);
    return c;
  })();
  return contract;
}

/** What a test saw: the request's method and path (no query) and the whole response. */
export interface ObservedResponse {
  readonly method: string;
  /** The request path as the API saw it (no base URL, no query). */
  readonly path: string;
  readonly status: number;
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string | number | boolean | string[] | undefined>> | Headers;
  readonly body: Uint8Array | string;
}

/** The document's path template for a concrete path: literal segments win over parameters. */
export function matchTemplate(paths: readonly string[], path: string, method?: string, document?: Json): string | undefined {
  const got = path.split('/');
  const candidates = paths.filter((template) => {
    const want = template.split('/');
    if (want.length !== got.length) return false;
    return want.every((segment, i) => (segment.startsWith('{') && segment.endsWith('}') ? got[i] !== '' : segment === got[i]));
  });
  // Most literal segments first: /api/images/upload before /api/images/{image_id}.
  const literals = (template: string) => template.split('/').filter((s) => !s.startsWith('{')).length;
  candidates.sort((a, b) => literals(b) - literals(a));
  if (method && document) {
    const withMethod = candidates.find((template) => document.paths[template]?.[method.toLowerCase()]);
    if (withMethod) return withMethod;
  }
  return candidates[0];
}

function headerOf(headers: ObservedResponse['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
  }
  return undefined;
}

function validatorFor(c: Contract, schema: object): ValidateFunction {
  let validate = c.compiled.get(schema);
  if (!validate) {
    validate = c.ajv.compile(schema);
    c.compiled.set(schema, validate);
  }
  return validate;
}

function describe(errors: ValidateFunction['errors']): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
}

/** Everything in `observed` that the document does not allow (empty when it conforms). */
export async function contractProblems(observed: ObservedResponse): Promise<string[]> {
  const c = await loadContract();
  const method = observed.method.toLowerCase();
  const where = `${observed.method.toUpperCase()} ${observed.path} -> ${observed.status}`;
  const problems: string[] = [];
  const body = typeof observed.body === 'string' ? Buffer.from(observed.body, 'utf8') : Buffer.from(observed.body);
  const contentType = headerOf(observed.headers, 'content-type');

  // Preflights are CORS plumbing answered by the gateway, not operations of the API.
  if (method === 'options') return [];

  const template = matchTemplate(Object.keys(c.document.paths), observed.path, method, c.document);
  const operation = template ? c.document.paths[template][method] : undefined;
  if (!operation) {
    // Not a route of the document: the gateway's 404 in the envelope is the only right answer.
    if (observed.status !== 404) problems.push(`${where}: not a documented operation, so only 404 is allowed`);
    const notFound = c.document.components.responses.RouteNotFound;
    return problems.concat(checkContent(c, where, notFound, contentType, body, method));
  }
  const responses = operation.responses as Json;
  const status = String(observed.status);
  const declared = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
  if (!declared) {
    problems.push(`${where}: status not declared for ${method.toUpperCase()} ${template} (declared: ${Object.keys(responses).join(', ')})`);
    return problems;
  }

  for (const [name, header] of Object.entries((declared.headers ?? {}) as Json)) {
    const value = headerOf(observed.headers, name);
    if (value === undefined) {
      if (header.required) problems.push(`${where}: required header ${name} is missing`);
      continue;
    }
    if (header.schema) {
      const validate = validatorFor(c, header.schema);
      if (!validate(value)) problems.push(`${where}: header ${name}: ${JSON.stringify(value)} ${describe(validate.errors)}`);
    }
  }
  return problems.concat(checkContent(c, where, declared, contentType, body, method));
}

function checkContent(c: Contract, where: string, declared: Json, contentType: string | undefined, body: Buffer, method: string): string[] {
  // HEAD answers carry the headers of a GET and never a body.
  if (method === 'head') return body.byteLength === 0 ? [] : [`${where}: a HEAD answer has a body`];
  const content = declared.content as Json | undefined;
  if (!content) {
    return body.byteLength === 0 ? [] : [`${where}: no body is declared, got ${body.byteLength} bytes (${contentType})`];
  }
  if (!contentType) return [`${where}: no Content-Type`];
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  const media = content[mediaType];
  if (!media) return [`${where}: Content-Type ${contentType} is not declared (declared: ${Object.keys(content).join(', ')})`];
  if (mediaType !== 'application/json') return [];
  const problems: string[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [`${where}: the body is not JSON: ${body.toString('utf8').slice(0, 200)}`];
  }
  // docs/api.md: every envelope says its charset (the one raw AWS answer the document names does not).
  const envelope = typeof parsed === 'object' && parsed !== null && 'status' in parsed;
  if (envelope && contentType !== 'application/json; charset=utf-8') {
    problems.push(`${where}: Content-Type ${contentType}, expected application/json; charset=utf-8`);
  }
  if (media.schema) {
    // Bursts repeat the same body (1,100 quota replies): check each distinct one once, so the
    // check adds no load to the API running in this process.
    const text = body.toString('utf8');
    let seen = c.checkedBodies.get(media.schema);
    if (!seen) c.checkedBodies.set(media.schema, (seen = new Map()));
    let verdict = seen.get(text);
    if (verdict === undefined) {
      const validate = validatorFor(c, media.schema);
      verdict = validate(parsed) ? '' : `body ${describe(validate.errors)}: ${JSON.stringify(parsed).slice(0, 400)}`;
      if (seen.size < 2000) seen.set(text, verdict);
    }
    if (verdict) problems.push(`${where}: ${verdict}`);
  }
  return problems;
}

/** Throws, listing every problem, when the response does not conform to the document. */
export async function assertConforms(observed: ObservedResponse): Promise<void> {
  const problems = await contractProblems(observed);
  if (problems.length > 0) throw new Error(`Response does not match openapi.yaml:\n  ${problems.join('\n  ')}`);
}

/**
 * Checks a fetch Response against the document without consuming it (the caller reads the
 * original), and returns it. `path` defaults to the response URL's path relative to `base`.
 */
export async function checkedResponse(response: Response, request: { method?: string; url: string; base?: string }): Promise<Response> {
  const url = new URL(request.url);
  let path = url.pathname;
  if (request.base) {
    const basePath = new URL(request.base).pathname.replace(/\/$/, '');
    if (basePath && path.startsWith(basePath)) path = path.slice(basePath.length) || '/';
  }
  const body = new Uint8Array(await response.clone().arrayBuffer());
  await assertConforms({ method: request.method ?? 'GET', path, status: response.status, headers: response.headers, body });
  return response;
}

/** fetch(), with the answer checked against the document (for calls to the API only). */
export async function checkedFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(input, init);
  return checkedResponse(response, { method: init.method, url: String(input) });
}
