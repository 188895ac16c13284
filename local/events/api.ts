// The EventBridge JSON 1.1 API (X-Amz-Target: AWSEvents.<Operation>): one function per operation
// reads its parameters, authorizes the call the way EventBridge does, calls the model and
// serialises the answer. `operations` is the table handle() dispatches on.
import { asAwsError, jsonError, jsonResponse } from '../core/protocol.js';
import { AwsServiceError, type Authorize, type AwsRequest, type AwsResponse, type CallerIdentity } from '../core/types.js';
import { NAME_RE, validation, type Bus, type EventBridgeModel, type Rule, type RuleTarget } from './model.js';
import { matchesValidatedPattern, parsePattern } from './pattern.js';
import { putEvents, type PutEventsEntry } from './put-events.js';
import { operationNamed } from '../core/operations.js';

export interface OperationContext {
  model: EventBridgeModel;
  authorize: Authorize;
  caller: CallerIdentity | undefined;
}

type Params = Record<string, unknown>;
type Operation = (params: Params, context: OperationContext) => unknown;

const MAX_PATTERN_CHARS = 4096;
const MAX_TARGETS_PER_REQUEST = 10;
/** Target settings that shape the delivered input: refused rather than silently ignored. */
const UNSUPPORTED_TARGET_SETTINGS = ['InputPath', 'InputTransformer', 'SqsParameters', 'HttpParameters'];

// ---------------------------------------------------------------- events

function putEventsOperation(params: Params, { model, authorize, caller }: OperationContext): unknown {
  if (params['Entries'] !== undefined && !Array.isArray(params['Entries'])) throw validation('Entries must be a list.');
  return putEvents(model, authorize, (params['Entries'] ?? []) as PutEventsEntry[], caller);
}

function testEventPattern(params: Params, { authorize, caller }: OperationContext): unknown {
  authorize(caller, 'events:TestEventPattern', '*');
  const pattern = parsePattern(requiredString(params, 'EventPattern'));
  const event = parseTestEvent(requiredString(params, 'Event'));
  return { Result: matchesValidatedPattern(pattern, event) };
}

// ---------------------------------------------------------------- buses

function createEventBus(params: Params, { model, authorize, caller }: OperationContext): unknown {
  const name = requiredString(params, 'Name');
  if (params['EventSourceName'] !== undefined) throw validation('Partner event buses are not supported by the local cloud.');
  authorize(caller, 'events:CreateEventBus', model.busArn(name));
  return { EventBusArn: model.createEventBus(name, optionalString(params, 'Description')).arn };
}

function deleteEventBus(params: Params, { model, authorize, caller }: OperationContext): unknown {
  const name = model.busNameOf(requiredString(params, 'Name'));
  authorize(caller, 'events:DeleteEventBus', model.busArn(name));
  model.deleteEventBus(name);
  return {};
}

function describeEventBus(params: Params, { model, authorize, caller }: OperationContext): unknown {
  const name = model.busNameOf(optionalString(params, 'Name'));
  authorize(caller, 'events:DescribeEventBus', model.busArn(name));
  const bus = model.requireBus(name);
  return { Name: bus.name, Arn: bus.arn, ...(bus.description !== undefined ? { Description: bus.description } : {}), CreationTime: bus.creationTime / 1000 };
}

function listEventBuses(params: Params, { model, authorize, caller }: OperationContext): unknown {
  authorize(caller, 'events:ListEventBuses', '*');
  return page(params, model.listEventBuses(optionalString(params, 'NamePrefix') ?? ''), busToWire, 'EventBuses');
}

// ---------------------------------------------------------------- rules

function putRule(params: Params, { model, authorize, caller }: OperationContext): unknown {
  const name = requiredString(params, 'Name');
  const busName = model.busNameOf(optionalString(params, 'EventBusName'));
  authorize(caller, 'events:PutRule', model.ruleArn(busName, name));
  const scheduleExpression = optionalString(params, 'ScheduleExpression');
  const patternText = optionalString(params, 'EventPattern');
  if (patternText === undefined && scheduleExpression === undefined) throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  if (patternText !== undefined && patternText.length > MAX_PATTERN_CHARS) throw validation(`EventPattern must be at most ${MAX_PATTERN_CHARS} characters.`);
  const pattern = patternText === undefined ? undefined : parsePattern(patternText);
  const state = optionalString(params, 'State') ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw validation(`State ${state} is not valid.`);
  model.requireBus(busName); // a missing bus is reported before an invalid Description
  const description = optionalString(params, 'Description');
  const rule = model.putRule({
    name,
    busName,
    ...(pattern !== undefined ? { pattern } : {}),
    ...(scheduleExpression !== undefined ? { scheduleExpression } : {}),
    state,
    ...(description !== undefined ? { description } : {}),
  });
  return { RuleArn: rule.arn };
}

function describeRule(params: Params, context: OperationContext): unknown {
  const { busName, name } = authorizeOnRule(params, 'Name', 'events:DescribeRule', context);
  return ruleToWire(context.model.requireRule(busName, name));
}

