import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsServiceError, type Authorize, type CallerIdentity } from '../../../local/core/types.js';
import { LocalEventBridge, type EventEnvelope } from '../../../local/events/index.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ADMIN_KEY = 'LOCALADMINACCESSKEY0';
const WORKLOAD_KEY = 'WORKLOADACCESSKEY000';
const DENIED_KEY = 'DENIEDACCESSKEY00000';

const IDENTITIES: Record<string, CallerIdentity> = {
  [ADMIN_KEY]: { accessKeyId: ADMIN_KEY, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalType: 'account-root' },
  [WORKLOAD_KEY]: {
    accessKeyId: WORKLOAD_KEY,
    accountId: '111122223333',
    arn: 'arn:aws:sts::111122223333:assumed-role/record-result/session',
    principalType: 'assumed-role',
  },
  [DENIED_KEY]: {
    accessKeyId: DENIED_KEY,
    accountId: ACCOUNT,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/nobody/session`,
    principalType: 'assumed-role',
  },
};

const ADMIN = IDENTITIES[ADMIN_KEY] as CallerIdentity;
const PROJECT_BUS = 'capa-provider-onboarding';

/** Every authorization decision the emulator asked for. */
const decisions: { caller?: string; action: string; resource: string }[] = [];

// Fake IAM: unsigned callers and the "nobody" role are denied, everyone else allowed.
const authorize: Authorize = (caller, action, resource) => {
  decisions.push({ ...(caller ? { caller: caller.arn } : {}), action, resource });
  if (!caller || caller.accessKeyId === DENIED_KEY) {
    throw new AwsServiceError(
      'AccessDeniedException',
      `User: ${caller?.arn ?? 'anonymous'} is not authorized to perform: ${action} on resource: ${resource}`,
    );
  }
};

interface Delivery {
  target: { arn: string; roleArn?: string; input?: string };
  event: EventEnvelope;
}

let deliveries: Delivery[] = [];
let deliver: (target: Delivery['target'], event: EventEnvelope) => Promise<void>;
let bridge: LocalEventBridge;
let server: Server;
let endpoint: string;

/** The test's own router: X-Amz-Target -> action, JSON body -> params, SigV4 key id -> caller. */
function startServer(): Promise<void> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const keyId = /Credential=([^/]+)\//.exec(String(req.headers['authorization'] ?? ''))?.[1];
      const caller = keyId ? IDENTITIES[keyId] : undefined;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      void bridge
        .handle({
          service: 'events',
          action: target.replace(/^AWSEvents\./, ''),
          params: rawBody === '' ? {} : (JSON.parse(rawBody) as Record<string, unknown>),
          ...(caller ? { caller } : {}),
          region: REGION,
          rawBody,
          path: req.url ?? '/',
          headers,
        })
        .then((response) => {
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

/** The error a promise rejects with (undefined if it resolves), captured at once so no rejection goes unhandled. */
function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function client(accessKeyId = ADMIN_KEY): EventBridgeClient {
  return new EventBridgeClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId, secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

const fixture = (name: string): EventEnvelope =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as EventEnvelope;

beforeAll(startServer);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  deliveries = [];
  decisions.length = 0;
  deliver = async (target, event) => {
    deliveries.push({ target, event });
  };
  bridge = new LocalEventBridge({
    accountId: ACCOUNT,
    region: REGION,
    authorize,
    deliver: (target, event) => deliver(target, event),
    now: () => Date.parse('2026-11-20T09:14:05.678Z'),
    retry: { attempts: 3, baseDelayMs: 1 },
  });
  bridge.createEventBus(PROJECT_BUS);
});

afterEach(() => vi.restoreAllMocks());

describe('PutEvents validation', () => {
  it('answers per-entry error codes and counts the failures', async () => {
    // Prepare
    const entries = [
      { Source: 'capa-provider-onboarding', DetailType: 'ok', Detail: '{"a":1}', EventBusName: PROJECT_BUS },
      { DetailType: 'no source', Detail: '{}', EventBusName: PROJECT_BUS },
      { Source: 's', Detail: '{}', EventBusName: PROJECT_BUS },
      { Source: 's', DetailType: 'no detail', EventBusName: PROJECT_BUS },
      { Source: 's', DetailType: 'bad json', Detail: '{not json', EventBusName: PROJECT_BUS },
      { Source: 's', DetailType: 'array', Detail: '[1,2]', EventBusName: PROJECT_BUS },
      { Source: 's', DetailType: 'no bus', Detail: '{}', EventBusName: 'missing-bus' },
    ];
    // Act
    const out = await client().send(new PutEventsCommand({ Entries: entries }));
    // Assess
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Entries?.slice(1).map((e) => e.ErrorCode)).toEqual([
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
    ]);
    expect(out.Entries?.[1]?.ErrorMessage).toBe('Parameter Source is not valid. Reason: Source is a required argument.');
    expect(bridge.recordedEvents(PROJECT_BUS)).toHaveLength(1);
  });

  it('rejects aws.* sources from customers, per entry', async () => {
    // Prepare
    const entry = { Source: 'aws.organizations', DetailType: 'AWS Service Event via CloudTrail', Detail: '{}' };
    // Act
    const out = await client().send(new PutEventsCommand({ Entries: [entry] }));
    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]).toMatchObject({ ErrorCode: 'NotAuthorizedForSourceException' });
    expect(bridge.recordedEvents()).toHaveLength(0);
  });

  it('fails the whole request for more than 10 entries or over 256 KB', async () => {
    // Prepare
    const small = { Source: 's', DetailType: 't', Detail: '{}' };
    const big = { Source: 's', DetailType: 't', Detail: JSON.stringify({ blob: 'x'.repeat(256 * 1024) }) };
    // Act
    const tooMany = await failure(client().send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => small) })));
    const tooBig = await failure(client().send(new PutEventsCommand({ Entries: [big] })));
    // Assess
    expect(tooMany).toMatchObject({ name: 'ValidationException' });
    expect(String(tooBig)).toContain('Total size of the entries in the request is over the limit.');
    expect(bridge.recordedEvents()).toHaveLength(0);
  });

  it('authorizes events:PutEvents on the bus ARN and refuses a denied caller', async () => {
    // Prepare
    const entry = { Source: 's', DetailType: 't', Detail: '{}', EventBusName: PROJECT_BUS };
    // Act
    const denied = await failure(client(DENIED_KEY).send(new PutEventsCommand({ Entries: [entry] })));
    // Assess
    expect(denied).toMatchObject({ name: 'AccessDeniedException' });
    expect(decisions).toContainEqual({
      caller: `arn:aws:sts::${ACCOUNT}:assumed-role/nobody/session`,
      action: 'events:PutEvents',
      resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${PROJECT_BUS}`,
    });
    expect(bridge.recordedEvents(PROJECT_BUS)).toHaveLength(0);
  });

  it('builds the envelope as AWS does, accepting the bus by ARN', async () => {
    // Prepare
    const busArn = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${PROJECT_BUS}`;
    const entry = {
      Source: 'capa-provider-onboarding',
      DetailType: 'Provider Onboarded',
      Detail: '{"providerId":"p-1"}',
      EventBusName: busArn,
      Resources: ['arn:aws:iam::111122223333:role/capa-providers/capa-x'],
    };
    // Act
    const out = await client(WORKLOAD_KEY).send(new PutEventsCommand({ Entries: [entry] }));
    // Assess
    const [event] = bridge.recordedEvents(PROJECT_BUS);
    expect(event).toEqual({
      version: '0',
      id: out.Entries?.[0]?.EventId,
      'detail-type': 'Provider Onboarded',
      source: 'capa-provider-onboarding',
      account: '111122223333',
      time: '2026-11-20T09:14:05Z',
      region: REGION,
      resources: ['arn:aws:iam::111122223333:role/capa-providers/capa-x'],
      detail: { providerId: 'p-1' },
    });
  });

  it('uses the entry Time when given', async () => {
    // Prepare
    const entry = { Source: 's', DetailType: 't', Detail: '{}', Time: new Date('2027-01-02T03:04:05.999Z') };
    // Act
    await client().send(new PutEventsCommand({ Entries: [entry] }));
    // Assess
    expect(bridge.recordedEvents()[0]?.time).toBe('2027-01-02T03:04:05Z');
  });
});

describe('rules and delivery', () => {
  async function putRuleWithTarget(pattern: unknown, targetArn: string, bus = PROJECT_BUS, name = 'r1'): Promise<string> {
    const eb = client();
    const { RuleArn } = await eb.send(new PutRuleCommand({ Name: name, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
    await eb.send(new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: 't1', Arn: targetArn, Input: '{"k":1}' }] }));
    return RuleArn as string;
  }

  it('delivers matching events to the rule targets, after PutEvents has answered', async () => {
    // Prepare
    const ruleArn = await putRuleWithTarget(
      { source: ['capa-provider-onboarding'], detail: { status: [{ 'anything-but': 'FAILED' }] } },
      'arn:aws:lambda:us-east-1:000000000000:function:notify',
    );
    const entries = ['READY', 'FAILED'].map((status) => ({
      Source: 'capa-provider-onboarding',
      DetailType: 'Provider Status',
      Detail: JSON.stringify({ status }),
      EventBusName: PROJECT_BUS,
    }));
    // Act
    const out = await client().send(new PutEventsCommand({ Entries: entries }));
    await bridge.settled();
    // Assess
    expect(ruleArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:rule/${PROJECT_BUS}/r1`);
    expect(out.FailedEntryCount).toBe(0);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.target).toEqual({ arn: 'arn:aws:lambda:us-east-1:000000000000:function:notify', input: '{"k":1}' });
    expect(deliveries[0]?.event.detail).toEqual({ status: 'READY' });
    expect(bridge.recordedEvents(PROJECT_BUS)).toHaveLength(2);
  });

  it('does not run targets before PutEvents has returned', async () => {
    // Prepare
    bridge.putRule({ name: 'sync', eventPattern: { source: ['s'] }, targets: [{ id: 'x', arn: 'arn:aws:lambda:us-east-1:000000000000:function:x' }] });
    // Act
    await bridge.putEvents([{ Source: 's', DetailType: 't', Detail: '{}' }], ADMIN);
    const deliveredOnReturn = deliveries.length;
    await bridge.settled();
    // Assess
    expect(deliveredOnReturn).toBe(0);
    expect(deliveries).toHaveLength(1);
  });

  it('routes AWS-service events published on the default bus through the project rules', async () => {
    // Prepare
    const target = { id: 'trigger', arn: 'arn:aws:lambda:us-east-1:000000000000:function:account-trigger' };
    const orgArn = bridge.putRule({
      name: 'organizations-account-created',
      eventPattern: {
        source: ['aws.organizations'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: { eventName: ['CreateAccountResult'], serviceEventDetails: { createAccountStatus: { state: ['SUCCEEDED'] } } },
      },
      targets: [target],
    }).arn;
    bridge.putRule({
      name: 'controltower-account-created',
      eventPattern: {
        source: ['aws.controltower'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventName: ['CreateManagedAccount', 'UpdateManagedAccount'],
          $or: [
            { serviceEventDetails: { createManagedAccountStatus: { state: ['SUCCEEDED'] } } },
            { serviceEventDetails: { updateManagedAccountStatus: { state: ['SUCCEEDED'] } } },
          ],
        },
      },
      targets: [target],
    });
    const failed = fixture('controltower-create-managed-account') as unknown as {
      id: string;
      detail: { serviceEventDetails: { createManagedAccountStatus: { state: string } } };
    };
    failed.id = 'failed-one';
    failed.detail.serviceEventDetails.createManagedAccountStatus.state = 'FAILED';
    // Act
    await bridge.publish(fixture('organizations-create-account-result'));
    await bridge.publish(fixture('controltower-update-managed-account'));
    await bridge.publish(failed as unknown as EventEnvelope);
    await bridge.settled();
    // Assess
    expect(orgArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:rule/organizations-account-created`);
    expect(deliveries.map((d) => d.event.id)).toEqual([
      '6f6d3a1e-7c1b-4f0a-9a51-2f1d2c3b4a59',
      'c4b2d3e5-1f0a-4b9c-9d8e-7f6a5b4c3d2e',
    ]);
    expect(bridge.recordedEvents('default').map((e) => e.id)).toHaveLength(3);
  });

  it('does not deliver for disabled rules or rules on another bus', async () => {
    // Prepare
    bridge.putRule({ name: 'off', eventBusName: PROJECT_BUS, eventPattern: { source: ['s'] }, state: 'DISABLED', targets: [{ id: 'a', arn: 'arn:aws:lambda:us-east-1:000000000000:function:a' }] });
    bridge.putRule({ name: 'other-bus', eventPattern: { source: ['s'] }, targets: [{ id: 'b', arn: 'arn:aws:lambda:us-east-1:000000000000:function:b' }] });
    // Act
    await bridge.putEvents([{ Source: 's', DetailType: 't', Detail: '{}', EventBusName: PROJECT_BUS }], ADMIN);
    await bridge.settled();
    // Assess
    expect(deliveries).toHaveLength(0);
  });

  it('retries a failing delivery, then logs a warning naming rule and target and carries on', async () => {
    // Prepare
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    let calls = 0;
    deliver = async () => {
      calls += 1;
      throw new Error('function crashed');
    };
    const ruleArn = bridge.putRule({
      name: 'flaky',
      eventBusName: PROJECT_BUS,
      eventPattern: { source: ['s'] },
      targets: [{ id: 'flaky-target', arn: 'arn:aws:lambda:us-east-1:000000000000:function:flaky' }],
    }).arn;
    // Act
    const out = await bridge.putEvents([{ Source: 's', DetailType: 't', Detail: '{}', EventBusName: PROJECT_BUS }], ADMIN);
    await bridge.settled();
    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(calls).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain(ruleArn);
    expect(String(warn.mock.calls[0]?.[0])).toContain('flaky-target');
    expect(String(warn.mock.calls[0]?.[0])).toContain('function crashed');
  });

  it('a delivery that fails once succeeds on retry without a warning', async () => {
    // Prepare
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    let calls = 0;
    deliver = async (target, event) => {
      calls += 1;
      if (calls === 1) throw new Error('throttled');
      deliveries.push({ target, event });
    };
    bridge.putRule({ name: 'once', eventPattern: { source: ['s'] }, targets: [{ id: 'x', arn: 'arn:aws:lambda:us-east-1:000000000000:function:x' }] });
    // Act
    await bridge.putEvents([{ Source: 's', DetailType: 't', Detail: '{}' }], ADMIN);
    await bridge.settled();
    // Assess
    expect(calls).toBe(2);
    expect(deliveries).toHaveLength(1);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('rule and bus management through the SDK', () => {
  it('creates, describes and lists buses; a duplicate is refused', async () => {
    // Prepare
    const eb = client();
    // Act
    const created = await eb.send(new CreateEventBusCommand({ Name: 'extra' }));
    const duplicate = await failure(eb.send(new CreateEventBusCommand({ Name: 'extra' })));
    const described = await eb.send(new DescribeEventBusCommand({ Name: 'extra' }));
    const listed = await eb.send(new ListEventBusesCommand({}));
    const missing = await failure(eb.send(new DescribeEventBusCommand({ Name: 'nope' })));
    // Assess
    expect(created.EventBusArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/extra`);
    expect(duplicate).toMatchObject({ name: 'ResourceAlreadyExistsException' });
    expect(described).toMatchObject({ Name: 'extra', Arn: created.EventBusArn });
    expect(listed.EventBuses?.map((b) => b.Name)).toEqual([PROJECT_BUS, 'default', 'extra']);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('puts, describes, lists, un-targets and deletes a rule', async () => {
    // Prepare
    const eb = client();
    const pattern = JSON.stringify({ source: ['aws.organizations'] });
    await eb.send(new PutRuleCommand({ Name: 'org', EventPattern: pattern, Description: 'new accounts' }));
    await eb.send(new PutTargetsCommand({ Rule: 'org', Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' }] }));
    // Act
    const described = await eb.send(new DescribeRuleCommand({ Name: 'org' }));
    const rules = await eb.send(new ListRulesCommand({}));
    const targets = await eb.send(new ListTargetsByRuleCommand({ Rule: 'org' }));
    const deleteWithTargets = await failure(eb.send(new DeleteRuleCommand({ Name: 'org' })));
    await eb.send(new RemoveTargetsCommand({ Rule: 'org', Ids: ['fn'] }));
    await eb.send(new DeleteRuleCommand({ Name: 'org' }));
    const afterDelete = await failure(eb.send(new DescribeRuleCommand({ Name: 'org' })));
    // Assess
    expect(described).toMatchObject({
      Name: 'org',
      Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/org`,
      State: 'ENABLED',
      EventBusName: 'default',
      Description: 'new accounts',
    });
    expect(JSON.parse(described.EventPattern as string)).toEqual({ source: ['aws.organizations'] });
    expect(rules.Rules?.map((r) => r.Name)).toEqual(['org']);
    expect(targets.Targets).toEqual([{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' }]);
    expect(deleteWithTargets).toMatchObject({ name: 'ValidationException' });
    expect(afterDelete).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses an invalid pattern with InvalidEventPatternException', async () => {
    // Prepare
    const eb = client();
    // Act
    const bad = await failure(eb.send(new PutRuleCommand({ Name: 'bad', EventPattern: JSON.stringify({ source: 'aws.organizations' }) })));
    const notJson = await failure(eb.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{source' })));
    // Assess
    expect(bad).toMatchObject({ name: 'InvalidEventPatternException' });
    expect(notJson).toMatchObject({ name: 'InvalidEventPatternException' });
  });

  it('TestEventPattern answers with the match result', async () => {
    // Prepare
    const eb = client();
    const event = JSON.stringify(fixture('organizations-create-account-result'));
    // Act
    const hit = await eb.send(new TestEventPatternCommand({ EventPattern: '{"detail":{"eventName":["CreateAccountResult"]}}', Event: event }));
    const miss = await eb.send(new TestEventPatternCommand({ EventPattern: '{"source":["aws.controltower"]}', Event: event }));
    // Assess
    expect(hit.Result).toBe(true);
    expect(miss.Result).toBe(false);
  });

  it('refuses unsigned requests through authorize', async () => {
    // Prepare
    const response = await bridge.handle({
      service: 'events',
      action: 'ListRules',
      params: {},
      region: REGION,
      rawBody: '{}',
      path: '/',
      headers: {},
    });
    // Act
    const body = JSON.parse(response.body) as { __type: string };
    // Assess
    expect(response.status).toBe(400);
    expect(body.__type).toBe('AccessDeniedException');
  });
});

describe('snapshot / restore', () => {
  it('round-trips buses, rules, targets and recorded events through JSON', async () => {
    // Prepare
    bridge.putRule({
      name: 'keep',
      eventBusName: PROJECT_BUS,
      eventPattern: { source: ['s'] },
      targets: [{ id: 't', arn: 'arn:aws:lambda:us-east-1:000000000000:function:t', input: '{"x":1}' }],
    });
    await bridge.putEvents([{ Source: 's', DetailType: 'before', Detail: '{}', EventBusName: PROJECT_BUS }], ADMIN);
    await bridge.settled();
    const saved = JSON.parse(JSON.stringify(bridge.snapshot())) as unknown;
    const restored = new LocalEventBridge({ accountId: ACCOUNT, region: REGION, authorize, deliver: (t, e) => deliver(t, e) });
    deliveries = [];
    // Act
    restored.restore(saved);
    await restored.putEvents([{ Source: 's', DetailType: 'after', Detail: '{}', EventBusName: PROJECT_BUS }], ADMIN);
    await restored.settled();
    // Assess
    expect(restored.recordedEvents(PROJECT_BUS).map((e) => e['detail-type'])).toEqual(['before', 'after']);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.target).toEqual({ arn: 'arn:aws:lambda:us-east-1:000000000000:function:t', input: '{"x":1}' });
    expect(restored.recordedEvents('default')).toEqual([]);
  });

  it('restore replaces state and refuses something that is not a snapshot', () => {
    // Prepare
    const empty = new LocalEventBridge({ accountId: ACCOUNT, region: REGION, authorize, deliver: async () => undefined }).snapshot();
    // Act
    bridge.restore(empty);
    const bad = () => bridge.restore({ buses: [] });
    // Assess
    expect(() => bridge.putRule({ name: 'x', eventBusName: PROJECT_BUS, eventPattern: { source: ['s'] }, targets: [] })).toThrow(
      'does not exist',
    );
    expect(bad).toThrow('Not a LocalEventBridge snapshot');
  });
});
