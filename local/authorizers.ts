import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { GatewayError } from './gateway-http';
import { TtlCache } from './ttl-cache';
import { BEARER_PATTERN } from '../functions/core/api-keys';

export type TokenAuthorizer = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * Verifies a session's Cognito ID token the way API Gateway's Cognito authorizer does and
 * returns its claims (as strings, the way API Gateway passes them), or throws.
 */
export type SessionVerifier = (token: string) => Promise<Record<string, string>>;

/** Same shape as the API Gateway TOKEN authorizer's identity validation expression: a key or a session token. */
export const TOKEN_PATTERN = new RegExp(BEARER_PATTERN);

/** A refusal is an answer too: API Gateway caches it like a policy. */
const REFUSED = 'UNAUTHORIZED';
type Answer<T> = T | typeof REFUSED;

export interface GatewayAuthorizerOptions {
  /** The Lambda TOKEN authorizer of the `key` routes (an API key or the console's session token). */
  readonly authorizer: TokenAuthorizer;
  /** The Cognito authorizer of the `session` routes; without it they answer 401. */
  readonly sessionVerifier?: SessionVerifier;
  /** Result cache per token, like API Gateway's (0 disables). */
  readonly cacheSeconds: number;
  readonly now: () => number;
  readonly report: (message: string, error: unknown) => void;
}

/** The stage's two authorizers, each answering from a result cache per token. */
export interface GatewayAuthorizers {
  /**
   * The TOKEN authorizer's result for the Authorization header (cached per header, evaluated
   * by the caller against this request's method ARN); throws UNAUTHORIZED or AUTHORIZER_FAILURE.
   */
  key(header: string | undefined, methodArn: string): Promise<APIGatewayAuthorizerResult>;
  /**
   * Like API Gateway's Cognito authorizer: the token from the Authorization header (with or
   * without "Bearer "), verified, its claims cached per token; throws UNAUTHORIZED.
   */
  session(header: string | undefined): Promise<Record<string, string>>;
  /** Forgets every cached result (what redeploying the stage does on AWS). */
  flush(): void;
}

export function createGatewayAuthorizers(options: GatewayAuthorizerOptions): GatewayAuthorizers {
  const ttlMs = options.cacheSeconds * 1000;
  const policies = new TtlCache<Answer<APIGatewayAuthorizerResult>>(ttlMs, options.now);
  const sessions = new TtlCache<Answer<Record<string, string>>>(ttlMs, options.now);

  const accepted = <T>(answer: Answer<T>): T => {
    if (answer === REFUSED) throw new GatewayError('UNAUTHORIZED');
    return answer;
  };

  return {
    async key(header, methodArn) {
      if (!header || !TOKEN_PATTERN.test(header)) throw new GatewayError('UNAUTHORIZED');
      return accepted(
        await policies.remember(header, async () => {
          try {
            return await options.authorizer({ type: 'TOKEN', authorizationToken: header, methodArn });
          } catch (error) {
            // The authorizer's way of saying 401; anything else is the authorizer failing (not cached).
            if ((error as Error)?.message === 'Unauthorized') return REFUSED;
            options.report('authorizer failed', error);
            throw new GatewayError('AUTHORIZER_FAILURE');
          }
        }),
      );
    },

    async session(header) {
      const token = header?.replace(/^Bearer\s+/i, '').trim();
      const verify = options.sessionVerifier;
      if (!token || !verify) throw new GatewayError('UNAUTHORIZED');
      return accepted(
        await sessions.remember(token, async () => {
          try {
            return await verify(token);
          } catch {
            return REFUSED;
          }
        }),
      );
    },

    flush() {
      policies.clear();
      sessions.clear();
    },
  };
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
}

/** IAM-style wildcard match: `*` any run of characters, `?` exactly one (case-sensitive). */
export function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

/**
 * API Gateway's evaluation of an authorizer policy for one request: an explicit Deny whose
 * Resource matches wins; otherwise an Allow of `execute-api:Invoke` whose Resource matches the
 * method ARN is needed. A policy that allows other methods only (too narrow, e.g. the first
 * method's ARN cached for every route) answers 403 here as it does on AWS.
 */
export function policyAllows(policy: { Statement?: unknown } | undefined, methodArn: string): boolean {
  const statements = (Array.isArray(policy?.Statement) ? policy.Statement : [policy?.Statement]).filter(Boolean) as PolicyStatement[];
  const applies = (statement: PolicyStatement): boolean => {
    const actions = ([] as string[]).concat(statement.Action ?? []);
    const resources = ([] as string[]).concat(statement.Resource ?? []);
    return (
      actions.some((action) => wildcardMatch(action.toLowerCase(), 'execute-api:invoke')) &&
      resources.some((resource) => wildcardMatch(resource, methodArn))
    );
  };
  if (statements.some((statement) => statement.Effect === 'Deny' && applies(statement))) return false;
  return statements.some((statement) => statement.Effect === 'Allow' && applies(statement));
}
