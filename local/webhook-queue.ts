import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * Local mode's webhook queue (docs/webhooks.md, docs/local-mode.md): the few SQS actions the
 * functions send (SendMessage, ChangeMessageVisibility, DeleteMessage) over SQS's JSON protocol,
 * so the unchanged SQS adapter talks to it, and the Lambda event source's part: messages that are
 * visible are handed to the delivery worker in SQS-shaped batches of up to 10, the batch item
 * failures it reports stay (with the visibility it set), the rest are deleted. A message received
 * `maxReceives` times moves to the dead letters. Delays and visibility timeouts are honoured on
 * local mode's clock. Messages are kept in a file of the data directory, so a restart loses none.
 * No npm SQS emulator speaks the current SDK's JSON protocol and drives a handler, hence this.
 */

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  visibleAt: number;
  receives: number;
  receipt?: string;
}

export type QueueWorker = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface LocalWebhookQueue {
  /** The queue URL the functions get (WEBHOOK_QUEUE_URL); the server's origin is the SQS endpoint. */
  readonly url: string;
  readonly endpoint: string;
  /** Messages that were received too often. */
  readonly deadLetters: readonly { readonly id: string; readonly body: string }[];
  /** Starts handing messages to `worker`. */
  start(worker: QueueWorker): void;
  /** Resolves once no message is visible now and no batch is being handled (later retries aside). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const QUEUE_NAME = 'imager-webhooks';
const POLL_MS = 50;
const BATCH = 10;

export async function startLocalWebhookQueue(options: {
  readonly file: string;
  readonly visibilitySeconds: number;
  readonly maxReceives: number;
  readonly now?: () => number;
}): Promise<LocalWebhookQueue> {
  const now = options.now ?? Date.now;
  const messages: StoredMessage[] = existsSync(options.file) ? (JSON.parse(readFileSync(options.file, 'utf8')) as StoredMessage[]) : [];
  // A restart ends every receive: what was in flight is visible again.
  for (const message of messages) message.receipt = undefined;
  const deadLetters: { id: string; body: string }[] = [];
  // Written whole and renamed into place: a process killed mid-save (the crash tests do that)
  // leaves the previous queue, not a truncated file the next start cannot read.
  const save = () => {
    const temporary = `${options.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(messages));
    renameSync(temporary, options.file);
  };

  const actions: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    SendMessage(input) {
      const body = String(input.MessageBody ?? '');
      const id = randomUUID();
      messages.push({ id, body, sentAt: now(), visibleAt: now() + Number(input.DelaySeconds ?? 0) * 1000, receives: 0 });
      save();
      return { MessageId: id, MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
    },
    ChangeMessageVisibility(input) {
      const message = messages.find((m) => m.receipt !== undefined && m.receipt === input.ReceiptHandle);
      if (!message) throw Object.assign(new Error('The receipt handle is not valid'), { type: 'ReceiptHandleIsInvalid' });
      message.visibleAt = now() + Number(input.VisibilityTimeout ?? 0) * 1000;
      save();
      return {};
    },
    DeleteMessage(input) {
      const at = messages.findIndex((m) => m.receipt !== undefined && m.receipt === input.ReceiptHandle);
      if (at >= 0) messages.splice(at, 1);
      save();
      return {};
    },
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      const run = actions[action];
      if (!run) return answer(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: `local queue: ${action} is not supported` });
      try {
        answer(200, run(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>));
      } catch (error) {
        answer(400, { __type: `com.amazonaws.sqs#${(error as { type?: string }).type ?? 'InvalidParameterValue'}`, message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const url = `${endpoint}/000000000000/${QUEUE_NAME}`;

  let worker: QueueWorker | undefined;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const visibleNow = () => messages.filter((m) => m.visibleAt <= now());

  async function handOver(): Promise<void> {
    const batch = visibleNow().slice(0, BATCH);
    if (!worker || batch.length === 0) return;
    for (const message of batch) {
      message.receives += 1;
      message.receipt = randomUUID();
      message.visibleAt = now() + options.visibilitySeconds * 1000;
    }
    save();
    const event = {
      Records: batch.map((message) => ({
        messageId: message.id,
        receiptHandle: message.receipt!,
        body: message.body,
        attributes: { ApproximateReceiveCount: String(message.receives), SentTimestamp: String(message.sentAt), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(now()) },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(message.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${QUEUE_NAME}`,
        awsRegion: 'us-east-1',
      })),
    } as SQSEvent;
    let failed: Set<string>;
    try {
      const result = await worker(event);
      failed = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      console.error('webhook worker failed', error);
      failed = new Set(batch.map((message) => message.id));
    }
    for (const message of batch) {
      const at = messages.indexOf(message);
      if (at < 0) continue;
      if (!failed.has(message.id)) messages.splice(at, 1);
      else if (message.receives >= options.maxReceives) {
        messages.splice(at, 1);
        deadLetters.push({ id: message.id, body: message.body });
        console.error('webhook message moved to the dead letters', { id: message.id });
      }
      message.receipt = undefined;
    }
    save();
  }

  const tick = () => {
    if (running || !worker) return;
    running = handOver().finally(() => {
      running = undefined;
    });
  };

  return {
    url,
    endpoint,
    deadLetters,
    start(handler) {
      worker = handler;
      timer = setInterval(tick, POLL_MS);
      timer.unref();
    },
    async idle() {
      for (;;) {
        if (running) await running;
        else if (worker && visibleNow().length > 0) tick();
        else return;
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      if (running) await running;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
