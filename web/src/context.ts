import type { ImagerApi } from './api';
import type { Auth } from './auth';
import type { ConsoleConfig } from './config';

/** What every view works with, made once at start from `/config.json`. */
export interface ConsoleContext {
  readonly config: ConsoleConfig;
  readonly auth: Auth;
  readonly api: ImagerApi;
}
