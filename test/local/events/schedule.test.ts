// Scheduled rules: rate and cron expressions as EventBridge reads them, and a rule whose schedule
// comes due delivering a `Scheduled Event` to its targets (fake timers: no waiting, no timing).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallerIdentity } from '../../../local/core/types.js';
import { LocalEventBridge, type EventEnvelope } from '../../../local/events/index.js';
import { parseScheduleExpression } from '../../../local/events/schedule.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ADMIN: CallerIdentity = { accessKeyId: 'LOCALADMINACCESSKEY0', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalType: 'account-root' };
const MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Sweep`;
const at = (iso: string) => Date.parse(iso);

describe('schedule expressions', () => {
  it('fires rate(6 hours) every six hours from the rule creation', () => {
    // Prepare
    const next = parseScheduleExpression('rate(6 hours)');
    const created = at('2026-11-29T10:15:00Z');

    // Act
    const first = next(created, created);
    const later = next(at('2026-11-29T17:00:00Z'), created);

    // Assess
    expect(new Date(first!).toISOString()).toBe('2026-11-29T16:15:00.000Z');
    expect(new Date(later!).toISOString()).toBe('2026-11-29T22:15:00.000Z');
  });

  it('fires cron at the next matching UTC minute, with steps, names and ?', () => {
    // Prepare
    const everySixHours = parseScheduleExpression('cron(0 */6 * * ? *)');
    const mondays = parseScheduleExpression('cron(30 3 ? * MON *)');

    // Act
    const sixHourly = everySixHours(at('2026-11-29T14:41:10Z'), 0);
    const monday = mondays(at('2026-11-29T14:41:10Z'), 0);

    // Assess
    expect(new Date(sixHourly!).toISOString()).toBe('2026-11-29T18:00:00.000Z');
    expect(new Date(monday!).toISOString()).toBe('2026-11-30T03:30:00.000Z');
  });

  it.each(['rate(1 hours)', 'rate(2 hour)', 'rate(0 minutes)', 'rate(6 weeks)', 'cron(0 12 * * * *)', 'cron(0 12 L * ? *)', 'cron(0 12 * *)', 'every 6 hours'])(
    'refuses %s',
    (expression) => {
      // Act
      const parse = () => parseScheduleExpression(expression);

      // Assess
      expect(parse).toThrow();
    },
  );
});

describe('scheduled rules', () => {
  let delivered: EventEnvelope[];
  const bridge = (schedules: boolean) =>
    new LocalEventBridge({ accountId: ACCOUNT, region: REGION, authorize: () => undefined, deliver: async (_target, event) => void delivered.push(event), schedules });
  const call = async (events: LocalEventBridge, action: string, params: Record<string, unknown>) =>
    JSON.parse((await events.handle({ service: 'events', action, params, caller: ADMIN, region: REGION, rawBody: JSON.stringify(params), path: '/', headers: {} })).body) as Record<string, unknown>;

  beforeEach(() => {
    delivered = [];
    // The schedule's timers and clock are fake; deliveries (setImmediate) run for real and are awaited.
    vi.useFakeTimers({ now: at('2026-11-29T12:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers a Scheduled Event from aws.events to the targets once the rate comes due, and again a period later', async () => {
    // Prepare
    const events = bridge(true);
    const { RuleArn } = await call(events, 'PutRule', { Name: 'sweep', ScheduleExpression: 'rate(5 minutes)' });
    await call(events, 'PutTargets', { Rule: 'sweep', Targets: [{ Id: 'sweep', Arn: MACHINE }] });

    // Act
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    await events.settled();
    const afterOne = delivered.length;
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    await events.settled();

    // Assess
    expect(afterOne).toBe(1);
    expect(delivered).toHaveLength(2);
    expect(delivered[0]).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      region: REGION,
      time: '2026-11-29T12:05:00Z',
      resources: [RuleArn],
      detail: {},
    });
    expect(await call(events, 'DescribeRule', { Name: 'sweep' })).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    events.stopSchedules();
  });

  it('fires nothing for a disabled rule, nor when schedules are off, and refuses a schedule on a custom bus', async () => {
    // Prepare
    const on = bridge(true);
    const off = bridge(false);
    for (const events of [on, off]) {
      await call(events, 'PutRule', { Name: 'sweep', ScheduleExpression: 'rate(1 minute)', State: events === on ? 'DISABLED' : 'ENABLED' });
      await call(events, 'PutTargets', { Rule: 'sweep', Targets: [{ Id: 'sweep', Arn: MACHINE }] });
    }
    on.createEventBus('custom');

    // Act
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await Promise.all([on.settled(), off.settled()]);
    const custom = await call(on, 'PutRule', { Name: 'other', EventBusName: 'custom', ScheduleExpression: 'rate(1 minute)' });

    // Assess
    expect(delivered).toEqual([]);
    expect(custom).toEqual({ __type: 'ValidationException', message: 'ScheduleExpression is supported only on the default event bus.' });
    on.stopSchedules();
  });
});
