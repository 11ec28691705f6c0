import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { API_KEY_STACK_TAG, type UsagePlanKeys } from '../core/api-keys';

/** Where a deployed stack's keys are metered: from the stack's outputs. */
export interface UsagePlanTarget {
  /**
   * The usage plan (the CLI has it from the stack's outputs). Absent in the console's functions:
   * the plan depends on the stage, the stage on the methods, the methods on those functions, so
   * the plan's id cannot be in their environment without a cycle; it is found from the stage.
   */
  readonly usagePlanId?: string;
  readonly restApiId: string;
  readonly stageName: string;
  /** The stack the keys belong to: each key is tagged with it, the tag its deletion is allowed by. */
  readonly stackName?: string;
}

/**
 * The tag on the account meters' usage plan (lib/api.ts): the stage has a second plan, the
 * console sessions', and this tells them apart without a fixed physical name.
 */
export const METERS_PLAN_TAG = { key: 'imager-usage-plan', value: 'account-meters' } as const;

function notFound(error: unknown): boolean {
  return (error as Error)?.name === 'NotFoundException';
}

/**
 * The usage plan's API keys in API Gateway: one per account (its meter,
 * functions/core/account-meters.ts), whose value is the usage identifier the authorizer returns
 * for the account's keys (never a customer's key). Removing a key deletes it, not only disables
 * it, so it stops counting toward the 10,000 API keys per account and region.
 */
export class ApiGatewayUsagePlanKeys implements UsagePlanKeys {
  private usagePlanId: Promise<string> | undefined;

  constructor(
    private readonly client: APIGatewayClient,
    private readonly target: UsagePlanTarget,
  ) {
    if (target.usagePlanId) this.usagePlanId = Promise.resolve(target.usagePlanId);
  }

  async add(usageIdentifier: string, label: { readonly accountId: string }): Promise<string> {
    const usagePlanId = await this.planId();
    const created = await this.client.send(
      new CreateApiKeyCommand({
        name: `imager-${label.accountId}`,
        description: `Imager account ${label.accountId}: every key of the account is metered under it (value: its usage identifier, not a key)`,
        value: usageIdentifier,
        enabled: true,
        ...(this.target.stackName ? { tags: { [API_KEY_STACK_TAG]: this.target.stackName } } : {}),
      }),
    );
    const id = created.id;
    if (!id) throw new Error('CreateApiKey returned no id');
    try {
      await this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId: id, keyType: 'API_KEY' }));
    } catch (error) {
      await this.client.send(new DeleteApiKeyCommand({ apiKey: id })).catch(() => undefined);
      throw error;
    }
    return id;
  }

  async remove(apiGatewayKeyId: string): Promise<void> {
    const usagePlanId = await this.planId();
    // Both steps are tried even if the first fails: the delete is what frees the key.
    const failures: unknown[] = [];
    for (const command of [
      new DeleteUsagePlanKeyCommand({ usagePlanId, keyId: apiGatewayKeyId }),
      new DeleteApiKeyCommand({ apiKey: apiGatewayKeyId }),
    ]) {
      try {
        await this.client.send(command as DeleteApiKeyCommand);
      } catch (error) {
        if (!notFound(error)) failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  private planId(): Promise<string> {
    // Looked up once per process; a failed lookup is not cached, so the next call tries again.
    this.usagePlanId ??= this.findPlan().catch((error: unknown) => {
      this.usagePlanId = undefined;
      throw error;
    });
    return this.usagePlanId;
  }

  /** The account meters' usage plan (by its tag) that serves the target stage. */
  private async findPlan(): Promise<string> {
    let position: string | undefined;
    do {
      const page = await this.client.send(new GetUsagePlansCommand({ position, limit: 500 }));
      const plan = page.items?.find(
        (item) =>
          item.tags?.[METERS_PLAN_TAG.key] === METERS_PLAN_TAG.value &&
          item.apiStages?.some((stage) => stage.apiId === this.target.restApiId && stage.stage === this.target.stageName),
      );
      if (plan?.id) return plan.id;
      position = page.position;
    } while (position);
    throw new Error(`no usage plan tagged ${METERS_PLAN_TAG.key}=${METERS_PLAN_TAG.value} serves ${this.target.restApiId}/${this.target.stageName}`);
  }
}
