import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/**
 * The one SNS topic every alarm notifies (docs/operations.md#alarms): encrypted, TLS only, and
 * published to by CloudWatch alarms of this account and region alone; `alarmEmail` subscribes
 * too when set. Made in `scope` (the monitoring construct), where its ids have always been.
 */
export function alarmTopic(scope: Construct, alarmEmail: string | undefined): Topic {
  // CloudWatch may publish to an encrypted topic only with a customer managed key whose
  // policy lets it use the key (the AWS managed SNS key does not).
  const key = new Key(scope, 'TopicKey', { description: 'Imager alarm notifications', enableKeyRotation: true });
  key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  const topic = new Topic(scope, 'Alarms', { displayName: 'Imager alarms', masterKey: key, enforceSSL: true });
  // A topic policy replaces SNS's default one: without this statement no alarm could publish.
  // Only alarms of this account and region (the confused-deputy guard AWS recommends).
  const { account, region, partition } = Stack.of(scope);
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      },
    }),
  );
  if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
  return topic;
}
