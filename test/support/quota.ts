import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoKeyStore } from '../../functions/adapters/dynamo-key-store';
import type { Emulators } from '../../local/emulators';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from '../../local/resources';
import { KeyAdmin } from '../../scripts/key-admin';
import { assertConforms } from './contract';

export const HOUR_MS = 3_600_000;
export const RATE_LIMITED = { status: 'error', message: 'Rate limit exceeded' };

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request with a bearer key through a bounded agent (node:http, so many can be in flight). */
export function sendWithKey(agent: Agent, url: string, key: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { Authorization: `Bearer ${key}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const reply = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
        // Every answer is checked against openapi.yaml, like the test API's call() does.
        assertConforms({ method, path: new URL(url).pathname, ...reply }).then(() => resolve(reply), reject);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The window is the clock hour (and the daily quota the UTC day): a run that straddles the hour
 * would see two windows. When the hour ends within `marginMs`, wait for the next one.
 */
export async function awayFromHourEnd(marginMs: number): Promise<void> {
  const left = HOUR_MS - (Date.now() % HOUR_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** The hourly counter item of a key and window, as stored (undefined when there is none). */
export async function readCounter(dynamodb: DynamoDBClient, table: string, keyId: string, windowStart: number): Promise<string | undefined> {
  const item = await dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: `${keyId}#${windowStart}` } }, ConsistentRead: true }),
  );
  return item.Item?.count?.N;
}

/**
 * A DynamoDB client on the local API's emulator and the key admin over its keys table, to make
 * the keys a test meters; the caller destroys the client.
 */
export function keyAdminOn(emulators: Pick<Emulators, 'dynamodbEndpoint'>): { dynamodb: DynamoDBClient; admin: KeyAdmin } {
  const dynamodb = new DynamoDBClient({ endpoint: emulators.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return { dynamodb, admin: new KeyAdmin(new DynamoKeyStore(dynamodb, LOCAL_RESOURCES.keysTable)) };
}
