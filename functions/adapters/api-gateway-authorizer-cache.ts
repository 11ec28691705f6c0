import { type APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';

/**
 * The stage's cache of authorizer answers. Flushed when an account is deleted, so its keys and
 * its console sessions are refused from the next request, not after the cache's TTL
 * (docs/account-deletion.md). Nothing else flushes it: every caller's next request after a flush
 * is an authorizer call.
 */
export class ApiGatewayAuthorizerCache {
  constructor(
    private readonly client: APIGatewayClient,
    private readonly target: { readonly restApiId: string; readonly stageName: string },
  ) {}

  async flush(): Promise<void> {
    await this.client.send(new FlushStageAuthorizersCacheCommand({ restApiId: this.target.restApiId, stageName: this.target.stageName }));
  }
}
