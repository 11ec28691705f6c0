import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Light on purpose: `npm run keys` and the other scripts find the running API through this
// without loading the emulators and handlers that starting one needs.

/** What a running local API writes to `<data dir>/local.json` so `npm run keys` can find it. */
export interface LocalRuntimeInfo {
  readonly pid: number;
  readonly url: string;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly cognitoEndpoint?: string;
  /** Local mode's key-value store of the edge (scripts that remove images write to it). */
  readonly edgeStoreFile?: string;
  readonly startedAt: string;
}

export const RUNTIME_FILE = 'local.json';

/**
 * The local API running on `dataDir`, from the runtime file it writes, or undefined when none
 * runs there (no file, an unreadable one, or one left by a process that has exited).
 */
export function findRunningLocalApi(dataDir: string): LocalRuntimeInfo | undefined {
  const file = join(dataDir, RUNTIME_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LocalRuntimeInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}
