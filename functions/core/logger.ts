import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The structured logger every handler shares. Never pass an API key, a key hash or an
 * Authorization header to it: log key ids instead.
 */
export const logger = new Logger({ serviceName: 'imager' });
