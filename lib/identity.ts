import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CognitoUserPoolsAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  UserPool,
  type UserPoolClient,
  UserPoolEmail,
  VerificationEmailStyle,
} from 'aws-cdk-lib/aws-cognito';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { FUNCTION_NAMES, functionDefinition, type FunctionName } from '../functions/function-table';
import { NAME_LIMITS, scopedName } from './names';

/**
 * The user pool's web ACL (IMAGER_USER_POOL_WAF), per client IP and 5 minutes: sign-ups and
 * code resends (each sends an email) and all Cognito calls (sign-in attempts included).
 */
export const SIGN_UP_LIMITS = { signUpsPerIp: 10, requestsPerIp: 300, windowSeconds: 300 } as const;

export interface IdentityProps {
  /** Verified SES sender for the confirmation codes; unset = Cognito's default sender. */
  readonly sesFromEmail?: string;
  /** The verified SES domain of `sesFromEmail`, when the domain (not the address) is the SES identity. */
  readonly sesVerifiedDomain?: string;
  /** A web ACL with {@link SIGN_UP_LIMITS} on the user pool (a monthly charge per ACL and rule). */
  readonly webAcl?: boolean;
  /** Cognito authorizer result cache per token, in seconds. */
  readonly authCacheSeconds: number;
  /** Keep the user pool when the stack is deleted (people's accounts). Defaults to true. */
  readonly retainUsers?: boolean;
}

/**
 * Who people are (docs/accounts-and-console.md): a Cognito user pool where people sign up with their email and a
 * password and confirm with an emailed code, an app client for the web console (a browser
 * cannot keep a secret, so it has none), and the Cognito authorizer of the account routes.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly authorizer: CognitoUserPoolsAuthorizer;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      userVerification: {
        emailStyle: VerificationEmailStyle.CODE,
        emailSubject: 'Your Imager confirmation code',
        emailBody: 'Your Imager confirmation code is {####}',
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      mfa: Mfa.OFF,
      featurePlan: FeaturePlan.ESSENTIALS,
      email: props.sesFromEmail
        ? UserPoolEmail.withSES({ fromEmail: props.sesFromEmail, fromName: 'Imager', sesRegion: Stack.of(this).region, sesVerifiedDomain: props.sesVerifiedDomain })
        : UserPoolEmail.withCognito(),
      deletionProtection: props.retainUsers ?? true,
      removalPolicy: (props.retainUsers ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.client = this.userPool.addClient('Console', {
      userPoolClientName: 'imager-console',
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      // Sign out revokes the refresh token (RevokeToken); tokens from it stop refreshing.
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // The console signs in with the API (USER_PASSWORD_AUTH / SRP), not the hosted UI.
      disableOAuth: true,
    });

    // The console sends the ID token (it carries the email; an access token would need scopes on
    // every method). API Gateway checks signature, issuer (this pool), expiry and the audience
    // (an app client of this pool), caches the answer per token and passes the claims on.
    this.authorizer = new CognitoUserPoolsAuthorizer(this, 'Session', {
      cognitoUserPools: [this.userPool],
      identitySource: 'method.request.header.Authorization',
      resultsCacheTtl: Duration.seconds(props.authCacheSeconds),
    });

    if (props.webAcl) this.guardSignUp();

    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: 'MFA is off: the console has no second-factor screens yet; accounts hold API keys and images, not payment data. Turn it on (Mfa.OPTIONAL with TOTP) once the console asks for the code.',
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'The Essentials feature plan is chosen for cost (Plus is billed per monthly active user). Plus adds threat protection (adaptive authentication, compromised-credential checks): set featurePlan PLUS and standardThreatProtectionMode FULL_FUNCTION where that cost is acceptable.',
    });
  }

  /**
   * The functions whose table entry has a `users` grant get the pool's and the console client's
   * ids, and exactly the actions named, on this pool (account deletion: AdminDeleteUser).
   */
  grantUsers(functions: Readonly<Partial<Record<FunctionName, LambdaFunction>>>): void {
    for (const name of FUNCTION_NAMES) {
      for (const grant of functionDefinition(name).grants) {
        if (grant.kind !== 'users') continue;
        const fn = functions[name];
        if (!fn) throw new Error(`${name}: a users grant, but no such function in the stack`);
        fn.addEnvironment('USER_POOL_ID', this.userPool.userPoolId);
        fn.addEnvironment('USER_POOL_CLIENT_ID', this.client.userPoolClientId);
        if (grant.actions.length > 0) this.userPool.grant(fn, ...grant.actions);
      }
    }
  }

  /**
   * Sign-up is open, and each sign-up or resend sends an email (the Cognito sender allows about 50
   * a day): a regional web ACL on the pool blocks an address past {@link SIGN_UP_LIMITS}.
   */
  private guardSignUp(): void {
    const visibility = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });
    const target = (operation: string) => ({
      byteMatchStatement: {
        fieldToMatch: { singleHeader: { Name: 'x-amz-target' } },
        positionalConstraint: 'EXACTLY',
        searchString: `AWSCognitoIdentityProviderService.${operation}`,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    });
    const acl = new CfnWebACL(this, 'SignUpGuard', {
      name: scopedName(this, 'UserPool', NAME_LIMITS.webAcl),
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('ImagerUserPool'),
      rules: [
        {
          name: 'SignUpPerIp',
          priority: 0,
          action: { block: {} },
          visibilityConfig: visibility('ImagerSignUpPerIp'),
          statement: {
            rateBasedStatement: {
              limit: SIGN_UP_LIMITS.signUpsPerIp,
              aggregateKeyType: 'IP',
              evaluationWindowSec: SIGN_UP_LIMITS.windowSeconds,
              scopeDownStatement: { orStatement: { statements: [target('SignUp'), target('ResendConfirmationCode')] } },
            },
          },
        },
        {
          name: 'RequestsPerIp',
          priority: 1,
          action: { block: {} },
          visibilityConfig: visibility('ImagerRequestsPerIp'),
          statement: { rateBasedStatement: { limit: SIGN_UP_LIMITS.requestsPerIp, aggregateKeyType: 'IP', evaluationWindowSec: SIGN_UP_LIMITS.windowSeconds } },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'SignUpGuardAssociation', { resourceArn: this.userPool.userPoolArn, webAclArn: acl.attrArn });
  }
}
