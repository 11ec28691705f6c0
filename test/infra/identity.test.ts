import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/routes';
import { SIGN_UP_LIMITS } from '../../lib/identity';
import { flatten, logicalId, resourcesOfType, type Synthesized, synthImager } from './synth';

/** Identity (Cognito), the account routes' authorizer, and the console on the CDN (docs/accounts-and-console.md). */
let synth: Synthesized;
let pool: Record<string, any>;
let client: Record<string, any>;

beforeAll(() => {
  synth = synthImager();
  const pools = Object.values(resourcesOfType(synth.template, 'AWS::Cognito::UserPool'));
  expect(pools).toHaveLength(1);
  pool = pools[0].Properties;
  const clients = Object.values(resourcesOfType(synth.template, 'AWS::Cognito::UserPoolClient'));
  expect(clients).toHaveLength(1);
  client = clients[0].Properties;
});

describe('user pool', () => {
  it('signs people up with their email as username, verified by an emailed code, self sign-up on', () => {
    expect(pool.UsernameAttributes).toEqual(['email']);
    expect(pool.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(false);
    expect(pool.VerificationMessageTemplate.DefaultEmailOption).toBe('CONFIRM_WITH_CODE');
    expect(pool.VerificationMessageTemplate.EmailMessage).toContain('{####}');
    expect(pool.UsernameConfiguration).toEqual({ CaseSensitive: false });
    expect(pool.Schema).toContainEqual(expect.objectContaining({ Name: 'email', Required: true }));
    expect(pool.AccountRecoverySetting.RecoveryMechanisms).toEqual([{ Name: 'verified_email', Priority: 1 }]);
  });

  it('has a sane password policy', () => {
    expect(pool.Policies.PasswordPolicy).toEqual(
      expect.objectContaining({ MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }),
    );
  });

  it('keeps people\'s accounts: retained and protected from deletion', () => {
    const [resource] = Object.values(resourcesOfType(synth.template, 'AWS::Cognito::UserPool'));
    expect((resource as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    expect(pool.DeletionProtection).toBe('ACTIVE');
  });

  it('sends codes with Cognito\'s own sender by default, and through SES when IMAGER_SES_FROM_EMAIL is set', () => {
    expect(pool.EmailConfiguration).toEqual({ EmailSendingAccount: 'COGNITO_DEFAULT' });
    const ses = synthImager({ IMAGER_SES_FROM_EMAIL: 'no-reply@example.com' });
    const [withSes] = Object.values(resourcesOfType(ses.template, 'AWS::Cognito::UserPool'));
    expect(withSes.Properties.EmailConfiguration.EmailSendingAccount).toBe('DEVELOPER');
    expect(withSes.Properties.EmailConfiguration.From).toBe('Imager <no-reply@example.com>');
    expect(flatten(withSes.Properties.EmailConfiguration.SourceArn)).toContain(':ses:');
    expect(() => synthImager({ IMAGER_SES_FROM_EMAIL: 'not an address' })).toThrow(/IMAGER_SES_FROM_EMAIL/);
  });

  it('with IMAGER_SES_VERIFIED_DOMAIN, sends as an address of that verified domain (the identity is the domain, not the address)', () => {
    const ses = synthImager({ IMAGER_SES_FROM_EMAIL: 'no-reply@example.com', IMAGER_SES_VERIFIED_DOMAIN: 'example.com' }, { env: { account: '123456789012', region: 'eu-west-1' } });
    const [withDomain] = Object.values(resourcesOfType(ses.template, 'AWS::Cognito::UserPool'));
    expect(withDomain.Properties.EmailConfiguration).toMatchObject({ EmailSendingAccount: 'DEVELOPER', From: 'Imager <no-reply@example.com>' });
    expect(flatten(withDomain.Properties.EmailConfiguration.SourceArn)).toBe('arn:aws:ses:eu-west-1:123456789012:identity/example.com');
    // The address must be of that domain, and a domain needs an address to send from.
    expect(() => synthImager({ IMAGER_SES_FROM_EMAIL: 'no-reply@other.org', IMAGER_SES_VERIFIED_DOMAIN: 'example.com' })).toThrow(/IMAGER_SES_VERIFIED_DOMAIN/);
    expect(() => synthImager({ IMAGER_SES_VERIFIED_DOMAIN: 'example.com' })).toThrow(/IMAGER_SES_FROM_EMAIL/);
    expect(() => synthImager({ IMAGER_SES_FROM_EMAIL: 'a@example.com', IMAGER_SES_VERIFIED_DOMAIN: 'not a domain' })).toThrow(/IMAGER_SES_VERIFIED_DOMAIN/);
  });
});

describe('sign-up abuse', () => {
  it('has no web ACL on the user pool by default (a monthly fee), and one with per-IP rate rules when IMAGER_USER_POOL_WAF=true', () => {
    expect(Object.keys(resourcesOfType(synth.template, 'AWS::WAFv2::WebACL'))).toEqual([]);
    const guarded = synthImager({ IMAGER_USER_POOL_WAF: 'true' });
    const acls = Object.entries(resourcesOfType(guarded.template, 'AWS::WAFv2::WebACL'));
    expect(acls).toHaveLength(1);
    const [aclId, acl] = acls[0];
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    const rules = acl.Properties.Rules as Array<Record<string, any>>;
    const signUp = rules.find((rule) => rule.Name === 'SignUpPerIp');
    expect(signUp?.Action).toEqual({ Block: {} });
    expect(signUp?.Statement.RateBasedStatement).toMatchObject({ Limit: SIGN_UP_LIMITS.signUpsPerIp, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    // Only the calls that send an email count toward it: sign-up and resending the code.
    const targets = JSON.stringify(signUp?.Statement.RateBasedStatement.ScopeDownStatement);
    expect(targets).toContain('AWSCognitoIdentityProviderService.SignUp');
    expect(targets).toContain('AWSCognitoIdentityProviderService.ResendConfirmationCode');
    const all = rules.find((rule) => rule.Name === 'RequestsPerIp');
    expect(all?.Statement.RateBasedStatement).toMatchObject({ Limit: SIGN_UP_LIMITS.requestsPerIp, AggregateKeyType: 'IP' });
    const associations = Object.values(resourcesOfType(guarded.template, 'AWS::WAFv2::WebACLAssociation'));
    expect(associations).toHaveLength(1);
    expect(flatten(associations[0].Properties.ResourceArn)).toBe(`${logicalId(guarded.stack.identity.userPool)}.Arn`);
    expect(flatten(associations[0].Properties.WebACLArn)).toBe(`${aclId}.Arn`);
    expect(() => synthImager({ IMAGER_USER_POOL_WAF: 'sometimes' })).toThrow(/IMAGER_USER_POOL_WAF/);
  });
});

describe('console app client', () => {
  it('has no secret (a browser cannot keep one)', () => {
    expect(client.GenerateSecret).toBe(false);
    expect(flatten(client.UserPoolId)).toBe(logicalId(synth.stack.identity.userPool));
  });

  it('signs in with USER_PASSWORD_AUTH or SRP, refreshes, and can revoke refresh tokens', () => {
    expect([...client.ExplicitAuthFlows].sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']);
    expect(client.EnableTokenRevocation).toBe(true);
    expect(client.PreventUserExistenceErrors).toBe('ENABLED');
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client.IdTokenValidity).toBe(60);
    expect(client.RefreshTokenValidity).toBe(43200);
  });
});

describe('account routes', () => {
  let authorizerId: string;
  beforeAll(() => {
    const cognito = Object.entries(resourcesOfType(synth.template, 'AWS::ApiGateway::Authorizer')).filter(
      ([, a]) => a.Properties.Type === 'COGNITO_USER_POOLS',
    );
    expect(cognito).toHaveLength(1);
    authorizerId = cognito[0][0];
    const authorizer = cognito[0][1].Properties;
    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.ProviderARNs.map(flatten)).toEqual([`${logicalId(synth.stack.identity.userPool)}.Arn`]);
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(60);
  });

  const sessionRoutes = ROUTES.filter((route) => route.auth === 'session');

  it('are the account routes of docs/accounts-and-console.md, the signing-secret routes of docs/edge.md, the three export routes of docs/apps.md, the two deletion routes of docs/account-deletion.md and the seven webhook routes of docs/webhooks.md', () => {
    expect(sessionRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      // Account deletion (docs/account-deletion.md).
      'DELETE /api/account',
      'DELETE /api/account/keys/{key_id}',
      'DELETE /api/account/signing-secrets/{kid}',
      'GET /api/account',
      'GET /api/account/deletion',
      'GET /api/account/export',
      'GET /api/account/export/{export_id}',
      'GET /api/account/keys',
      'GET /api/account/signing-secrets',
      'POST /api/account/export',
      'POST /api/account/keys',
      'POST /api/account/signing-secrets',
      // Webhooks (docs/webhooks.md).
      'GET /api/account/webhooks',
      'POST /api/account/webhooks',
      'PATCH /api/account/webhooks/{endpoint_id}',
      'DELETE /api/account/webhooks/{endpoint_id}',
      'POST /api/account/webhooks/{endpoint_id}/secret',
      'GET /api/account/webhooks/{endpoint_id}/deliveries',
      'POST /api/account/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver',
    ].sort());
  });

  it.each(sessionRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s uses the Cognito authorizer and no API key',
    (_key, route) => {
      const fnId = logicalId(synth.stack.functions[route.handler]);
      const methods = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Method')).filter(
        (m) => m.Properties.HttpMethod === route.method && flatten(m.Properties.Integration?.Uri ?? '').includes(`/functions/${fnId}.Arn/`),
      );
      // One method per route of the function with this HTTP method (GetAccountExport has two GETs).
      expect(methods).toHaveLength(ROUTES.filter((r) => r.handler === route.handler && r.method === route.method).length);
      for (const { Properties: method } of methods) {
        expect(method.AuthorizationType).toBe('COGNITO_USER_POOLS');
        expect(method.AuthorizerId).toEqual({ Ref: authorizerId });
        expect(method.ApiKeyRequired).toBe(false);
      }
    },
  );

  it('key creation knows the REST API and stage, to reach the usage plan (an account\'s first key makes its meter)', () => {
    const variables = resourcesOfType(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack.functions.CreateAccountKey)].Properties.Environment.Variables;
    expect(variables.REST_API_ID).toEqual({ Ref: logicalId(synth.stack.api.api) });
    expect(variables.STAGE_NAME).toBe('v1');
    // The other account functions cannot touch API Gateway keys: revoking is a table write.
    for (const name of ['GetAccount', 'ListAccountKeys', 'RevokeAccountKey'] as const) {
      const variables = resourcesOfType(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack.functions[name])].Properties.Environment.Variables;
      expect(variables.REST_API_ID).toBeUndefined();
    }
  });
});

