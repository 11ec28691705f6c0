import type { ShareXUploader } from '../../client/uploaders';

/**
 * How the uploader tools of docs/clients.md build their request and read the answer, written
 * after their own code, so the tests can run each tool's settings against the real local API:
 * - ShareX (ShareX.UploadersLib, CustomUploader/ShareXSyntaxParser.cs and
 *   Functions/CustomUploaderFunctionJson.cs): `{name:param|param}` syntax with `\` escapes, where
 *   a top-level `|` ends the text; `{json:path}` is Newtonsoft's SelectToken on `$.` + path of
 *   the response text, cast to string; URL/ThumbnailURL/DeletionURL are read from a 2xx answer,
 *   ErrorMessage from any other.
 * - PicGo's web-uploader plugin (src/index.js): the file in `paramName`, `customHeader` merged
 *   over its own headers, `jsonPath` split on dots and walked from the parsed body.
 * - uPic (uPic/Models/Custom): the file in `field`, the `headers`/`bodys` arrays of `{key, value}`,
 *   its own `key` form field (the file's save name), and `resultPath` a JSON array walked with
 *   SwiftyJSON subscripts; a non-2xx answer is a failure (Alamofire's validate()).
 */

/** Newtonsoft SelectToken for the paths these tools use: `$.a.b`, `$.a[0]`, `$['a']`. */
function selectToken(root: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`not a JSONPath: ${path}`);
  let node: unknown = root;
  const step = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]/y;
  for (let at = 1; at < path.length; ) {
    step.lastIndex = at;
    const match = step.exec(path);
    if (!match) throw new Error(`unsupported JSONPath ${path} at ${at}`);
    at = step.lastIndex;
    const key = match[1] ?? match[3] ?? Number(match[2]);
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** `(string)JToken`: the value of a string, number or boolean; null when absent. */
function tokenString(token: unknown): string | null {
  if (token === undefined || token === null) return null;
  if (typeof token === 'string') return token;
  if (typeof token === 'number' || typeof token === 'boolean') return String(token);
  throw new Error('Can not convert Object to String.');
}

/** ShareX's parse of one of the uploader's texts against a response. */
export function shareXParse(text: string, responseText: string): string {
  const call = (name: string, parameters: string[]): string => {
    if (name.toLowerCase() === 'response') return responseText;
    if (name.toLowerCase() !== 'json') throw new Error(`Invalid function name: ${name}`);
    if (parameters.length < 1) throw new Error('Minimum parameter count for function "json" is 1.');
    const [input, path] = parameters.length > 1 ? [parameters[0], parameters[1]] : [responseText, parameters[0]];
    if (!input || !path) return '';
    return tokenString(selectToken(JSON.parse(input), path.startsWith('$.') ? path : `$.${path}`)) ?? '';
  };
  const parse = (isFunction: boolean, start: number): { value: string; end: number } => {
    let result = '';
    const parameters: string[] = [];
    let escape = false;
    let i = start;
    for (; i < text.length; i += 1) {
      const c = text[i];
      if (!escape) {
        if (c === '{') {
          const inner = parse(true, i + 1);
          result += inner.value;
          i = inner.end;
          continue;
        } else if (c === '}' || (!isFunction && c === '|')) {
          break;
        } else if (c === '\\') {
          escape = true;
          continue;
        } else if (isFunction && (c === ':' || c === '|')) {
          const parameter = parse(false, i + 1);
          parameters.push(parameter.value);
          i = parameter.end - 1;
          continue;
        }
      }
      escape = false;
      result += c;
    }
    return { value: isFunction ? call(result, parameters) : result, end: i };
  };
  return text ? parse(false, 0).value : '';
}

/** What ShareX sends for an image with this uploader. */
export function shareXRequest(uploader: ShareXUploader, image: Uint8Array, filename: string): { url: string; init: RequestInit } {
  if (uploader.Body !== 'MultipartFormData' || uploader.RequestMethod !== 'POST') throw new Error('only multipart POST uploaders are modelled');
  const form = new FormData();
  form.append(uploader.FileFormName, new Blob([new Uint8Array(image)], { type: 'image/png' }), filename);
  return { url: uploader.RequestURL, init: { method: 'POST', headers: { ...uploader.Headers }, body: form } };
}

/** What ShareX makes of the answer: the three URLs of a success, or the error message of a failure. */
export function shareXResult(uploader: ShareXUploader, status: number, responseText: string): { url?: string; thumbnailUrl?: string; deletionUrl?: string; error?: string } {
  if (status >= 200 && status < 300) {
    return {
      url: uploader.URL ? shareXParse(uploader.URL, responseText) : responseText,
      thumbnailUrl: shareXParse(uploader.ThumbnailURL, responseText),
      deletionUrl: shareXParse(uploader.DeletionURL, responseText),
    };
  }
  return { error: shareXParse(uploader.ErrorMessage, responseText) };
}

/** What PicGo's web uploader sends. */
export function picGoRequest(config: { url: string; paramName: string; customHeader: string; customBody: string }, image: Uint8Array, filename: string): { url: string; init: RequestInit } {
  const headers: Record<string, string> = { 'User-Agent': 'PicGo', ...(config.customHeader ? (JSON.parse(config.customHeader) as Record<string, string>) : {}) };
  const form = new FormData();
  for (const [name, value] of Object.entries(config.customBody ? (JSON.parse(config.customBody) as Record<string, string>) : {})) form.append(name, value);
  form.append(config.paramName, new Blob([new Uint8Array(image)]), filename);
  return { url: config.url, init: { method: 'POST', headers, body: form } };
}

/** The image URL PicGo takes from the body (undefined: it shows "请检查JsonPath设置"). */
export function picGoResult(config: { jsonPath: string }, body: string): unknown {
  if (!config.jsonPath) return body;
  let value: unknown = JSON.parse(body);
  for (const field of config.jsonPath.split('.')) value = (value as Record<string, unknown>)[field];
  return value || undefined;
}

/** What uPic sends, with its save name for the file. */
export function uPicRequest(
  config: { url: string; method: string; field: string; headers: string; bodys: string },
  image: Uint8Array,
  saveKey: string,
): { url: string; init: RequestInit } {
  const pairs = (text: string) => (JSON.parse(text || '[]') as Array<{ key: string; value?: string }>).filter((pair) => pair.key);
  const headers: Record<string, string> = {};
  for (const { key, value } of pairs(config.headers)) headers[key] = (value ?? '').replaceAll('{filename}', saveKey);
  const form = new FormData();
  for (const { key, value } of pairs(config.bodys)) form.append(key, (value ?? '').replaceAll('{filename}', saveKey));
  form.append('key', saveKey);
  form.append(config.field, new Blob([new Uint8Array(image)], { type: 'image/png' }), saveKey);
  return { url: config.url, init: { method: config.method, headers, body: form } };
}

/** The URL uPic takes from a 2xx answer (SwiftyJSON `json[path].rawString()`), or its failure. */
export function uPicResult(config: { resultPath: string; domain: string }, status: number, body: string): { url?: string; failed?: true } {
  if (status < 200 || status > 299) return { failed: true };
  const path = JSON.parse(config.resultPath.replaceAll("'", '"').replaceAll('，', ',')) as Array<string | number>;
  let value: unknown = JSON.parse(body);
  for (const key of path) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string | number, unknown>)[key];
  let url = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  if (!url) return { failed: true };
  if (config.domain) url = `${config.domain}/${url}`;
  return { url };
}
