import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseRedriveArguments, redrive } from '../../scripts/redrive';

/** An on-failure destination record as Lambda writes it to the queue after the last retry. */
function failure(messageId: string, key: string, functionArn = 'arn:aws:lambda:eu-west-1:123456789012:function:Imager-FinalizeUpload-AbC:$LATEST') {
  const requestPayload = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'images' }, object: { key } } }] };
  return {
    MessageId: messageId,
    ReceiptHandle: `receipt-${messageId}`,
    Body: JSON.stringify({
      version: '1.0',
      timestamp: '2026-11-30T10:00:00.000Z',
      requestContext: { requestId: `req-${messageId}`, functionArn, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'S3 unavailable' },
    }),
  };
}

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/Imager-FinalizeDeadLetters';

beforeEach(() => {
  sqs.reset();
  lambda.reset();
  sqs.on(DeleteMessageCommand).resolves({});
});

describe('redrive', () => {
  it('invokes the failed function again with the original event, then deletes the message', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [failure('m1', 'uploads/a'), failure('m2', 'uploads/b')] }).resolves({ Messages: [] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    const result = await redrive({ sqs: new SQSClient({}), lambda: new LambdaClient({}) }, { queueUrl: QUEUE });
    expect(result).toEqual({ redriven: 2, kept: [] });
    const invokes = lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
    expect(invokes.map((input) => input.FunctionName)).toEqual([
      'arn:aws:lambda:eu-west-1:123456789012:function:Imager-FinalizeUpload-AbC',
      'arn:aws:lambda:eu-west-1:123456789012:function:Imager-FinalizeUpload-AbC',
    ]);
    // Synchronously: a failure is seen at once and the message stays for the next try.
    expect(invokes.every((input) => input.InvocationType === 'RequestResponse')).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(invokes[0].Payload as Uint8Array)).Records[0].s3.object.key).toBe('uploads/a');
    expect(sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle)).toEqual(['receipt-m1', 'receipt-m2']);
  });

  it('keeps the message when the function fails again, and says why', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [failure('m1', 'uploads/a')] }).resolves({ Messages: [] });
    const payload = new TextEncoder().encode(JSON.stringify({ errorMessage: 'still down' }));
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload as never });
    const result = await redrive({ sqs: new SQSClient({}), lambda: new LambdaClient({}) }, { queueUrl: QUEUE });
    expect(result.redriven).toBe(0);
    expect(result.kept).toEqual([{ messageId: 'm1', reason: 'Unhandled: still down' }]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('keeps a message that is not an on-failure record, and stops at --max', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'x', ReceiptHandle: 'r', Body: 'not json' }, failure('m2', 'uploads/b'), failure('m3', 'uploads/c')] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    const result = await redrive({ sqs: new SQSClient({}), lambda: new LambdaClient({}) }, { queueUrl: QUEUE, max: 2 });
    expect(result.redriven).toBe(1);
    expect(result.kept).toEqual([{ messageId: 'x', reason: 'not an on-failure destination record' }]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  it('hides each received message from other readers while it works (visibility timeout above the function\'s 60 s)', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    await redrive({ sqs: new SQSClient({}), lambda: new LambdaClient({}) }, { queueUrl: QUEUE });
    const receive = sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input;
    expect(receive.QueueUrl).toBe(QUEUE);
    expect(receive.VisibilityTimeout).toBeGreaterThan(60);
  });
});

describe('npm run redrive arguments', () => {
  it('needs --stack, takes --queue finalize (default), purge or analyze, --region and --max', () => {
    expect(parseRedriveArguments(['--stack', 'Imager'])).toEqual({ stack: 'Imager', queue: 'finalize', region: undefined, max: undefined });
    expect(parseRedriveArguments(['--stack', 'Imager', '--queue', 'purge', '--region', 'eu-west-1', '--max', '5'])).toEqual({ stack: 'Imager', queue: 'purge', region: 'eu-west-1', max: 5 });
    expect(() => parseRedriveArguments([])).toThrow(/--stack/);
    expect(parseRedriveArguments(['--stack', 'Imager', '--queue', 'analyze']).queue).toBe('analyze');
    expect(() => parseRedriveArguments(['--stack', 'Imager', '--queue', 'other'])).toThrow(/finalize, purge or analyze/);
    // Only the queue names themselves, not what any object inherits.
    expect(() => parseRedriveArguments(['--stack', 'Imager', '--queue', 'toString'])).toThrow(/finalize, purge or analyze/);
    expect(() => parseRedriveArguments(['--stack', 'Imager', '--max', '0'])).toThrow(/--max/);
  });
});
