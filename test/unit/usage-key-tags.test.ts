import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand, GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiGatewayUsagePlanKeys, METERS_PLAN_TAG } from '../../functions/adapters/api-gateway-usage-keys';
import { API_KEY_STACK_TAG } from '../../functions/core/api-keys';
import { usagePlanKeys } from '../../functions/runtime/wiring';

/**
 * The functions may delete only API keys tagged with their stack's name (lib/api.ts conditions
 * apigateway:DELETE on aws:ResourceTag), so every key Imager creates carries that tag.
 */
const apigw = mockClient(APIGatewayClient);
beforeEach(() => {
  apigw.reset();
  apigw.on(CreateApiKeyCommand).resolves({ id: 'apigw-1' });
  apigw.on(CreateUsagePlanKeyCommand).resolves({});
  apigw.on(GetUsagePlansCommand).resolves({ items: [{ id: 'p', tags: { [METERS_PLAN_TAG.key]: METERS_PLAN_TAG.value }, apiStages: [{ apiId: 'a', stage: 'v1' }] }] });
});

describe('API Gateway keys carry their stack', () => {
  it('are created with the stack tag when the target names the stack', async () => {
    const plan = new ApiGatewayUsagePlanKeys(new APIGatewayClient({ region: 'eu-west-1' }), { usagePlanId: 'p', restApiId: 'a', stageName: 'v1', stackName: 'Imager' });
    await plan.add('usageAbc0123456789abcdef', { accountId: 'acct_1' });
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input.tags).toEqual({ [API_KEY_STACK_TAG]: 'Imager' });
  });

  it('the functions name their stack from IMAGER_STACK_NAME, and refuse to start without it', async () => {
    const plan = usagePlanKeys({ REST_API_ID: 'a', STAGE_NAME: 'v1', IMAGER_STACK_NAME: 'ImagerStaging', AWS_REGION: 'eu-west-1' });
    await plan!.add('usageAbc0123456789abcdef', { accountId: 'acct_1' });
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input.tags).toEqual({ [API_KEY_STACK_TAG]: 'ImagerStaging' });
    expect(() => usagePlanKeys({ REST_API_ID: 'a', STAGE_NAME: 'v1' })).toThrow(/IMAGER_STACK_NAME/);
  });
});
