import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import pino from 'pino';
import { createServer } from 'cognito-local/lib/server/server';
import { Router } from 'cognito-local/lib/server/Router';
import { DefaultConfig } from 'cognito-local/lib/server/config';
import { DateClock, LambdaService, MessagesService, TriggersService } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl } from 'cognito-local/lib/services/cognitoService';
import { CryptoService } from 'cognito-local/lib/services/crypto';
import { StormDBDataStoreFactory } from 'cognito-local/lib/services/dataStore/stormDb';
import { MessageDeliveryService } from 'cognito-local/lib/services/messageDelivery/messageDelivery';
import type { MessageSender } from 'cognito-local/lib/services/messageDelivery/messageSender';
import { otp } from 'cognito-local/lib/services/otp';
import { JwtTokenGenerator } from 'cognito-local/lib/services/tokenGenerator';
import { UserPoolServiceFactoryImpl } from 'cognito-local/lib/services/userPoolService';
import { cognitoTokenVerifier } from '../functions/adapters/cognito-tokens';
import type { SessionVerifier } from './authorizers';

/** A message cognito-local would have emailed: on the console, and to whoever listens (tests). */
export interface ConfirmationMessage {
  readonly email: string;
  readonly code: string;
}

export interface LocalCognito {
  /** The endpoint the SDK (and the console in the browser) talks to. */
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  /** `http://127.0.0.1:<port>/<pool id>`: what the tokens carry as `iss`. */
  readonly issuer: string;
  /** Verifies an ID token as API Gateway's Cognito authorizer does. */
  readonly verifySession: SessionVerifier;
  close(): Promise<void>;
}

export const LOCAL_COGNITO_REGION = 'us-east-1';

/** Persisted ids of the local pool and client, so restarts keep people's accounts. */
interface PoolFile {
  readonly userPoolId: string;
  readonly clientId: string;
}

/**
 * cognito-local (a Cognito user-pool emulator), assembled the way its own CLI does but in this
 * process: data under `<dataDir>/cognito`, a free port on loopback, and confirmation codes
 * handed to `onMessage` instead of a box on its logger. The user pool and the console's app
 * client are created on first start and reused after.
 */
export async function startLocalCognito(options: {
  readonly dataDir: string;
  readonly port?: number;
  readonly onMessage: (message: ConfirmationMessage) => void;
}): Promise<LocalCognito> {
  const directory = join(options.dataDir, 'cognito');
  mkdirSync(directory, { recursive: true });
  const logger = pino({ level: 'silent' });
  const ctx = { logger };
  const config = structuredClone(DefaultConfig);
  config.ServerConfig = { ...config.ServerConfig, port: options.port ?? 0, hostname: '127.0.0.1', development: false };

  const sender: MessageSender = {
    async sendEmail(_ctx, user, destination, message) {
      const code = (message as { __code?: string }).__code;
      const email = user.Attributes.find((attribute) => attribute.Name === 'email')?.Value ?? destination;
      if (code) options.onMessage({ email, code });
    },
    async sendSms() {
      throw new Error('SMS is not used by Imager');
    },
  };

  const clock = new DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(join(directory, 'db'));
  const cognitoServiceFactory = new CognitoServiceFactoryImpl(
    join(directory, 'db'),
    dataStoreFactory,
    new UserPoolServiceFactoryImpl(clock, dataStoreFactory),
  );
  const cognito = await cognitoServiceFactory.create(ctx, config.UserPoolDefaults);
  // No triggers are configured, so the Lambda client is never called.
  const noLambda = { invoke: () => Promise.reject(new Error('cognito-local triggers are not used')) } as never;
  const triggers = new TriggersService(clock, cognito, new LambdaService(config.TriggerFunctions, noLambda), new CryptoService(config.KMSConfig));
  const services = {
    clock,
    cognito,
    config,
    messages: new MessagesService(triggers, new MessageDeliveryService(sender)),
    otp,
    tokenGenerator: new JwtTokenGenerator(clock, triggers, config.TokenConfig),
    triggers,
  };
  const server: Server = await createServer(Router(services), logger, config.ServerConfig, services).start();
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  // The token generator reads the issuer domain per token: now that the port is known, set it.
  config.TokenConfig.IssuerDomain = endpoint;

  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: LOCAL_COGNITO_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let pool: PoolFile;
  try {
    pool = await ensurePool(client, join(directory, 'pool.json'));
  } finally {
    client.destroy();
  }
  const issuer = `${endpoint}/${pool.userPoolId}`;
  // What API Gateway's Cognito authorizer checks on an ID token, with the code the key
  // authorizer uses on the image routes, here and on AWS (functions/adapters/cognito-tokens.ts).
  const verifySession: SessionVerifier = cognitoTokenVerifier({ issuer, clientId: pool.clientId });

  return {
    endpoint,
    region: LOCAL_COGNITO_REGION,
    userPoolId: pool.userPoolId,
    clientId: pool.clientId,
    issuer,
    verifySession,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The pool and client of an earlier start if they still exist, else new ones (the same settings as lib/identity.ts). */
async function ensurePool(client: CognitoIdentityProviderClient, file: string): Promise<PoolFile> {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as PoolFile;
    try {
      await client.send(new DescribeUserPoolClientCommand({ UserPoolId: saved.userPoolId, ClientId: saved.clientId }));
      return saved;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
  const created = await client.send(
    new CreateUserPoolCommand({
      PoolName: 'imager-local',
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
    }),
  );
  const userPoolId = created.UserPool!.Id!;
  const app = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'imager-console',
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      EnableTokenRevocation: true,
      IdTokenValidity: 1,
      AccessTokenValidity: 1,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { IdToken: 'hours', AccessToken: 'hours', RefreshToken: 'days' },
    }),
  );
  const saved: PoolFile = { userPoolId, clientId: app.UserPoolClient!.ClientId! };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  return saved;
}