function listRules(params: Params, { model, authorize, caller }: OperationContext): unknown {
  const busName = model.busNameOf(optionalString(params, 'EventBusName'));
  authorize(caller, 'events:ListRules', '*');
  model.requireBus(busName); // a missing bus is reported before an invalid NamePrefix
  return page(params, model.listRules(busName, optionalString(params, 'NamePrefix') ?? ''), ruleToWire, 'Rules');
}

function deleteRule(params: Params, context: OperationContext): unknown {
  const { busName, name } = authorizeOnRule(params, 'Name', 'events:DeleteRule', context);
  context.model.deleteRule(busName, name);
  return {};
}

function enableRule(params: Params, context: OperationContext): unknown {
  const { busName, name } = authorizeOnRule(params, 'Name', 'events:EnableRule', context);
  context.model.setRuleState(busName, name, 'ENABLED');
  return {};
}

function disableRule(params: Params, context: OperationContext): unknown {
  const { busName, name } = authorizeOnRule(params, 'Name', 'events:DisableRule', context);
  context.model.setRuleState(busName, name, 'DISABLED');
  return {};
}

// ---------------------------------------------------------------- targets

function putTargets(params: Params, context: OperationContext): unknown {
  const { busName, name } = authorizeOnRule(params, 'Rule', 'events:PutTargets', context);
  context.model.requireRule(busName, name); // a missing rule is reported before invalid Targets
  const targets = params['Targets'];
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > MAX_TARGETS_PER_REQUEST) {
    throw validation(`Targets must be a list of 1 to ${MAX_TARGETS_PER_REQUEST} targets.`);
  }
  const valid: RuleTarget[] = [];
  const failed: { TargetId?: string; ErrorCode: string; ErrorMessage: string }[] = [];
  for (const raw of targets as Params[]) {
    const target = targetFromWire(raw);
    if (target !== undefined) valid.push(target);
    else failed.push({ ...(typeof raw?.['Id'] === 'string' ? { TargetId: raw['Id'] } : {}), ErrorCode: 'ValidationException', ErrorMessage: 'A target needs a valid Id and Arn.' });
  }
  context.model.putTargets(busName, name, valid);
  return { FailedEntryCount: failed.length, FailedEntries: failed };
}

function listTargetsByRule(params: Params, context: OperationContext): unknown {
  const { busName, name } = authorizeOnRule(params, 'Rule', 'events:ListTargetsByRule', context);
  return page(params, context.model.requireRule(busName, name).targets, targetToWire, 'Targets');
}

function removeTargets(params: Params, context: OperationContext): unknown {
  const { busName, name } = authorizeOnRule(params, 'Rule', 'events:RemoveTargets', context);
  context.model.requireRule(busName, name); // a missing rule is reported before invalid Ids
  const ids = params['Ids'];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw validation('Ids must be a non-empty list of target ids.');
  }
  context.model.removeTargets(busName, name, ids);
  return { FailedEntryCount: 0, FailedEntries: [] };
}

// ---------------------------------------------------------------- the operation table

export const operations: Record<string, Operation> = {
  PutEvents: putEventsOperation,
  TestEventPattern: testEventPattern,
  CreateEventBus: createEventBus,
  DeleteEventBus: deleteEventBus,
  DescribeEventBus: describeEventBus,
  ListEventBuses: listEventBuses,
  PutRule: putRule,
  DescribeRule: describeRule,
  ListRules: listRules,
  DeleteRule: deleteRule,
  EnableRule: enableRule,
  DisableRule: disableRule,
  PutTargets: putTargets,
  ListTargetsByRule: listTargetsByRule,
  RemoveTargets: removeTargets,
};

/** Answers one EventBridge request; every failure becomes the JSON error the SDK expects. */
export async function handleEventBridgeRequest(request: AwsRequest, model: EventBridgeModel, authorize: Authorize): Promise<AwsResponse> {
  try {
    const operation = operationNamed(operations, request.action);
    if (operation === undefined) {
      throw new AwsServiceError('UnknownOperationException', `Operation ${request.action} is not supported by the local EventBridge.`);
    }
    return jsonResponse(await operation(request.params ?? {}, { model, authorize, caller: request.caller }));
  } catch (error) {
    return jsonError(asAwsError(error));
  }
}

// ---------------------------------------------------------------- parameters and serialisation

/** Reads the rule a rule-scoped operation names (`Rule` or `Name`, plus EventBusName) and authorizes `action` on its ARN. */
function authorizeOnRule(params: Params, nameKey: 'Name' | 'Rule', action: string, { model, authorize, caller }: OperationContext): { busName: string; name: string } {
  const name = requiredString(params, nameKey);
  const busName = model.busNameOf(optionalString(params, 'EventBusName'));
  authorize(caller, action, model.ruleArn(busName, name));
  return { busName, name };
}

function optionalString(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`Parameter ${key} must be a string.`);
  return value;
}

