// The Step Functions JSON API (awsJson1_0, X-Amz-Target: AWSStepFunctions.<Operation>): one function
// per operation reads its parameters, authorizes the caller, calls the model and shapes the answer.
// A new operation is one function here and its line in `operations`.
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { asAwsError, jsonError, jsonResponse } from '../core/protocol.js';
import type { AwsRequest, AwsResponse, Authorize } from '../core/types.js';
import {
  assertExecutionArn,
  assertMapRunArn,
  assertStateMachineArn,
  describeExecutionRecord,
  listItemOf,
  sfnError,
  type StepFunctionsModel,
  type StoredEvent,
} from './model.js';
import { operationNamed } from '../core/operations.js';

const MAX_RESULTS = 1000;
const DEFAULT_RESULTS = 100;

/** The request's parameters, read the way the service validates them. */
class Params {
  constructor(private readonly values: Record<string, unknown>) {}

  string(key: string): string {
    const value = this.values[key];
    if (typeof value !== 'string' || value === '') throw sfnError('ValidationException', `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`);
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.values[key];
    return typeof value === 'string' ? value : undefined;
  }

  value(key: string): unknown {
    return this.values[key];
  }
}

interface Call {
  model: StepFunctionsModel;
  params: Params;
  /** Authorizes the request's caller for `action` on `resource`. */
  authorize: (action: string, resource: string) => void;
}

type Operation = (call: Call) => unknown;

/** The operations the endpoint answers, by X-Amz-Target operation name. */
export const operations: Record<string, Operation> = {
  CreateStateMachine: createStateMachine,
  UpdateStateMachine: updateStateMachine,
  DescribeStateMachine: describeStateMachine,
  ListStateMachines: listStateMachines,
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  ListExecutions: listExecutions,
  GetExecutionHistory: getExecutionHistory,
  StopExecution: stopExecution,
  ListMapRuns: listMapRuns,
  DescribeMapRun: describeMapRun,
  SendTaskSuccess: sendTaskSuccess,
  SendTaskFailure: sendTaskFailure,
  SendTaskHeartbeat: sendTaskHeartbeat,
};

export function handleStepFunctionsRequest(model: StepFunctionsModel, authorize: Authorize, req: AwsRequest): AwsResponse {
  try {
    const operation = operationNamed(operations, req.action);
    if (operation === undefined) throw sfnError('UnknownOperationException', `Unknown operation ${req.action}`);
    const call: Call = { model, params: new Params(req.params), authorize: (action, resource) => authorize(req.caller, action, resource) };
    return jsonResponse(operation(call));
  } catch (error) {
    return jsonError(asAwsError(error));
  }
}

// ---- operations ----------------------------------------------------------------------------------

function createStateMachine({ model, params, authorize }: Call): unknown {
  const name = params.string('name');
  const roleArn = params.string('roleArn');
  authorize('states:CreateStateMachine', model.stateMachineArn(name));
  authorize('iam:PassRole', roleArn);
  const type = params.optionalString('type');
  const created = model.createStateMachine({ name, definition: params.string('definition'), roleArn, ...(type !== undefined ? { type: type as 'STANDARD' } : {}) });
  return { stateMachineArn: created.arn, creationDate: seconds(model.machine(created.arn).creationDate) };
}

function updateStateMachine(call: Call): unknown {
  const { model, params, authorize } = call;
  const arn = stateMachineTarget(call, 'states:UpdateStateMachine');
  const machine = model.machine(arn);
  const roleArn = params.optionalString('roleArn') ?? machine.roleArn;
  if (roleArn !== machine.roleArn) authorize('iam:PassRole', roleArn);
  const updated = model.updateStateMachine(arn, { definition: params.optionalString('definition') ?? machine.definition, roleArn });
  return { updateDate: seconds(updated.updateDate) };
}

function describeStateMachine(call: Call): unknown {
  const machine = call.model.machine(stateMachineTarget(call, 'states:DescribeStateMachine'));
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    status: 'ACTIVE',
    definition: machine.definition,
    roleArn: machine.roleArn,
    type: 'STANDARD',
    creationDate: seconds(machine.creationDate),
  };
}

