// Scheduled rules (ScheduleExpression) as EventBridge runs them: `rate(N unit)` fires every N
// units from the rule's creation, `cron(minutes hours day-of-month month day-of-week year)` at
// each matching UTC minute. A firing delivers a `Scheduled Event` from `aws.events` straight to
// the rule's targets (it is not put on a bus, so no other rule sees it), as in AWS.
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from './model.js';

const MINUTE_MS = 60_000;
const UNIT_MS: Record<string, number> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** Days a cron search looks ahead before it calls the expression one that never fires. */
const CRON_HORIZON_DAYS = 366 * 5;

export class ScheduleExpressionError extends Error {}

/** When a schedule fires next, strictly after `after` (epoch ms); `since` is when the rule was created. */
export type Schedule = (after: number, since: number) => number | undefined;

function rate(amount: number, unit: string): Schedule {
  const period = amount * UNIT_MS[unit.replace(/s$/, '')]!;
  return (after, since) => since + (Math.floor((after - since) / period) + 1) * period;
}

/** The values a cron field allows (`*`, `?`, lists, ranges, steps, names); L, W and # are refused. */
function cronField(text: string, min: number, max: number, names: string[] = [], offset = 0): Set<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const number = named >= 0 ? named + offset : Number(token);
    if (!Number.isInteger(number) || number < min || number > max) throw new ScheduleExpressionError(`Parameter ScheduleExpression is not valid: ${token}`);
    return number;
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleExpressionError(`Parameter ScheduleExpression is not valid: ${part}`);
    const [from, to] = range === '*' ? [min, max] : range.includes('-') ? range.split('-').map(value) : [value(range), stepText === undefined ? value(range) : max];
    for (let v = from!; v <= to!; v += step) values.add(v);
  }
  return values;
}

function cron(fields: string[]): Schedule {
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if (fields.some((field) => /[LW#]/.test(field))) throw new ScheduleExpressionError('cron expressions with L, W or # are not supported by the local cloud');
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) throw new ScheduleExpressionError('Parameter ScheduleExpression is not valid: one of day-of-month and day-of-week must be ?');
  const allowed = {
    minute: cronField(minutes, 0, 59),
    hour: cronField(hours, 0, 23),
    dayOfMonth: cronField(dayOfMonth, 1, 31),
    month: cronField(month, 1, 12, MONTHS, 1),
    dayOfWeek: cronField(dayOfWeek, 1, 7, DAYS, 1),
    year: cronField(year, 1970, 2199),
  };
  const matches = (set: Set<number> | undefined, value: number) => set === undefined || set.has(value);
  return (after) => {
    const start = new Date(Math.floor(after / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
    const firstDay = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
    for (let day = 0; day < CRON_HORIZON_DAYS; day += 1) {
      const date = new Date(firstDay + day * UNIT_MS.day!);
      if (!matches(allowed.year, date.getUTCFullYear()) || !matches(allowed.month, date.getUTCMonth() + 1)) continue;
      if (!matches(allowed.dayOfMonth, date.getUTCDate()) || !matches(allowed.dayOfWeek, date.getUTCDay() + 1)) continue;
      for (let minuteOfDay = 0; minuteOfDay < 24 * 60; minuteOfDay += 1) {
        const time = date.getTime() + minuteOfDay * MINUTE_MS;
        if (time < start.getTime()) continue;
        if (matches(allowed.hour, Math.floor(minuteOfDay / 60)) && matches(allowed.minute, minuteOfDay % 60)) return time;
      }
    }
    return undefined;
  };
}

/** Parses a ScheduleExpression as PutRule validates it. */
export function parseScheduleExpression(expression: string): Schedule {
  const rateMatch = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rateMatch) {
    const amount = Number(rateMatch[1]);
    const unit = rateMatch[2]!;
    // AWS: the singular unit for 1, the plural for any other value.
    if (amount < 1 || (amount === 1) !== !unit.endsWith('s')) throw new ScheduleExpressionError(`Parameter ScheduleExpression is not valid: ${expression}`);
    return rate(amount, unit);
  }
  const cronMatch = /^cron\((.+)\)$/.exec(expression);
  const fields = cronMatch?.[1]!.trim().split(/\s+/);
  if (fields?.length === 6) return cron(fields);
  throw new ScheduleExpressionError(`Parameter ScheduleExpression is not valid: ${expression}`);
}

/** The event a scheduled rule delivers to its targets, shaped like AWS's. */
export function scheduledEvent(rule: { arn: string }, account: string, region: string, time: number): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [rule.arn],
    detail: {},
  };
}

/** Node timers fire at most 2^31-1 ms ahead; a later firing is re-armed when that timer fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Keeps one timer per scheduled rule (unref'd: a pending schedule keeps no process alive). `fire`
 * delivers the rule's Scheduled Event; the rule is looked up again when its timer fires, so a
 * deleted, disabled or changed rule fires as it is then.
 */
export class RuleScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly now: () => number,
    private readonly fire: (ruleKey: string, time: number) => void,
  ) {}

  /** Arms (or re-arms) the rule's next firing; `undefined` schedule clears it. */
  arm(ruleKey: string, schedule: { next: Schedule; since: number } | undefined): void {
    clearTimeout(this.timers.get(ruleKey));
    this.timers.delete(ruleKey);
    if (schedule === undefined || this.stopped) return;
    const now = this.now();
    const next = schedule.next(now, schedule.since);
    if (next === undefined) return;
    const wait = next - now;
    const timer = setTimeout(() => {
      this.timers.delete(ruleKey);
      if (wait <= MAX_TIMER_MS) this.fire(ruleKey, next);
      this.arm(ruleKey, schedule);
    }, Math.min(MAX_TIMER_MS, Math.max(0, wait)));
    timer.unref();
    this.timers.set(ruleKey, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
