import { describe, expect, it } from 'vitest';
import { cdkContext, deployPlan } from '../../scripts/deploy-plan';
import { reservedInTemplate } from '../../scripts/preflight-checks';
import { resourcesOfType, synthImager } from './synth';

/**
 * The preflight (scripts/preflight-checks.ts) works from a plan made without synthesizing:
 * the settings reader and the function table. Here the plan meets the template it stands for,
 * with reservations on and off: what the functions reserve, and the API keys the deploy makes.
 */
describe('the deploy plan the preflight checks', () => {
  for (const reservations of ['true', 'false']) {
    it(`is what the template asks for with IMAGER_RESERVED_CONCURRENCY=${reservations}`, () => {
      const context = { IMAGER_RESERVED_CONCURRENCY: reservations };
      const { template } = synthImager(context);
      const plan = deployPlan(cdkContext(context));
      expect(plan.reservedConcurrency).toBe(reservedInTemplate(JSON.stringify(template.toJSON())));
      expect(plan.reservedConcurrency > 0).toBe(reservations === 'true');
      expect(Object.keys(resourcesOfType(template, 'AWS::ApiGateway::ApiKey'))).toHaveLength(plan.apiKeysAdded);
    });
  }
});
