import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readStackOutputs } from '../../scripts/stack-outputs';

/** What `npm run smoke -- --stack NAME` reads from CloudFormation before its first request. */
const cfn = mockClient(CloudFormationClient);
beforeEach(() => cfn.reset());

describe('the outputs of a deployed stack', () => {
  it('are read by name from DescribeStacks', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Imager' }).resolves({
      Stacks: [{ StackName: 'Imager', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [
        { OutputKey: 'ApiUrl', OutputValue: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/' },
        { OutputKey: 'PublicBaseUrl', OutputValue: 'https://d111111abcdef8.cloudfront.net' },
      ] }],
    });
    expect(await readStackOutputs(new CloudFormationClient({ region: 'eu-west-1' }), 'Imager', ['ApiUrl', 'PublicBaseUrl'])).toEqual({
      ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/',
      PublicBaseUrl: 'https://d111111abcdef8.cloudfront.net',
    });
  });

  it('name the first required output the stack lacks', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Other', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'ApiUrl', OutputValue: 'https://x/' }] }] });
    await expect(readStackOutputs(new CloudFormationClient({ region: 'eu-west-1' }), 'Other', ['ApiUrl', 'KeysTableName'])).rejects.toThrow(
      'Stack Other has no output KeysTableName: is it an Imager stack, deployed?',
    );
  });
});
