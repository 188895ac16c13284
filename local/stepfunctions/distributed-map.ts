// A DISTRIBUTED Map state as Step Functions runs it: a Map Run that starts one child execution per
// item (or per batch with ItemBatcher) of the item processor, at most MaxConcurrency at a time,
// each with its own name, ARN and history; it fails with States.ExceedToleratedFailureThreshold once
// the failed items exceed the tolerated failure threshold, and ends with its parent. The state's
// output is the children's outputs in item order. The interpreter runs the state as a Task
// (distributed-map-definition.ts) whose handler is `run` here.
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Authorize, CallerIdentity } from '../core/types.js';
import { readPath, type StateDefinition } from './definition.js';
import { mapRunLabel, type ItemProcessor } from './distributed-map-definition.js';
import { json, type Run } from './history.js';
import { childEnded, childStarted, emptyCounts, exceedsToleratedFailures, type MapRunRecord } from './map-runs.js';
import { compileStateMachine, type EventDetails, type ExecutionRecord, type MachineRecord, type StepFunctionsModel } from './model.js';

/** AWS runs up to 10,000 child executions of a Map Run at once (MaxConcurrency 0 or absent). */
export const MAX_CHILD_CONCURRENCY = 10_000;

export interface DistributedMapOptions {
  model: StepFunctionsModel;
  authorize: Authorize;
  /** The identity of a session of the state machine's role, which starts the child executions. */
  roleSession: (roleArn: string) => CallerIdentity;
}

/** One child execution's input and how many items it carries. */
interface ChildInput {
  input: unknown;
  items: number;
}

/** An error as the state sees it: `name` is the error, `message` the cause. */
function stateError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A state's input field by value or by reference path (`Field` / `FieldPath`). */
function numberField(state: StateDefinition, field: string, input: unknown): number | undefined {
  const path = state[`${field}Path`];
  const value = typeof path === 'string' ? readPath(path, input) : state[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw stateError('States.Runtime', `${field}${typeof path === 'string' ? `Path ${path}` : ''} must be a non-negative number, not ${JSON.stringify(value)}`);
  }
  return value;
}

/** The `$$` of the Map state itself, as its ItemSelector sees it (plus Map.Item per item). */
function stateContext(run: Run, stateName: string): Record<string, unknown> {
  const { exec, machine } = run;
  return {
    Execution: { Id: exec.arn, Name: exec.name, RoleArn: exec.roleArn, StartTime: new Date(exec.startDate).toISOString(), Input: JSON.parse(exec.input) as unknown },
    StateMachine: { Id: machine.arn, Name: machine.name },
    State: { Name: stateName, EnteredTime: new Date().toISOString(), RetryCount: 0 },
  };
}

/** Runs a one-Pass-state machine on the input with the given `$$`: the interpreter evaluates the paths and templates. */
async function evaluate(pass: StateMachine, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  return pass.run(input as never, { context: context as never }).result;
}

function passMachine(fields: Record<string, unknown>): StateMachine {
  const definition = { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', ...fields, End: true } } };
  return new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
}

/** The items at ItemsPath, each through the ItemSelector, grouped by the ItemBatcher when there is one. */
async function childInputs(state: StateDefinition, input: unknown, context: Record<string, unknown>): Promise<ChildInput[]> {
  const items = typeof state.ItemsPath === 'string' ? await evaluate(passMachine({ InputPath: state.ItemsPath }), input, context) : input;
  if (!Array.isArray(items)) {
    throw stateError('States.Runtime', `The items of a Map state must be an array; ${String(state.ItemsPath ?? '$')} is ${JSON.stringify(items)?.slice(0, 100)}`);
  }
  const selector = state.ItemSelector !== undefined ? passMachine({ Parameters: state.ItemSelector }) : undefined;
  const selected: unknown[] = [];
  for (const [index, value] of items.entries()) {
    selected.push(selector === undefined ? value : await evaluate(selector, input, { ...context, Map: { Item: { Index: index, Value: value } } }));
  }
  const batcher = state.ItemBatcher as StateDefinition | undefined;
  return batcher === undefined ? selected.map((item) => ({ input: item, items: 1 })) : batches(batcher, selected, input);
}

/** ItemBatcher: items grouped by MaxItemsPerBatch and MaxInputBytesPerBatch, each with BatchInput. */
function batches(batcher: StateDefinition, items: unknown[], input: unknown): ChildInput[] {
  const maxItems = numberField(batcher, 'MaxItemsPerBatch', input) ?? Infinity;
  const maxBytes = numberField(batcher, 'MaxInputBytesPerBatch', input) ?? Infinity;
  const groups: unknown[][] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(json(item));
    const current = groups.at(-1);
    if (current === undefined || current.length >= maxItems || (current.length > 0 && bytes + size > maxBytes)) {
      groups.push([item]);
      bytes = size;
    } else {
      current.push(item);
      bytes += size;
    }
  }
  const batchInput = batcher.BatchInput;
  return groups.map((group) => ({ input: { ...(batchInput !== undefined ? { BatchInput: batchInput } : {}), Items: group }, items: group.length }));
}

