#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ImagerStack } from '../lib/imager-stack';

const app = new App();
new ImagerStack(app, 'Imager', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