describe('console on the CDN', () => {
  it('serves the built console from a private bucket through Origin Access Control, index.html at /', () => {
    const distribution = resourcesOfType(synth.template, 'AWS::CloudFront::Distribution')[logicalId(synth.stack.console.distribution)];
    const config = distribution.Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.Origins).toHaveLength(1);
    expect(flatten(config.Origins[0].DomainName)).toBe(`${logicalId(synth.stack.console.bucket)}.RegionalDomainName`);
    expect(config.Origins[0].OriginAccessControlId).toBeDefined();
    const [bucket] = Object.entries(resourcesOfType(synth.template, 'AWS::S3::Bucket')).filter(([id]) => id === logicalId(synth.stack.console.bucket));
    expect(bucket[1].Properties.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
  });

  it('deploys the Vite build and a config.json naming the API, the user pool and the app client', () => {
    const deployments = Object.values(resourcesOfType(synth.template, 'Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const deployment = deployments[0].Properties;
    expect(flatten(deployment.DestinationBucketName)).toBe(logicalId(synth.stack.console.bucket));
    // Two sources: the web/ build asset and the generated config.json (its tokens as markers).
    expect(deployment.SourceObjectKeys).toHaveLength(2);
    const markers = JSON.stringify(deployment.SourceMarkers.map((m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, flatten(v)]))));
    expect(markers).toContain(logicalId(synth.stack.identity.userPool));
    expect(markers).toContain(logicalId(synth.stack.identity.client));
    expect(markers).toContain(logicalId(synth.stack.api.api));
    expect(deployment.DistributionPaths).toEqual(['/index.html', '/config.json']);
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(flatten(outputs.ConsoleUrl.Value)).toContain(`${logicalId(synth.stack.console.distribution)}.DomainName`);
  });
});