/** What a child execution contributes to the state's output: its output, or its error and cause. */
function childResult(child: ExecutionRecord): unknown {
  if (child.status === 'SUCCEEDED') return JSON.parse(child.output ?? 'null') as unknown;
  return { Error: child.error ?? `States.${child.status}`, Cause: child.cause ?? '' };
}

export class DistributedMapRunner {
  constructor(private readonly options: DistributedMapOptions) {}

  /** Runs the Map state `stateName` of `run` on its (InputPath-filtered) input; resolves with its results. */
  async run(run: Run, stateName: string, input: unknown): Promise<unknown[]> {
    const state = run.machine.distributedMaps.get(stateName);
    if (state === undefined) throw stateError('States.Runtime', `${stateName} is not a Distributed Map state`);
    const attempt = run.nextAttempt(stateName);
    const event = (type: 'MapRunStarted' | 'MapRunSucceeded' | 'MapRunFailed' | 'MapRunAborted', details: EventDetails = {}): void =>
      run.taskEvent(stateName, attempt, type, details);
    const children = await childInputs(state, input, stateContext(run, stateName));
    const processor = this.processor(run.machine, stateName, state);
    this.authorizeChildren(run);
    const toleratedFailureCount = numberField(state, 'ToleratedFailureCount', input);
    const toleratedFailurePercentage = numberField(state, 'ToleratedFailurePercentage', input);
    const mapRun = this.options.model.startMapRun(processor, {
      executionArn: run.exec.arn,
      maxConcurrency: numberField(state, 'MaxConcurrency', input) ?? 0,
      ...(toleratedFailureCount !== undefined ? { toleratedFailureCount } : {}),
      ...(toleratedFailurePercentage !== undefined ? { toleratedFailurePercentage } : {}),
      itemCounts: emptyCounts(children.reduce((sum, child) => sum + child.items, 0)),
      executionCounts: emptyCounts(children.length),
    });
    event('MapRunStarted', { mapRunStartedEventDetails: { mapRunArn: mapRun.arn } });
    const stopHook = (): void => {
      // The parent stops (StopExecution, its timeout): the Map Run and its children end with it.
      if (mapRun.status !== 'RUNNING') return;
      this.end(mapRun, 'ABORTED');
      event('MapRunAborted');
    };
    run.stopHooks.add(stopHook);
    try {
      const results = await new ChildExecutions(this.options.model, mapRun, processor, children).run();
      return this.outcome(mapRun, results, event);
    } finally {
      run.stopHooks.delete(stopHook);
    }
  }

  private outcome(mapRun: MapRunRecord, results: unknown[] | undefined, event: (type: 'MapRunSucceeded' | 'MapRunFailed', details?: EventDetails) => void): unknown[] {
    if (results === undefined) throw stateError('States.Runtime', 'The Map Run was interrupted');
    if (mapRun.status === 'FAILED') {
      const cause = 'The specified tolerated failure threshold was exceeded';
      event('MapRunFailed', { mapRunFailedEventDetails: { error: 'States.ExceedToleratedFailureThreshold', cause } });
      throw stateError('States.ExceedToleratedFailureThreshold', cause);
    }
    if (mapRun.status === 'ABORTED') throw stateError('States.Runtime', 'The Map Run was aborted');
    this.end(mapRun, 'SUCCEEDED');
    event('MapRunSucceeded');
    return results;
  }

