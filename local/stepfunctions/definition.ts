// What the local Step Functions needs to know about an ASL definition beyond running it: its
// states by name (nested Map/Parallel included), the Task states it routes to Lambda, the
// AWS default Task timeout the interpreter lacks, and retry intervals scaled for fast tests.

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'NONE' | 'FULL';
}

export type StateDefinition = Record<string, unknown> & { Type: string };

interface Graph {
  StartAt?: string;
  States?: Record<string, StateDefinition>;
}

/**
 * AWS's Task default is 99999999 s; the interpreter defaults to 60 s, which would cut off a slow
 * function. Node timers cannot go past 2^31-1 ms, so the local stand-in is the largest that fits.
 */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Every state of the definition by name, nested graphs (Parallel branches, Map processors) included. */
export function statesByName(definition: object): Map<string, StateDefinition> {
  const states = new Map<string, StateDefinition>();
  const visit = (graph: Graph | undefined): void => {
    for (const [name, state] of Object.entries(graph?.States ?? {})) {
      states.set(name, state);
      for (const branch of (state.Branches as Graph[] | undefined) ?? []) visit(branch);
      visit(state.Iterator as Graph | undefined);
      visit(state.ItemProcessor as Graph | undefined);
    }
  };
  visit(definition as Graph);
  return states;
}

/** A copy of the definition in which every Task state without a timeout gets AWS's default. */
export function withDefaultTaskTimeouts<T extends object>(definition: T): T {
  const copy = structuredClone(definition);
  for (const state of statesByName(copy).values()) {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = DEFAULT_TASK_TIMEOUT_SECONDS;
    }
  }
  return copy;
}

/** `$.a.b` / `$['a']` style reference paths, enough for TimeoutSecondsPath. */
export function readPath(path: string, input: unknown): unknown {
  if (path === '$') return input;
  const keys = [...path.matchAll(/\.([^.[\]]+)|\['([^']+)'\]|\[(\d+)\]/g)].map((m) => m[1] ?? m[2] ?? Number(m[3]));
  let value: unknown = input;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** The state's timeout as the interpreter computes it, in ms (undefined when it cannot be known). */
export function taskTimeoutMs(state: StateDefinition, input: unknown): number | undefined {
  if (typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds > 0) return state.TimeoutSeconds * 1000;
  if (typeof state.TimeoutSecondsPath === 'string') {
    const seconds = readPath(state.TimeoutSecondsPath, input);
    return typeof seconds === 'number' && seconds >= 1 ? seconds * 1000 : undefined;
  }
  return DEFAULT_TASK_TIMEOUT_SECONDS * 1000;
}

/** The wait before retry `attempt` (0-based) of a retrier, in ms, with AWS's defaults. */
export function retryDelayMs(retrier: Retrier, attempt: number, scale: number, random: () => number = Math.random): number {
  let seconds = (retrier.IntervalSeconds ?? 1) * Math.pow(retrier.BackoffRate ?? 2, attempt);
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  const ms = seconds * 1000 * scale;
  return retrier.JitterStrategy === 'FULL' ? random() * ms : ms;
}

/** Which retrier of a state matches an error, as ASL matches them (first retrier, in order). */
export function matchingRetrier(retriers: Retrier[], errorName: string, isTaskState: boolean, isTimeout: boolean): number {
  return retriers.findIndex((retrier) =>
    retrier.ErrorEquals.some(
      (name) => name === errorName || name === 'States.ALL' || (name === 'States.TaskFailed' && isTaskState && !isTimeout),
    ),
  );
}

/**
 * Feeds the interpreter's `retryIntervalOverrides` with scaled intervals. The interpreter reads a
 * fixed per-retrier override, so the backoff for the next attempt is written here each time a
 * Task attempt fails, mirroring the interpreter's own attempt counters (which restart whenever
 * the state is left). Non-Task states get their first interval, scaled.
 */
export class RetryScaler {
  readonly overrides: Record<string, number[]> = {};
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly states: Map<string, StateDefinition>,
    private readonly scale: number,
  ) {
    for (const [name, state] of states) {
      const retriers = state.Retry as Retrier[] | undefined;
      if (retriers !== undefined) this.overrides[name] = retriers.map((retrier) => retryDelayMs(retrier, 0, scale));
    }
  }

  /** A Task attempt failed with `errorName`: set the wait before the retry the interpreter will make. */
  failed(stateName: string, errorName: string, isTimeout: boolean): void {
    const retriers = this.states.get(stateName)?.Retry as Retrier[] | undefined;
    if (retriers === undefined) return;
    const index = matchingRetrier(retriers, errorName, true, isTimeout);
    const counts = this.attempts.get(stateName) ?? retriers.map(() => 0);
    const retrier = index >= 0 ? retriers[index] : undefined;
    const count = counts[index] ?? 0;
    if (retrier === undefined || count >= (retrier.MaxAttempts ?? 3)) {
      // No retry follows: the state is left, and its counters start over on the next entry.
      this.attempts.delete(stateName);
      return;
    }
    const override = this.overrides[stateName];
    if (override !== undefined) override[index] = retryDelayMs(retrier, count, this.scale);
    counts[index] = count + 1;
    this.attempts.set(stateName, counts);
  }

  succeeded(stateName: string): void {
    this.attempts.delete(stateName);
  }
}

/** Choice rule operators that test a variable's type or presence: `true` or `false`. */
const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];

type ChoiceRule = Record<string, unknown>;

/** A choice rule with each `IsX: false` written as `Not: { IsX: true }`, in nested And/Or/Not too. */
function negatedTypeTests(rule: ChoiceRule): ChoiceRule {
  const test = TYPE_TESTS.find((name) => rule[name] === false);
  if (test !== undefined) {
    const { Variable, [test]: _false, ...rest } = rule;
    return { ...rest, Not: { Variable, [test]: true } };
  }
  const copy: ChoiceRule = { ...rule };
  for (const key of ['And', 'Or']) if (Array.isArray(copy[key])) copy[key] = (copy[key] as ChoiceRule[]).map(negatedTypeTests);
  if (copy.Not !== undefined) copy.Not = negatedTypeTests(copy.Not as ChoiceRule);
  return copy;
}

/**
 * aws-local-stepfunctions never matches a type test written `false` (`IsNull: false` on a string,
 * `IsPresent: false` on a missing field): in place, every Choice state's rules get the equivalent
 * `Not` of the `true` test, which it evaluates as Step Functions does.
 */
export function rewriteNegatedTypeTests(definition: object): void {
  for (const state of statesByName(definition).values()) {
    if (state.Type === 'Choice' && Array.isArray(state.Choices)) state.Choices = (state.Choices as ChoiceRule[]).map(negatedTypeTests);
  }
}