function requiredString(params: Params, key: string): string {
  const value = optionalString(params, key);
  if (value === undefined || value === '') {
    throw validation(`1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

/** A PutTargets entry, or undefined when its Id or Arn is invalid (a per-target failure); unsupported settings fail the request. */
function targetFromWire(raw: Params): RuleTarget | undefined {
  const id = raw?.['Id'];
  const arn = raw?.['Arn'];
  if (typeof id !== 'string' || !NAME_RE.test(id) || typeof arn !== 'string' || !arn.startsWith('arn:')) return undefined;
  const unsupported = UNSUPPORTED_TARGET_SETTINGS.find((k) => raw[k] !== undefined);
  if (unsupported) throw validation(`Target ${id}: ${unsupported} is not supported by the local cloud.`);
  const target: RuleTarget = { id, arn };
  if (typeof raw['RoleArn'] === 'string') target.roleArn = raw['RoleArn'];
  if (typeof raw['Input'] === 'string') {
    try {
      JSON.parse(raw['Input']);
    } catch {
      throw validation(`Target ${id}: Input is not valid JSON text.`);
    }
    target.input = raw['Input'];
  }
  const retryPolicy = retryPolicyFromWire(id, raw['RetryPolicy']);
  if (retryPolicy !== undefined) target.retryPolicy = retryPolicy;
  const deadLetterArn = (raw['DeadLetterConfig'] as Params | undefined)?.['Arn'];
  if (deadLetterArn !== undefined) {
    if (typeof deadLetterArn !== 'string' || !/^arn:[^:]+:sqs:[^:]+:\d{12}:[\w-]+$/.test(deadLetterArn)) throw validation(`Target ${id}: DeadLetterConfig.Arn must be the ARN of an SQS queue.`);
    target.deadLetterArn = deadLetterArn;
  }
  return target;
}

/** RetryPolicy: MaximumRetryAttempts 0-185, MaximumEventAgeInSeconds 60-86400. */
function retryPolicyFromWire(id: string, raw: unknown): RuleTarget['retryPolicy'] {
  if (raw === undefined) return undefined;
  const policy = (raw ?? {}) as Params;
  const read = (key: string, min: number, max: number) => {
    const value = policy[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw validation(`Target ${id}: RetryPolicy.${key} must be an integer from ${min} to ${max}.`);
    }
    return value;
  };
  const maximumRetryAttempts = read('MaximumRetryAttempts', 0, 185);
  const maximumEventAgeInSeconds = read('MaximumEventAgeInSeconds', 60, 86_400);
  return {
    ...(maximumRetryAttempts !== undefined ? { maximumRetryAttempts } : {}),
    ...(maximumEventAgeInSeconds !== undefined ? { maximumEventAgeInSeconds } : {}),
  };
}

function busToWire(bus: Readonly<Bus>): Record<string, unknown> {
  return { Name: bus.name, Arn: bus.arn, CreationTime: bus.creationTime / 1000 };
}

function ruleToWire(rule: Readonly<Rule>): Record<string, unknown> {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.pattern !== undefined ? { EventPattern: JSON.stringify(rule.pattern) } : {}),
    ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
    State: rule.state,
    EventBusName: rule.busName,
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
  };
}

function targetToWire(target: RuleTarget): Record<string, unknown> {
  return {
    Id: target.id,
    Arn: target.arn,
    ...(target.roleArn !== undefined ? { RoleArn: target.roleArn } : {}),
    ...(target.input !== undefined ? { Input: target.input } : {}),
    ...(target.retryPolicy !== undefined
      ? {
          RetryPolicy: {
            ...(target.retryPolicy.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts } : {}),
            ...(target.retryPolicy.maximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeInSeconds } : {}),
          },
        }
      : {}),
    ...(target.deadLetterArn !== undefined ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
  };
}

/** Limit / NextToken paging: the token is the offset of the next item. */
function page<T>(params: Params, items: readonly T[], map: (item: T) => unknown, key: string): Record<string, unknown> {
  const limit = typeof params['Limit'] === 'number' && params['Limit'] > 0 ? Math.min(params['Limit'], 100) : 100;
  const token = params['NextToken'];
  const start = typeof token === 'string' && /^\d+$/.test(token) ? Number(token) : 0;
  const slice = items.slice(start, start + limit);
  const result: Record<string, unknown> = { [key]: slice.map(map) };
  if (start + limit < items.length) result['NextToken'] = String(start + limit);
  return result;
}

const TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

/** TestEventPattern requires a full envelope, as AWS does. */
function parseTestEvent(text: string): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw validation('Parameter Event is not valid. Reason: Event is not valid JSON.');
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw validation('Parameter Event is not valid. Reason: Event must be a JSON object.');
  }
  const missing = TEST_EVENT_FIELDS.filter((f) => typeof (event as Record<string, unknown>)[f] !== 'string');
  if (missing.length > 0) {
    throw validation(`Parameter Event is not valid. Reason: Provided Event is missing required field(s): ${missing.join(', ')}.`);
  }
  return event as Record<string, unknown>;
}
