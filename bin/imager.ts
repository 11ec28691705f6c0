#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImagerStack } from '../lib/imager-stack';

const app = new App();
new ImagerStack(app, 'Imager', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag AwsSolutions runs at every synth; each construct acknowledges the findings it accepts (lib/nag.ts).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
