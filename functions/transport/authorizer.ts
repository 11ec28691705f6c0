import type { APIGatewayAuthorizerResult } from 'aws-lambda';

/**
 * The policy covers every method of the stage: API Gateway caches the result per token, and a
 * policy naming only the first method would deny the caller's other routes from the cache.
 */
export function stageWildcard(methodArn: string): string {
  // arn:aws:execute-api:region:account:apiId/stage/METHOD/path... (the api id ends the first segment)
  const [apiArn, stage] = methodArn.split('/');
  if (!apiArn || !stage) return methodArn;
  return `${apiArn}/${stage}/*`;
}

/**
 * A TOKEN authorizer's Allow for the whole stage: the principal, the context the routes read
 * (`requestContext.authorizer`), and the value the usage plan meters the request under.
 */
export function allowStage(
  methodArn: string,
  principalId: string,
  context: Readonly<Record<string, string>>,
  usageIdentifierKey: string,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(methodArn) }],
    },
    context: { ...context },
    usageIdentifierKey,
  };
}

/** What API Gateway turns into a 401 (the only error message a TOKEN authorizer may throw for it). */
export function unauthorized(): Error {
  return new Error('Unauthorized');
}