function listStateMachines({ model, params, authorize }: Call): unknown {
  authorize('states:ListStateMachines', '*');
  const all = model.stateMachines();
  const offset = decodeToken(params.value('nextToken')) ?? 0;
  const size = pageSize(params.value('maxResults'));
  const page = all.slice(offset, offset + size);
  return {
    stateMachines: page.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD', creationDate: seconds(m.creationDate) })),
    ...(offset + size < all.length ? { nextToken: encodeToken(offset + size) } : {}),
  };
}

function startExecution(call: Call): unknown {
  const { model, params } = call;
  const arn = stateMachineTarget(call, 'states:StartExecution');
  const name = params.optionalString('name');
  const input = params.optionalString('input');
  const started = model.startExecution(arn, { ...(name !== undefined ? { name } : {}), ...(input !== undefined ? { input } : {}) });
  return { executionArn: started.executionArn, startDate: seconds(started.startDate.getTime()) };
}

function describeExecution(call: Call): unknown {
  const d = describeExecutionRecord(call.model.execution(executionTarget(call, 'states:DescribeExecution')));
  return {
    ...d,
    startDate: seconds(d.startDate.getTime()),
    stopDate: seconds(d.stopDate?.getTime()),
    inputDetails: { included: true },
    ...(d.output !== undefined ? { outputDetails: { included: true } } : {}),
  };
}

/** A state machine's executions, or (mapRunArn) a Map Run's child executions; not both. */
function listExecutions(call: Call): unknown {
  const { model, params } = call;
  const mapRunArn = params.optionalString('mapRunArn');
  if (mapRunArn !== undefined && params.optionalString('stateMachineArn') !== undefined) {
    throw sfnError('ValidationException', 'Specify either stateMachineArn or mapRunArn, not both');
  }
  const statusFilter = params.optionalString('statusFilter') as ExecutionStatus | undefined;
  const after = decodeToken(params.value('nextToken'));
  const size = pageSize(params.value('maxResults'));
  const all = mapRunArn !== undefined
    ? model.executionsOfMapRun(mapRunTarget(call, 'states:ListExecutions'), statusFilter)
    : model.executionsOf(stateMachineTarget(call, 'states:ListExecutions'), statusFilter);
  const remaining = after === undefined ? all : all.filter((exec) => exec.seq < after);
  const page = remaining.slice(0, size);
  const last = page[page.length - 1];
  return {
    executions: page.map(listItemOf).map((item) => ({ ...item, startDate: seconds(item.startDate.getTime()), stopDate: seconds(item.stopDate?.getTime()) })),
    ...(remaining.length > size && last !== undefined ? { nextToken: encodeToken(last.seq) } : {}),
  };
}

function getExecutionHistory(call: Call): unknown {
  const { model, params } = call;
  const history = model.execution(executionTarget(call, 'states:GetExecutionHistory')).history;
  const reverse = params.value('reverseOrder') === true;
  const after = decodeToken(params.value('nextToken'));
  const size = pageSize(params.value('maxResults'));
  const ordered = reverse ? [...history].reverse() : history;
  const remaining = after === undefined ? ordered : ordered.filter((event) => (reverse ? event.id < after : event.id > after));
  const page = remaining.slice(0, size);
  const last = page[page.length - 1];
  const withData = params.value('includeExecutionData') !== false;
  return {
    events: page.map((event) => ({ ...(withData ? event : withoutData(event)), timestamp: seconds(event.timestamp) })),
    ...(remaining.length > size && last !== undefined ? { nextToken: encodeToken(last.id) } : {}),
  };
}

function stopExecution(call: Call): unknown {
  const { model, params } = call;
  const arn = executionTarget(call, 'states:StopExecution');
  const error = params.optionalString('error');
  const cause = params.optionalString('cause');
  const stopped = model.stopExecution(arn, { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) });
  return { stopDate: seconds(stopped.stopDate.getTime()) };
}

