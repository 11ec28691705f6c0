import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UNSIGNED_DEFAULTS, type UnsignedSet } from '../../functions/core/edge-rules';

/**
 * The code of the edge functions as CloudFront runs it (docs/edge.md): the files beside this one,
 * with the configured unsigned set written into the viewer-request function (CloudFront Functions
 * have no environment, so settings are part of the code). The stack deploys exactly this text and
 * local mode runs exactly this text, so both decide alike. No CDK here: local mode imports it.
 */

export type EdgeFunctionFile = 'viewer-request.js' | 'viewer-response.js';

/** CloudFront's limit on a function's code. */
export const MAX_FUNCTION_BYTES = 10 * 1024;

/** Where an edge function file is. */
export function edgeFunctionPath(file: EdgeFunctionFile): string {
  return fileURLToPath(new URL(`./${file}`, import.meta.url));
}

const SIZES_LINE = /^var SIZES = \[[^\]\n]*\];$/m;
const FORMATS_LINE = /^var FORMATS_UNSIGNED = \[[^\]\n]*\];$/m;

/** The code of `file`, with the unsigned set in place (the viewer-request function only). */
export function edgeFunctionCode(file: EdgeFunctionFile, unsigned: UnsignedSet = UNSIGNED_DEFAULTS): string {
  const source = readFileSync(edgeFunctionPath(file), 'utf8');
  if (file !== 'viewer-request.js') return source;
  if (!SIZES_LINE.test(source) || !FORMATS_LINE.test(source)) throw new Error('viewer-request.js lost its unsigned-set lines');
  return source
    .replace(SIZES_LINE, `var SIZES = ${JSON.stringify(unsigned.sizes)};`)
    .replace(FORMATS_LINE, `var FORMATS_UNSIGNED = ${JSON.stringify(unsigned.formats)};`);
}