  private end(mapRun: MapRunRecord, status: 'SUCCEEDED' | 'ABORTED'): void {
    mapRun.status = status;
    mapRun.stopDate = this.options.model.now();
    this.options.model.mapRunChanged(mapRun);
    if (status === 'ABORTED') for (const child of this.options.model.executionsOfMapRun(mapRun.arn, 'RUNNING')) this.options.model.stopExecution(child.arn);
  }

  /** The item processor as a state machine of its own, `<state machine>/<label>`, run by the children. */
  private processor(parent: MachineRecord, stateName: string, state: StateDefinition): MachineRecord {
    const { ProcessorConfig: _config, ...graph } = state.ItemProcessor as ItemProcessor;
    const { arn, name } = this.options.model.processorIdentity(parent, mapRunLabel(stateName, state));
    return compileStateMachine(arn, name, JSON.stringify(graph), parent.roleArn, parent.creationDate);
  }

  /** Step Functions starts the children with the state machine's role: it needs states:StartExecution on its own state machine. */
  private authorizeChildren(run: Run): void {
    try {
      this.options.authorize(this.options.roleSession(run.exec.roleArn), 'states:StartExecution', run.machine.arn);
    } catch (error) {
      throw stateError('States.Runtime', `The state machine's role may not start the Map Run's child executions: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * The children of one Map Run, started in item order, at most MaxConcurrency at a time. Once the
 * failed items exceed the threshold no child starts and the running ones are stopped.
 */
class ChildExecutions {
  private readonly results: unknown[];
  private readonly running = new Set<ExecutionRecord>();
  private next = 0;
  private interrupted = false;

  constructor(
    private readonly model: StepFunctionsModel,
    private readonly mapRun: MapRunRecord,
    private readonly processor: MachineRecord,
    private readonly children: ChildInput[],
  ) {
    this.results = new Array<unknown>(children.length).fill(null);
  }

  /** Resolves with the results in item order once every started child has ended; undefined when a shutdown interrupted them. */
  run(): Promise<unknown[] | undefined> {
    return new Promise((resolve) => {
      const launch = (): void => {
        const limit = this.mapRun.maxConcurrency === 0 ? MAX_CHILD_CONCURRENCY : Math.min(this.mapRun.maxConcurrency, MAX_CHILD_CONCURRENCY);
        while (this.mapRun.status === 'RUNNING' && !this.interrupted && this.running.size < limit && this.next < this.children.length) {
          this.start(this.next++, launch);
        }
        if (this.running.size === 0 && (this.next >= this.children.length || this.mapRun.status !== 'RUNNING' || this.interrupted)) {
          resolve(this.interrupted ? undefined : this.results);
        }
      };
      launch();
    });
  }

  private start(index: number, then: () => void): void {
    const child = this.children[index] as ChildInput;
    const exec = this.model.startChildExecution(this.mapRun, this.processor, json(child.input), child.items);
    childStarted(this.mapRun, child.items);
    this.model.mapRunChanged(this.mapRun);
    this.running.add(exec);
    void exec.done.then(() => {
      this.running.delete(exec);
      this.ended(index, exec, child.items);
      then();
    });
  }

  private ended(index: number, exec: ExecutionRecord, items: number): void {
    if (exec.status === 'RUNNING') {
      // The cloud is shutting down: the child stays RUNNING, and so does its Map Run.
      this.interrupted = true;
      return;
    }
    childEnded(this.mapRun, items, exec.status);
    this.results[index] = childResult(exec);
    if (this.mapRun.status === 'RUNNING' && exceedsToleratedFailures(this.mapRun)) {
      this.mapRun.status = 'FAILED';
      this.mapRun.stopDate = this.model.now();
      for (const other of this.running) this.model.stopExecution(other.arn);
    }
    this.model.mapRunChanged(this.mapRun);
  }
}
