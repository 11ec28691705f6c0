import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  FlushStageAuthorizersCacheCommand,
  GetUsagePlansCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import type { UsagePlanKeys } from '../core/account-keys';

/** The stage whose usage plan meters the keys. */
export interface UsagePlanStage {
  readonly restApiId: string;
  readonly stageName: string;
}

/**
 * Each issued key as an API Gateway API key on the stage's usage plan (SPEC §2), the same steps
 * `npm run keys -- --stack` takes. The usage plan is found from the stage it serves rather than
 * passed in: the plan depends on the stage, the stage on the methods, the methods on this
 * function, so the plan's id cannot be in this function's environment without a cycle.
 */
export class ApiGatewayUsagePlanKeys implements UsagePlanKeys {
  private usagePlanId: Promise<string> | undefined;

  constructor(
    private readonly client: APIGatewayClient,
    private readonly stage: UsagePlanStage,
  ) {}

  async register(keyId: string, key: string, accountId: string): Promise<string> {
    const usagePlanId = await this.planId();
    const created = await this.client.send(
      new CreateApiKeyCommand({ name: `imager-${accountId}-${keyId}`, description: `Imager key ${keyId} of account ${accountId}`, value: key, enabled: true }),
    );
    const apiKeyId = created.id!;
    try {
      await this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId: apiKeyId, keyType: 'API_KEY' }));
    } catch (error) {
      await this.client.send(new DeleteApiKeyCommand({ apiKey: apiKeyId })).catch(() => undefined);
      throw error;
    }
    return apiKeyId;
  }

  async unregister(apiGatewayKeyId: string): Promise<void> {
    const usagePlanId = await this.planId();
    await this.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId, keyId: apiGatewayKeyId })).catch((error: unknown) => {
      if ((error as Error).name !== 'NotFoundException') throw error;
    });
    await this.client.send(new DeleteApiKeyCommand({ apiKey: apiGatewayKeyId }));
  }

  async revoke(apiGatewayKeyId: string): Promise<void> {
    const usagePlanId = await this.planId();
    await this.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId, keyId: apiGatewayKeyId })).catch((error: unknown) => {
      if ((error as Error).name !== 'NotFoundException') throw error;
    });
    await this.client.send(
      new UpdateApiKeyCommand({ apiKey: apiGatewayKeyId, patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }] }),
    );
    await this.client.send(new FlushStageAuthorizersCacheCommand({ restApiId: this.stage.restApiId, stageName: this.stage.stageName }));
  }

  private planId(): Promise<string> {
    this.usagePlanId ??= this.findPlan().catch((error: unknown) => {
      this.usagePlanId = undefined;
      throw error;
    });
    return this.usagePlanId;
  }

  private async findPlan(): Promise<string> {
    let position: string | undefined;
    do {
      const page = await this.client.send(new GetUsagePlansCommand({ position, limit: 500 }));
      const plan = page.items?.find((item) =>
        item.apiStages?.some((stage) => stage.apiId === this.stage.restApiId && stage.stage === this.stage.stageName),
      );
      if (plan?.id) return plan.id;
      position = page.position;
    } while (position);
    throw new Error(`no usage plan serves ${this.stage.restApiId}/${this.stage.stageName}`);
  }
}
