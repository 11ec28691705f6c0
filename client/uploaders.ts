/**
 * Settings for the uploader tools people already use (docs/clients.md): ShareX's custom uploader
 * file (`.sxcu`), PicGo's web-uploader plugin and uPic's custom host. Each sends the image as
 * multipart/form-data in the field `image` with `Authorization: Bearer <key>`, and reads the
 * answer's JSON envelope: `data.url`, `data.delete_url`, and `message` on an error. The console
 * offers the ShareX file when a key is created; the tests evaluate each tool's paths against
 * real answers of the local API the way the tool does.
 */

export interface UploaderTarget {
  /** The API's base URL, stage prefix included, no trailing slash (`https://abc.execute-api.../v1`). */
  readonly apiUrl: string;
  /** The API key (`imgr_...`). */
  readonly apiKey: string;
  /** What the tool calls the uploader. */
  readonly name?: string;
}

/** Where every tool posts. */
export function uploadUrl(apiUrl: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/api/images/upload`;
}

/** A ShareX custom uploader (ShareX 13.7 syntax and later: `{json:path}`). */
export interface ShareXUploader {
  readonly Version: string;
  readonly Name: string;
  readonly DestinationType: string;
  readonly RequestMethod: 'POST';
  readonly RequestURL: string;
  readonly Headers: Readonly<Record<string, string>>;
  readonly Body: 'MultipartFormData';
  readonly FileFormName: string;
  readonly URL: string;
  readonly ThumbnailURL: string;
  readonly DeletionURL: string;
  readonly ErrorMessage: string;
}

/**
 * The `.sxcu` file's content. `Version` is above 13.7.1, the last version whose `$json:...$`
 * syntax ShareX rewrites on import (that rewrite would escape these `{...}` paths). The
 * thumbnail is a 256-pixel-wide variant, one of the sizes the CDN renders without a signature
 * (docs/transforms.md).
 */
export function shareXUploader(target: UploaderTarget): ShareXUploader {
  return {
    Version: '16.1.0',
    Name: target.name ?? 'Imager',
    DestinationType: 'ImageUploader',
    RequestMethod: 'POST',
    RequestURL: uploadUrl(target.apiUrl),
    Headers: { Authorization: `Bearer ${target.apiKey}` },
    Body: 'MultipartFormData',
    FileFormName: 'image',
    URL: '{json:data.url}',
    ThumbnailURL: '{json:data.url}?w=256',
    DeletionURL: '{json:data.delete_url}',
    ErrorMessage: '{json:message}',
  };
}

/** The file name to save it as (ShareX names imported uploaders by it when `Name` is empty). */
export function shareXFileName(target: UploaderTarget): string {
  return `${(target.name ?? 'Imager').replace(/[^A-Za-z0-9 ._()-]+/g, '_')}.sxcu`;
}

/** The `.sxcu` file's text. */
export function shareXFile(target: UploaderTarget): string {
  return `${JSON.stringify(shareXUploader(target), null, 2)}\n`;
}

/**
 * PicGo's web-uploader plugin (`picgo-plugin-web-uploader`, "自定义Web图床") settings, as its
 * config keys name them: `jsonPath` is split on dots, `customHeader` is a JSON object in a string.
 */
export function picGoWebUploader(target: UploaderTarget): { url: string; paramName: string; jsonPath: string; customHeader: string; customBody: string } {
  return {
    url: uploadUrl(target.apiUrl),
    paramName: 'image',
    jsonPath: 'data.url',
    customHeader: JSON.stringify({ Authorization: `Bearer ${target.apiKey}` }),
    customBody: '',
  };
}

/**
 * uPic's custom host ("自定义") settings, as its config keys name them: `headers` and `bodys` are
 * JSON arrays of `{key, value}`, `resultPath` a JSON array of the keys down to the URL, `domain`
 * empty (the answer's URL is already absolute).
 */
export function uPicCustomHost(target: UploaderTarget): {
  url: string;
  method: 'POST';
  field: string;
  headers: string;
  bodys: string;
  resultPath: string;
  domain: string;
} {
  return {
    url: uploadUrl(target.apiUrl),
    method: 'POST',
    field: 'image',
    headers: JSON.stringify([{ key: 'Authorization', value: `Bearer ${target.apiKey}` }]),
    bodys: '[]',
    resultPath: JSON.stringify(['data', 'url']),
    domain: '',
  };
}
