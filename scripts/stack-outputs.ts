import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/**
 * The outputs of a deployed Imager stack by name (docs/deploy.md lists them), with each of
 * `required` present or an error naming the first one missing.
 */
export async function readStackOutputs(
  cfn: Pick<CloudFormationClient, 'send'>,
  stackName: string,
  required: readonly string[],
): Promise<Record<string, string>> {
  const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs: Record<string, string> = {};
  for (const output of described.Stacks?.[0]?.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  for (const name of required) {
    if (!outputs[name]) throw new Error(`Stack ${stackName} has no output ${name}: is it an Imager stack, deployed?`);
  }
  return outputs;
}
