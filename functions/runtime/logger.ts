import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/**
 * The structured logger every handler shares: Powertools' Logger, created on the first line
 * that is actually logged. Most requests log nothing (the API routes log on errors only), and
 * loading and constructing the Logger cost about 5 ms of every cold start in the benchmark, so
 * a container that never logs never pays for it.
 *
 * Context and keys are recorded at once and snapshotted with each line, so a line keeps the
 * request it was logged for even when the Logger is still loading.
 *
 * Never pass an API key, a key hash or an Authorization header to it: log key ids instead.
 */
type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | 'TRACE' | 'CRITICAL';
type Details = Record<string, unknown>;

let instance: PowertoolsLogger | undefined;
let loading: Promise<PowertoolsLogger> | undefined;
let currentContext: Context | undefined;
let level: Level | undefined;
const keys: Details = {};

function load(): Promise<PowertoolsLogger> {
  loading ??= import('@aws-lambda-powertools/logger').then(({ Logger }) => {
    instance = new Logger({ serviceName: 'imager' });
    if (level) instance.setLogLevel(level);
    return instance;
  });
  return loading;
}

function emit(method: 'debug' | 'info' | 'warn' | 'error', message: string, details: Details = {}): void {
  const context = currentContext;
  const snapshot = { ...keys };
  const write = (target: PowertoolsLogger): void => {
    if (context) target.addContext(context);
    target.appendKeys(snapshot as never);
    target[method](message, details as never);
    target.resetKeys();
  };
  if (instance) write(instance);
  else void load().then(write, () => undefined);
}

export const logger = {
  /** The Lambda context of the invocation being handled (function name, request id). */
  addContext(context: Context): void {
    currentContext = context;
  },
  appendKeys(values: Details): void {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete keys[name];
      else keys[name] = value;
    }
  },
  removeKeys(names: string[]): void {
    for (const name of names) delete keys[name];
  },
  debug: (message: string, details?: Details): void => emit('debug', message, details),
  info: (message: string, details?: Details): void => emit('info', message, details),
  warn: (message: string, details?: Details): void => emit('warn', message, details),
  error: (message: string, details?: Details): void => emit('error', message, details),
  setLogLevel(next: Level): void {
    level = next;
    instance?.setLogLevel(next);
  },
  /** Resolves once the Logger is loaded and every line logged so far has been written. */
  async flushed(): Promise<void> {
    if (loading) await loading;
  },
};
