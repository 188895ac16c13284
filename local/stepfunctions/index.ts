// Step Functions for the local cloud: the AWS JSON 1.0 API (X-Amz-Target: AWSStepFunctions.*)
// over the aws-local-stepfunctions interpreter. Standard-workflow semantics: idempotent
// StartExecution by name, Task states invoking Lambda with the state machine's role, Distributed Map
// states running child executions (Map Runs), StopExecution
// and the state machine's TimeoutSeconds ending a run, an execution history shaped like the
// console's, and an "Execution Status Change" event for every start and end.
//
// Layout: model.ts (state machines, executions, Map Runs; machines.ts and executions.ts hold their
// records and shapes), executor.ts with history.ts and lambda-task.ts (running an execution;
// callback-task.ts and task-tokens.ts for `.waitForTaskToken`; distributed-map.ts with
// distributed-map-definition.ts and map-runs.ts for DISTRIBUTED Map states), status-events.ts (the
// status-change events), persistence.ts (snapshot/restore), api.ts (one function per API
// operation). This facade wires them for local/cloud.ts.
import '../polyfills.js';
import type { ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import { ChangeLog, type DurableService, type RecordChange } from '../core/changes.js';
import type { AwsRequest, AwsResponse, CallerIdentity } from '../core/types.js';
import { handleStepFunctionsRequest } from './api.js';
import { DistributedMapRunner } from './distributed-map.js';
import { Executor } from './executor.js';
import type { TaskLambda } from './lambda-task.js';
import {
  assertStateMachineArn,
  describeExecutionRecord,
  listItemOf,
  StepFunctionsModel,
  type ExecutionDescription,
  type ExecutionRecord,
  type ExecutionListItem,
  type StateMachineInput,
} from './model.js';
import { StepFunctionsPersistence } from './persistence.js';
import { TaskTokens } from './task-tokens.js';
import { stepFunctionsRecords, stepFunctionsStateOf } from './records.js';
import { executionStatusChangeEvent, type ExecutionStatusChangeEvent } from './status-events.js';

export type { ExecutionDescription, ExecutionListItem, StateMachineInput } from './model.js';
export type { ExecutionStatusChangeEvent } from './status-events.js';

/** Where the service lives, and (TaskLambda) how its Task states authorize and invoke Lambda. */
export interface LocalStepFunctionsOptions extends TaskLambda {
  accountId: string;
  region: string;
  partition?: string;
  /** Multiplier for Retry intervals: 1 = real intervals, 0 = retry at once (tests). */
  retryIntervalScale?: number;
  /**
   * Multiplier for state machines' TimeoutSeconds, and for the timeout of states waiting for a task
   * token (`.waitForTaskToken`): 1 = real time (default), e.g. 0.001 in tests.
   */
  executionTimeoutScale?: number;
  now?: () => number;
  /**
   * Receives the "Step Functions Execution Status Change" event of every execution's start and
   * end, which AWS puts on the account's default event bus.
   */
  onExecutionStatusChange?: (event: ExecutionStatusChangeEvent) => void;
}

export class LocalStepFunctions implements DurableService {
  /** Changed state machines and executions, for persistence. */
  readonly changes = new ChangeLog();
  private readonly model: StepFunctionsModel;
  private readonly executor: Executor;
  private readonly persistence: StepFunctionsPersistence;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const now = options.now ?? Date.now;
    const onStatusChange = (exec: ExecutionRecord): void => {
      try {
        options.onExecutionStatusChange?.(executionStatusChangeEvent(exec, options));
      } catch {
        // A failing subscriber must not fail the execution: AWS delivers these events best-effort.
      }
    };
    const tokens = new TaskTokens();
    // The Map Run runner starts child executions through the model, which launches them here.
    let distributedMaps: DistributedMapRunner | undefined;
    this.executor = new Executor({
      authorize: options.authorize,
      invokeLambda: options.invokeLambda,
      roleSession: options.roleSession,
      retryIntervalScale: options.retryIntervalScale ?? 1,
      executionTimeoutScale: options.executionTimeoutScale ?? 1,
      now,
      region: options.region,
      tokens,
      onStatusChange,
      runDistributedMap: (run, stateName, input) => (distributedMaps as DistributedMapRunner).run(run, stateName, input),
    });
    this.model = new StepFunctionsModel({
      accountId: options.accountId,
      region: options.region,
      partition: options.partition ?? 'aws',
      now,
      launcher: this.executor,
      tokens,
      onStatusChange,
      changes: this.changes,
    });
    distributedMaps = new DistributedMapRunner({ model: this.model, authorize: options.authorize, roleSession: options.roleSession });
    this.persistence = new StepFunctionsPersistence(this.model);
  }

  createStateMachine(input: StateMachineInput): { arn: string } {
    return this.model.createStateMachine(input);
  }

  /**
   * Starts an execution. `caller` is authorized for states:StartExecution; an in-process call
   * without a caller (the local cloud itself) is trusted.
   */
  startExecution(stateMachineArn: string, params: { name?: string; input?: string } = {}, caller?: CallerIdentity): { executionArn: string; startDate: Date } {
    assertStateMachineArn(stateMachineArn);
    if (caller !== undefined) this.options.authorize(caller, 'states:StartExecution', stateMachineArn);
    return this.model.startExecution(stateMachineArn, params);
  }

  describeExecution(executionArn: string): ExecutionDescription {
    return describeExecutionRecord(this.model.execution(executionArn));
  }

  /** Newest first, as ListExecutions answers. */
  listExecutions(stateMachineArn: string, statusFilter?: ExecutionStatus): ExecutionListItem[] {
    return this.model.executionsOf(stateMachineArn, statusFilter).map(listItemOf);
  }

  getExecutionHistory(executionArn: string): HistoryEvent[] {
    return this.model.execution(executionArn).history.map((event) => ({ ...event, timestamp: new Date(event.timestamp) }));
  }

  /** Resolves once the execution has ended (or the service was suspended), with its description then. */
  async waitForExecution(executionArn: string): Promise<ExecutionDescription> {
    await this.model.execution(executionArn).done;
    return this.describeExecution(executionArn);
  }

  stopExecution(executionArn: string, params: { error?: string; cause?: string } = {}): { stopDate: Date } {
    return this.model.stopExecution(executionArn, params);
  }

  snapshot(): unknown {
    return this.persistence.snapshot();
  }

  /**
   * Replaces all state with a snapshot; executions that were running start again from the start.
   * With `resume: false` they wait for resumeRestored(), e.g. until the functions they call exist.
   */
  restore(state: unknown, opts: { resume?: boolean } = {}): void {
    this.persistence.restore(state, opts);
  }

  records(): RecordChange[] {
    return stepFunctionsRecords(this.persistence.snapshot());
  }

  /** As restore() with `resume: false`: running executions wait for resumeRestored(). */
  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    this.persistence.restore(stepFunctionsStateOf(records), { resume: false });
  }

  /** Starts the executions a restore() held back (no-op when there are none). */
  resumeRestored(): void {
    this.persistence.resume();
  }

  /**
   * Stops running executions where they are, without ending them: they stay RUNNING, and a
   * persisted cloud starts them again from the start after a restart. For a cloud shutting down.
   */
  suspend(): Promise<void> {
    return this.executor.suspend();
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    return handleStepFunctionsRequest(this.model, this.options.authorize, req);
  }
}
