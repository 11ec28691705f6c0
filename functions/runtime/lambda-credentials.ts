import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (an esbuild
 * alias in lib/imager-function.ts). Lambda always hands the execution role's credentials to
 * the function in environment variables, so the default chain's other providers (SSO, INI,
 * process, web identity, IMDS, with the STS/SSO clients they pull in) are dead weight that
 * every cold start would load. Local mode and tests run the sources with the full chain.
 */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
