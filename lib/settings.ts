import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
import type { Node } from 'constructs';
import { type PriceClassName, readStackSettings as readFromContext, type StackSettings as Settings } from '../functions/core/config';

export { SETTING_NAMES } from '../functions/core/config';

/**
 * The CDK app's settings: read and checked in functions/core/config.ts (the one reader); here
 * only the price class becomes CDK's enum, which the core (no CDK) cannot name.
 */
export interface StackSettings extends Omit<Settings, 'priceClass'> {
  /** CloudFront price class of the delivery distribution (IMAGER_PRICE_CLASS). */
  readonly priceClass: PriceClass;
}

const PRICE_CLASSES: Readonly<Record<PriceClassName, PriceClass>> = {
  PriceClass_100: PriceClass.PRICE_CLASS_100,
  PriceClass_200: PriceClass.PRICE_CLASS_200,
  PriceClass_All: PriceClass.PRICE_CLASS_ALL,
};

/** The settings of docs/configuration.md, from CDK context (`cdk.json` or `-c NAME=value`). */
export function readStackSettings(node: Node): StackSettings {
  const settings = readFromContext(node);
  return { ...settings, priceClass: PRICE_CLASSES[settings.priceClass] };
}
