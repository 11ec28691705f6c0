import { App, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImagerStack } from '../../lib/imager-stack';
import { CDK_JSON_CONTEXT, TEST_CONTEXT } from './synth';
process.env.NODE_ENV = 'test';
for (const broken of [false, true, true]) {
  let t = Date.now();
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...TEST_CONTEXT } });
  const stack = new ImagerStack(app, 'Test');
  if (broken) new Bucket(stack, 'Unhardened');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try { app.synth(); } catch (e) { console.log('threw', String(e).length); }
  console.log(broken, Date.now() - t);
}
