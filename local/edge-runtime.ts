import { createHmac } from 'node:crypto';
import { createContext, Script } from 'node:vm';

/**
 * The CloudFront Functions runtime, as far as Imager's edge functions use it (docs/edge.md): the
 * function file runs in a bare `vm` context with no Node APIs, its two imports (`cloudfront` for
 * the key-value store, `crypto` for HMAC) provided by shims, and `Date.now()` on a clock the
 * caller may move. Local mode's CDN and the tests run the deployed code this way.
 */

/** The store as the shim reads it: the value of a key, or undefined. */
export type EdgeReader = (key: string) => string | undefined;

export interface EdgeRuntimeOptions {
  /** The key-value store the function is associated with. */
  readonly store?: EdgeReader;
  /** Milliseconds since the epoch, for `Date.now()`. */
  readonly now?: () => number;
  /** Counts every store read (the benchmark and the tests look at it). */
  readonly onRead?: (key: string) => void;
}

/** A loaded edge function: the file's `handler`. */
export type EdgeHandler = (event: unknown) => unknown;

const IMPORT = /^import (\w+) from '([\w-]+)';$/gm;
const MODULES = new Set(['cloudfront', 'crypto']);

/** Loads `code` (an edge function file's text) and returns its handler. */
export function loadEdgeFunction(code: string, options: EdgeRuntimeOptions = {}): EdgeHandler {
  const bindings: Record<string, unknown> = {};
  const script = code.replace(IMPORT, (_line, binding: string, module: string) => {
    if (!MODULES.has(module)) throw new Error(`CloudFront Functions have no module "${module}"`);
    bindings[binding] = module === 'cloudfront' ? cloudfrontModule(options) : cryptoModule;
    return '';
  });
  const now = options.now ?? Date.now;
  const context = createContext({ ...bindings, __imagerNow: () => now() });
  new Script('Date.now = function () { return __imagerNow(); };').runInContext(context);
  new Script(script, { filename: 'edge-function.js' }).runInContext(context);
  const handler = (context as { handler?: EdgeHandler }).handler;
  if (typeof handler !== 'function') throw new Error('an edge function defines handler(event)');
  return handler;
}

/** `import cf from 'cloudfront'`: `cf.kvs()` over the given store; `get` rejects for a missing key, as CloudFront's does. */
function cloudfrontModule(options: EdgeRuntimeOptions) {
  const store = options.store ?? (() => undefined);
  return {
    kvs: () => ({
      async get(key: string, opts?: { format?: 'string' | 'json' | 'bytes' }): Promise<unknown> {
        options.onRead?.(key);
        const value = store(key);
        if (value === undefined) throw new Error(`KeyValueStore: key not found: ${key}`);
        return opts?.format === 'json' ? JSON.parse(value) : opts?.format === 'bytes' ? Buffer.from(value) : value;
      },
      async exists(key: string): Promise<boolean> {
        options.onRead?.(key);
        return store(key) !== undefined;
      },
    }),
  };
}

/** `import crypto from 'crypto'`: the HMAC and hash the runtime offers (sha256 here), with its digest encodings. */
const cryptoModule = {
  createHmac(algorithm: string, key: string) {
    const hmac = createHmac(algorithm, key);
    const wrapper = {
      update(data: string) {
        hmac.update(data);
        return wrapper;
      },
      digest(encoding?: 'hex' | 'base64' | 'base64url') {
        return encoding ? hmac.digest(encoding) : hmac.digest();
      },
    };
    return wrapper;
  },
};
