import { describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultSpec, seededRandom, serverError, throttlingError } from '../../../local/core/faults.js';

describe('parseFaultSpec', () => {
  it('parses service, operation, kind and value, including latency ranges', () => {
    // Prepare
    const spec = 'iam:CreateRole=throttle:0.5; sts:*=error5xx:0.2;*:*=latency:50-200';
    // Act
    const rules = parseFaultSpec(spec);
    // Assess
    expect(rules).toEqual([
      { service: 'iam', action: 'CreateRole', kind: 'throttle', value: 0.5 },
      { service: 'sts', action: '*', kind: 'error5xx', value: 0.2 },
      { service: '*', action: '*', kind: 'latency', value: 50, max: 200 },
    ]);
  });

  it('rejects typos and out-of-range probabilities instead of ignoring them', () => {
    // Prepare / Act / Assess
    expect(() => parseFaultSpec('iam:CreateRole=throtle:0.5')).toThrow(/Invalid fault rule/);
    expect(() => parseFaultSpec('iam:CreateRole=throttle:1.5')).toThrow(/between 0 and 1/);
  });
});

describe('protocol-correct errors', () => {
  it('uses each service\'s own throttling code and status', () => {
    // Prepare / Act
    const errors = {
      iam: throttlingError('iam', 'CreateRole'),
      sts: throttlingError('sts', 'AssumeRole'),
      events: throttlingError('events', 'PutEvents'),
      states: throttlingError('states', 'StartExecution'),
      ddbItem: throttlingError('dynamodb', 'PutItem'),
      ddbControl: throttlingError('dynamodb', 'DescribeTable'),
      lambda: throttlingError('lambda', 'Invoke'),
    };
    // Assess
    expect([errors.iam.code, errors.iam.status]).toEqual(['Throttling', 400]);
    expect(errors.sts.code).toBe('Throttling');
    expect([errors.events.code, errors.events.status]).toEqual(['ThrottlingException', 400]);
    expect(errors.states.code).toBe('ThrottlingException');
    expect(errors.ddbItem.code).toBe('ProvisionedThroughputExceededException');
    expect(errors.ddbControl.code).toBe('ThrottlingException');
    expect([errors.lambda.code, errors.lambda.status]).toEqual(['TooManyRequestsException', 429]);
  });

  it('answers 5xx faults with retryable server errors', () => {
    // Prepare / Act
    const iam = serverError('iam');
    const states = serverError('states');
    // Assess
    expect([iam.code, iam.status, iam.fault]).toEqual(['ServiceUnavailable', 503, 'Receiver']);
    expect([states.code, states.status]).toEqual(['InternalFailure', 500]);
  });
});

describe('FaultInjector', () => {
  it('injects only on matching service and operation', async () => {
    // Prepare
    const faults = new FaultInjector({ spec: 'iam:CreateRole=throttle:1', seed: 1 });
    // Act
    const hit = await faults.apply('iam', 'CreateRole');
    const otherOp = await faults.apply('iam', 'GetRole');
    const otherService = await faults.apply('sts', 'CreateRole');
    // Assess
    expect(hit?.code).toBe('Throttling');
    expect(otherOp).toBeUndefined();
    expect(otherService).toBeUndefined();
    expect(faults.stats()).toEqual({ 'iam:CreateRole:throttle': 1 });
  });

  it('is reproducible with a seed and roughly honours the probability', async () => {
    // Prepare
    const run = async () => {
      const faults = new FaultInjector({ spec: 'dynamodb:*=error5xx:0.3', seed: 42 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 1000; i += 1) outcomes.push((await faults.apply('dynamodb', 'GetItem')) !== undefined);
      return outcomes;
    };
    // Act
    const first = await run();
    const second = await run();
    // Assess
    expect(first).toEqual(second);
    const rate = first.filter(Boolean).length / first.length;
    expect(rate).toBeGreaterThan(0.25);
    expect(rate).toBeLessThan(0.35);
  });

  it('waits for injected latency and still lets the request through', async () => {
    // Prepare
    const waits: number[] = [];
    const faults = new FaultInjector({ spec: '*:*=latency:50', sleep: async (ms) => void waits.push(ms) });
    // Act
    const outcome = await faults.apply('lambda', 'Invoke');
    // Assess
    expect(outcome).toBeUndefined();
    expect(waits).toEqual([50]);
  });

  it('reads LOCAL_FAULTS and LOCAL_FAULTS_SEED from the environment', async () => {
    // Prepare
    const faults = FaultInjector.fromEnv({ LOCAL_FAULTS: 'lambda:Invoke=throttle:1', LOCAL_FAULTS_SEED: '7' });
    // Act
    const outcome = await faults.apply('lambda', 'Invoke');
    // Assess
    expect(faults.enabled).toBe(true);
    expect(outcome?.status).toBe(429);
    expect(FaultInjector.fromEnv({}).enabled).toBe(false);
  });

  it('seededRandom yields values in [0, 1)', () => {
    // Prepare
    const random = seededRandom(3);
    // Act
    const values = Array.from({ length: 100 }, random);
    // Assess
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(100);
  });
});
