import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, ResourceProperties, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

/**
 * Every synthesized template checked against the CloudFormation resource schemas of
 * `@aws-cdk/aws-service-spec` (the CDK team's database of the CloudFormation registry): each
 * resource type exists, each property name exists on it, required properties are present, and
 * literal values have the schema's type and, where the schema lists them, one of its allowed
 * values. Intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::If`...) stand for a value of any type:
 * what they resolve to is known only at deploy time.
 */

/** One mismatch between a template and the schemas, at a path like `Fn.Properties.Timeout`. */
export interface SchemaFinding {
  readonly path: string;
  readonly message: string;
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

let database: SpecDatabase | undefined;
/** The database is a 2.6 MB gzip: loaded once per test worker. */
function spec(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

/** CloudFormation's own types that the registry database does not describe. */
const UNDESCRIBED = new Set(['AWS::CDK::Metadata']);

/** `{Ref: X}`, `{'Fn::GetAtt': ...}`, `{'Fn::Join': ...}`...: a value known only at deploy time. */
function isIntrinsic(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** Every finding for the template's resources (an empty list: it matches the schemas). */
export function validateTemplate(template: { readonly Resources?: Readonly<Record<string, TemplateResource>> }): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const at = `${id}.Properties`;
    if (resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource') {
      // A custom resource's properties are its provider's; CloudFormation itself needs the token.
      if (resource.Properties?.ServiceToken === undefined) findings.push({ path: at, message: 'a custom resource needs ServiceToken' });
      continue;
    }
    if (UNDESCRIBED.has(resource.Type)) continue;
    const [definition] = spec().lookup('resource', 'cloudFormationType', 'equals', resource.Type);
    if (!definition) {
      findings.push({ path: id, message: `unknown resource type ${resource.Type}` });
      continue;
    }
    findings.push(...checkObject(resource.Properties ?? {}, definition.properties, at));
  }
  return findings;
}

function checkObject(value: unknown, properties: ResourceProperties, path: string): SchemaFinding[] {
  if (isIntrinsic(value)) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{ path, message: `expected an object, got ${describe(value)}` }];
  const findings: SchemaFinding[] = [];
  const object = value as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in object)) findings.push({ path: `${path}.${name}`, message: 'required property missing' });
  }
  for (const [name, item] of Object.entries(object)) {
    const property = properties[name];
    if (!property) {
      findings.push({ path: `${path}.${name}`, message: `unknown property (known: ${Object.keys(properties).sort().join(', ')})` });
      continue;
    }
    findings.push(...checkProperty(item, property, `${path}.${name}`));
  }
  return findings;
}

/** A value matches a property if it matches its type or one of the types it had before (CloudFormation accepts both). */
function checkProperty(value: unknown, property: Pick<Property, 'type' | 'previousTypes'>, path: string): SchemaFinding[] {
  let best: SchemaFinding[] | undefined;
  for (const type of [property.type, ...(property.previousTypes ?? [])]) {
    const findings = checkType(value, type, path);
    if (findings.length === 0) return [];
    if (best === undefined || findings.length < best.length) best = findings;
  }
  return best ?? [];
}

function checkType(value: unknown, type: PropertyType, path: string): SchemaFinding[] {
  if (isIntrinsic(value)) return [];
  const wrong = (expected: string): SchemaFinding[] => [{ path, message: `expected ${expected}, got ${describe(value)}` }];
  switch (type.type) {
    case 'string': {
      // CloudFormation turns number and boolean scalars into strings.
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return wrong('a string');
      if (type.allowedValues && typeof value === 'string' && !type.allowedValues.includes(value)) {
        return [{ path, message: `"${value}" is not one of ${type.allowedValues.join(', ')}` }];
      }
      return [];
    }
    case 'number':
    case 'integer': {
      const numeric = typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
      if (!numeric) return wrong(`a${type.type === 'integer' ? 'n integer' : ' number'}`);
      if (type.type === 'integer' && !Number.isInteger(Number(value))) return wrong('an integer');
      if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(Number(value))) {
        return [{ path, message: `${String(value)} is not one of ${type.allowedValues.join(', ')}` }];
      }
      return [];
    }
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : wrong('a boolean');
    case 'date-time':
      return typeof value === 'string' ? [] : wrong('a date-time string');
    case 'json':
    case 'null':
      return [];
    case 'tag':
      return checkObject(value, { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } }, path);
    case 'ref': {
      const definition: TypeDefinition = spec().get('typeDefinition', type.reference);
      return checkObject(value, definition.properties, path);
    }
    case 'array':
      if (!Array.isArray(value)) return wrong('a list');
      return value.flatMap((element, index) => checkType(element, type.element, `${path}[${index}]`));
    case 'map':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return wrong('a map');
      return Object.entries(value).flatMap(([key, element]) => checkType(element, type.element, `${path}.${key}`));
    case 'union': {
      const attempts = type.types.map((member) => checkType(value, member, path));
      return attempts.some((findings) => findings.length === 0) ? [] : attempts.reduce((a, b) => (b.length < a.length ? b : a));
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