/** The Map Runs an execution started, oldest first. */
function listMapRuns(call: Call): unknown {
  const { model, params } = call;
  const all = model.mapRunsOf(executionTarget(call, 'states:ListMapRuns'));
  const offset = decodeToken(params.value('nextToken')) ?? 0;
  const size = pageSize(params.value('maxResults'));
  return {
    mapRuns: all.slice(offset, offset + size).map((run) => ({
      executionArn: run.executionArn,
      mapRunArn: run.arn,
      stateMachineArn: run.stateMachineArn,
      startDate: seconds(run.startDate),
      stopDate: seconds(run.stopDate),
    })),
    ...(offset + size < all.length ? { nextToken: encodeToken(offset + size) } : {}),
  };
}

function describeMapRun(call: Call): unknown {
  const run = call.model.mapRun(mapRunTarget(call, 'states:DescribeMapRun'));
  return {
    mapRunArn: run.arn,
    executionArn: run.executionArn,
    status: run.status,
    startDate: seconds(run.startDate),
    stopDate: seconds(run.stopDate),
    maxConcurrency: run.maxConcurrency,
    toleratedFailurePercentage: run.toleratedFailurePercentage ?? 0,
    toleratedFailureCount: run.toleratedFailureCount ?? 0,
    itemCounts: run.itemCounts,
    executionCounts: run.executionCounts,
    redriveCount: 0,
  };
}

/** The callback's output must be JSON, as the state's result. */
function sendTaskSuccess(call: Call): unknown {
  const token = taskTokenTarget(call, 'states:SendTaskSuccess');
  const text = call.params.string('output');
  let output: unknown;
  try {
    output = JSON.parse(text);
  } catch (error) {
    throw sfnError('InvalidOutput', `Invalid Output: '${error instanceof Error ? error.message : String(error)}'`);
  }
  call.model.tokens.settle(token, { output });
  return {};
}

function sendTaskFailure(call: Call): unknown {
  const token = taskTokenTarget(call, 'states:SendTaskFailure');
  const cause = call.params.optionalString('cause');
  call.model.tokens.settle(token, { error: call.params.optionalString('error') ?? '', ...(cause !== undefined ? { cause } : {}) });
  return {};
}

function sendTaskHeartbeat(call: Call): unknown {
  call.model.tokens.heartbeat(taskTokenTarget(call, 'states:SendTaskHeartbeat'));
  return {};
}

// ---- reading requests and shaping answers ----------------------------------------------------------

/** The request's stateMachineArn, well formed, with the caller authorized for `action` on it. */
function stateMachineTarget({ params, authorize }: Call, action: string): string {
  const arn = params.string('stateMachineArn');
  assertStateMachineArn(arn);
  authorize(action, arn);
  return arn;
}

/** The request's executionArn, well formed, with the caller authorized for `action` on it. */
function executionTarget({ params, authorize }: Call, action: string): string {
  const arn = params.string('executionArn');
  assertExecutionArn(arn);
  authorize(action, arn);
  return arn;
}

/** The request's mapRunArn, well formed, with the caller authorized for `action` on it. */
function mapRunTarget({ params, authorize }: Call, action: string): string {
  const arn = params.string('mapRunArn');
  assertMapRunArn(arn);
  authorize(action, arn);
  return arn;
}

/** The request's taskToken, open, with the caller authorized for `action` on its state machine. */
function taskTokenTarget({ model, params, authorize }: Call, action: string): string {
  const token = params.string('taskToken');
  authorize(action, model.tokens.stateMachineOf(token));
  return token;
}

function encodeToken(value: number): string {
  return Buffer.from(JSON.stringify({ after: value })).toString('base64');
}

function decodeToken(token: unknown): number | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'number') return parsed.after;
  } catch {
    // falls through to InvalidToken
  }
  throw sfnError('InvalidToken', `Invalid Token: '${String(token)}'`);
}

function pageSize(value: unknown): number {
  const n = typeof value === 'number' ? value : 0;
  if (n < 0 || n > MAX_RESULTS) throw sfnError('ValidationException', `1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_RESULTS}`);
  return n === 0 ? DEFAULT_RESULTS : n;
}

/** Epoch seconds with milliseconds, as the JSON protocol carries timestamps. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** includeExecutionData=false: the event without its input and output payloads. */
function withoutData(event: StoredEvent): StoredEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (key.endsWith('EventDetails') && value !== null && typeof value === 'object') {
      const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
      copy[key] = rest;
    }
  }
  return copy as StoredEvent;
}
