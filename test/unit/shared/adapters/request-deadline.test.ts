// The retry strategy of request-bound clients, run by a real SDK client against a stand-in
// endpoint. Time is a fake clock that each attempt advances by two seconds, so what is asserted is
// which attempts the strategy allows, never how long anything took.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deadlineBoundRetryStrategy,
  isRetryableLater,
  RequestDeadlineExceeded,
  runWithinDeadline,
} from '../../../../functions/shared/adapters/request-deadline.js';
import { startFakeAwsEndpoint, throttling, type FakeAnswer, type FakeAwsEndpoint } from '../../../support/fake-aws-endpoint.js';

let endpoint: FakeAwsEndpoint | undefined;
let clock = 0;

afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

/** A client whose every attempt takes two seconds of the fake clock, with no backoff delay. */
async function clientAnswering(answers: (attempt: number) => FakeAnswer, maxAttempts = 5): Promise<DynamoDBClient> {
  clock = 0;
  let attempt = 0;
  endpoint = await startFakeAwsEndpoint(() => {
    clock += 2_000;
    attempt += 1;
    return answers(attempt);
  });
  return new DynamoDBClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    retryStrategy: deadlineBoundRetryStrategy({ maxAttempts, attemptTimeoutMs: 3_000, now: () => clock, random: () => 0 }),
  });
}

const getItem = (client: DynamoDBClient) => client.send(new GetItemCommand({ TableName: 'providers', Key: { providerId: { S: 'payments.dev' } } }));
const failureOf = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => error as Error);

describe('within a request', () => {
  it('retries throttling only while another attempt can end before the deadline, then fails with the throttling error', async () => {
    // Prepare: attempts start at 0, 2, 4 and 6 s; one at 8 s would end after the 9.5 s deadline
    const client = await clientAnswering(() => throttling());

    // Act
    const failure = await failureOf(runWithinDeadline(9_500, () => getItem(client)));

    // Assess
    expect(endpoint?.targets).toHaveLength(4);
    expect(failure?.name).toBe('ProvisionedThroughputExceededException');
    expect(isRetryableLater(failure)).toBe(true);
  });

  it('does not start a call that could not end before the deadline', async () => {
    // Prepare
    const client = await clientAnswering(() => throttling());

    // Act
    const failure = await failureOf(runWithinDeadline(2_999, () => getItem(client)));

    // Assess
    expect(endpoint?.targets).toEqual([]);
    expect(failure).toBeInstanceOf(RequestDeadlineExceeded);
    expect(isRetryableLater(failure)).toBe(true);
  });

  it('returns the answer of a retry that succeeds in time', async () => {
    // Prepare
    const client = await clientAnswering((attempt) => (attempt < 3 ? throttling() : { status: 200, body: { Item: { providerId: { S: 'payments.dev' } } } }));

    // Act
    const output = await runWithinDeadline(9_500, () => getItem(client));

    // Assess
    expect(output.Item).toEqual({ providerId: { S: 'payments.dev' } });
    expect(endpoint?.targets).toEqual(['DynamoDB_20120810.GetItem', 'DynamoDB_20120810.GetItem', 'DynamoDB_20120810.GetItem']);
  });

  it('does not retry a client error', async () => {
    // Prepare
    const client = await clientAnswering(() => ({ status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad key' } }));

    // Act
    const failure = await failureOf(runWithinDeadline(9_500, () => getItem(client)));

    // Assess
    expect(endpoint?.targets).toHaveLength(1);
    expect(failure?.name).toBe('ValidationException');
    expect(isRetryableLater(failure)).toBe(false);
  });
});

describe('outside a request', () => {
  it('retries up to maxAttempts, as the SDK would', async () => {
    // Prepare
    const client = await clientAnswering(() => throttling(), 3);

    // Act
    const failure = await failureOf(getItem(client));

    // Assess
    expect(endpoint?.targets).toHaveLength(3);
    expect(failure?.name).toBe('ProvisionedThroughputExceededException');
  });
});
