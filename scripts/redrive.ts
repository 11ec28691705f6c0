import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * `npm run redrive -- --stack Imager [--queue finalize|purge|analyze] [--region R] [--max N]`: replays
 * the events a function's dead-letter queue holds (docs/operations.md, DeadLetters<Queue>).
 *
 * Each message is Lambda's on-failure destination record: the original event (`requestPayload`)
 * and the function that failed it (`requestContext.functionArn`). The function is invoked again
 * synchronously with that event; the message is deleted only when the invocation succeeds, so a
 * failure is reported at once and the message stays for the next try. The handlers are
 * idempotent (a settled upload is skipped, a purge repeats harmlessly, an analysis is written
 * again with the same values).
 */

/** Which dead-letter queue, by the stack output that names it. */
const QUEUE_OUTPUTS = { finalize: 'FinalizeDeadLetterQueueName', purge: 'PurgeDeadLetterQueueName', analyze: 'AnalyzeDeadLetterQueueName' } as const;
type QueueName = keyof typeof QUEUE_OUTPUTS;

/** Longer than the functions' 60 s timeout: no other reader sees a message while it is replayed. */
const VISIBILITY_SECONDS = 120;

export interface RedriveArguments {
  readonly stack: string;
  readonly queue: QueueName;
  readonly region: string | undefined;
  readonly max: number | undefined;
}

export function parseRedriveArguments(argv: readonly string[]): RedriveArguments {
  const { values } = parseArgs({
    args: [...argv],
    options: { stack: { type: 'string' }, queue: { type: 'string' }, region: { type: 'string' }, max: { type: 'string' } },
    strict: true,
  });
  if (!values.stack) throw new Error('--stack NAME is required (the deployed Imager stack)');
  const queue = values.queue ?? 'finalize';
  if (!Object.hasOwn(QUEUE_OUTPUTS, queue)) throw new Error(`--queue must be finalize, purge or analyze, got "${queue}"`);
  let max: number | undefined;
  if (values.max !== undefined) {
    max = Number(values.max);
    if (!Number.isSafeInteger(max) || max < 1) throw new Error(`--max must be a positive integer, got "${values.max}"`);
  }
  return { stack: values.stack, queue: queue as QueueName, region: values.region, max };
}

export interface RedriveResult {
  readonly redriven: number;
  /** Messages left in the queue, and why. */
  readonly kept: Array<{ readonly messageId: string; readonly reason: string }>;
}

interface FailureRecord {
  readonly requestContext: { readonly functionArn: string };
  readonly requestPayload: unknown;
}

function failureRecord(body: string | undefined): FailureRecord | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as Partial<FailureRecord>;
    if (typeof parsed.requestContext?.functionArn !== 'string' || parsed.requestPayload === undefined) return undefined;
    return parsed as FailureRecord;
  } catch {
    return undefined;
  }
}

/** The function's ARN without the version Lambda records (`:$LATEST`): the function as it is now. */
function unqualified(functionArn: string): string {
  return functionArn.split(':').slice(0, 7).join(':');
}

/** Replays every message of `queueUrl` (at most `max`), returning what was replayed and what was kept. */
export async function redrive(clients: { readonly sqs: SQSClient; readonly lambda: LambdaClient }, options: { readonly queueUrl: string; readonly max?: number }): Promise<RedriveResult> {
  const kept: Array<{ messageId: string; reason: string }> = [];
  const seen = new Set<string>();
  let redriven = 0;
  const limit = options.max ?? Number.POSITIVE_INFINITY;
  while (redriven + kept.length < limit) {
    const received = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: VISIBILITY_SECONDS, WaitTimeSeconds: 1 }),
    );
    // Kept messages reappear only after their visibility timeout: a page of nothing new is the end.
    const messages = (received.Messages ?? []).filter((message) => !seen.has(message.MessageId ?? ''));
    if (messages.length === 0) break;
    for (const message of messages) {
      if (redriven + kept.length >= limit) break;
      const messageId = message.MessageId ?? '?';
      seen.add(messageId);
      const record = failureRecord(message.Body);
      if (!record) {
        kept.push({ messageId, reason: 'not an on-failure destination record' });
        continue;
      }
      const answer = await clients.lambda.send(
        new InvokeCommand({
          FunctionName: unqualified(record.requestContext.functionArn),
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(record.requestPayload)),
        }),
      );
      if (answer.FunctionError) {
        const payload = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
        let detail = payload;
        try {
          detail = (JSON.parse(payload) as { errorMessage?: string }).errorMessage ?? payload;
        } catch {
          // not JSON: keep the raw text
        }
        kept.push({ messageId, reason: `${answer.FunctionError}: ${detail}` });
        continue;
      }
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }));
      redriven += 1;
    }
  }
  return { redriven, kept };
}

async function main(argv: string[]): Promise<number> {
  const args = parseRedriveArguments(argv);
  const cfn = new CloudFormationClient({ region: args.region });
  const described = await cfn.send(new DescribeStacksCommand({ StackName: args.stack }));
  const output = QUEUE_OUTPUTS[args.queue];
  const queueName = described.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === output)?.OutputValue;
  if (!queueName) throw new Error(`Stack ${args.stack} has no output ${output}: is it an Imager stack?`);
  const sqs = new SQSClient({ region: args.region });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  if (!QueueUrl) throw new Error(`No queue ${queueName}`);
  const result = await redrive({ sqs, lambda: new LambdaClient({ region: args.region }) }, { queueUrl: QueueUrl, max: args.max });
  console.log(JSON.stringify({ queue: queueName, ...result }, null, 2));
  return result.kept.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(2);
    },
  );
}
