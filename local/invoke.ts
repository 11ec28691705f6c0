import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { GatewayError } from './gateway-http';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface Invocation {
  /** The function's name (in the Lambda context's names and ARNs). */
  readonly name: string;
  readonly requestId: string;
  /** The integration timeout (API Gateway: 29 s). */
  readonly timeoutMs: number;
  readonly now: () => number;
  /** Where a handler that threw or timed out is reported. */
  readonly report: (message: string, error: unknown) => void;
}

/**
 * Calls a handler the way API Gateway's Lambda proxy integration does: with a Lambda context
 * whose remaining time counts down to the timeout. A handler that throws or returns no status
 * is an INTEGRATION_FAILURE (502), one still running at the timeout an INTEGRATION_TIMEOUT (504).
 */
export async function invokeProxyHandler(handler: ProxyHandler, event: APIGatewayProxyEvent, invocation: Invocation): Promise<APIGatewayProxyResult> {
  const { name, timeoutMs, report } = invocation;
  const context = lambdaContext(invocation, invocation.now() + timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatewayError('INTEGRATION_TIMEOUT')), timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
    if (!result || typeof result.statusCode !== 'number') throw new Error('handler returned no statusCode');
    return result;
  } catch (error) {
    if (error instanceof GatewayError) {
      report(`handler ${name} timed out`, error);
      throw error;
    }
    report(`handler ${name} failed`, error);
    throw new GatewayError('INTEGRATION_FAILURE');
  } finally {
    clearTimeout(timer);
  }
}

function lambdaContext({ name, requestId, now }: Invocation, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `imager-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:imager-local-${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/imager-local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
