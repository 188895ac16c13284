// Lambda's REST-JSON API (2015-03-31): one function per operation reads its parameters (the
// router puts path, query and headers into `params`), authorizes the caller, calls the model and
// shapes the answer. A new operation is one function here and its line in `operations`.
import { randomUUID } from 'node:crypto';
import { asAwsError } from '../core/protocol.js';
import type { AwsRequest, AwsResponse, AwsServiceError, Authorize } from '../core/types.js';
import { eventInvokeConfigFrom } from './async-invocations.js';
import { lambdaError, type FunctionRecord, type LambdaModel } from './model.js';
import { operationNamed } from '../core/operations.js';

const LOG_TAIL_BYTES = 4096;

interface Call {
  model: LambdaModel;
  params: Record<string, unknown>;
  /** Authorizes the request's caller for `action` on `resource`. */
  authorize: (action: string, resource: string) => void;
}

type Operation = (call: Call) => AwsResponse | Promise<AwsResponse>;

/** The operations the endpoint answers, by the operation name the router derives from the path. */
export const operations: Record<string, Operation> = {
  Invoke: invoke,
  GetFunction: getFunction,
  GetFunctionConfiguration: getFunctionConfiguration,
  ListFunctions: listFunctions,
  GetFunctionEventInvokeConfig: getFunctionEventInvokeConfig,
  PutFunctionEventInvokeConfig: putFunctionEventInvokeConfig,
};

export async function handleLambdaRequest(model: LambdaModel, authorize: Authorize, req: AwsRequest): Promise<AwsResponse> {
  try {
    const operation = operationNamed(operations, req.action);
    if (operation === undefined) throw lambdaError('UnknownOperationException', `Unknown operation ${req.action}`, 404);
    return await operation({ model, params: req.params, authorize: (action, resource) => authorize(req.caller, action, resource) });
  } catch (error) {
    return restError(asAwsError(error));
  }
}

// ---- operations ----------------------------------------------------------------------------------

async function invoke({ model, params, authorize }: Call): Promise<AwsResponse> {
  const name = String(params.FunctionName ?? '');
  authorize('lambda:InvokeFunction', model.arnFor(name));
  const qualifier = params.Qualifier;
  if (qualifier !== undefined && qualifier !== '$LATEST') model.notFound(`${name}:${String(qualifier)}`);
  const type = String(params.InvocationType ?? 'RequestResponse');
  if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
    throw lambdaError('InvalidParameterValueException', `Unsupported invocation type: ${type}`, 400);
  }
  const body = typeof params.Payload === 'string' ? params.Payload : params.Payload === undefined ? '' : JSON.stringify(params.Payload);
  const result = await model.invoke(name, body, { invocationType: type });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-requestid': result.requestId ?? randomUUID(),
    'x-amz-executed-version': result.executedVersion,
  };
  if (result.functionError !== undefined) headers['x-amz-function-error'] = result.functionError;
  if (params.LogType === 'Tail' && result.logs !== undefined) {
    headers['x-amz-log-result'] = Buffer.from(Buffer.from(result.logs).subarray(-LOG_TAIL_BYTES)).toString('base64');
  }
  const responseBody = result.statusCode === 200 ? JSON.stringify(result.payload) : '';
  return { status: result.statusCode, headers, body: responseBody };
}

function getFunction(call: Call): AwsResponse {
  const fn = describedFunction(call, 'lambda:GetFunction');
  return ok({ Configuration: configuration(fn), Code: { RepositoryType: 'S3', Location: `file://${fn.codeDir}` } });
}

function getFunctionConfiguration(call: Call): AwsResponse {
  return ok(configuration(describedFunction(call, 'lambda:GetFunctionConfiguration')));
}

function listFunctions({ model, authorize }: Call): AwsResponse {
  authorize('lambda:ListFunctions', '*');
  return ok({ Functions: model.list().map(configuration) });
}

function getFunctionEventInvokeConfig(call: Call): AwsResponse {
  const fn = describedFunction(call, 'lambda:GetFunctionEventInvokeConfig');
  if (fn.eventInvokeConfig === undefined) throw lambdaError('ResourceNotFoundException', `The function ${fn.arn} doesn't have an EventInvokeConfig`, 404);
  return ok(eventInvokeConfigView(fn));
}

function putFunctionEventInvokeConfig(call: Call): AwsResponse {
  const fn = describedFunction(call, 'lambda:PutFunctionEventInvokeConfig');
  call.model.putEventInvokeConfig(fn.name, eventInvokeConfigFrom(call.params));
  return ok(eventInvokeConfigView(fn));
}

// ---- reading requests and shaping answers ----------------------------------------------------------

/** The function the request names, with the caller authorized for `action` on it. */
function describedFunction({ model, params, authorize }: Call, action: string): FunctionRecord {
  const name = String(params.FunctionName ?? '');
  authorize(action, model.arnFor(name));
  return model.lookup(name);
}

function eventInvokeConfigView(fn: FunctionRecord): Record<string, unknown> {
  const config = fn.eventInvokeConfig!;
  const destination = (arn: string | undefined) => (arn !== undefined ? { Destination: arn } : {});
  return {
    LastModified: config.lastModified / 1000,
    FunctionArn: `${fn.arn}:$LATEST`,
    ...(config.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: config.maximumRetryAttempts } : {}),
    ...(config.maximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: config.maximumEventAgeInSeconds } : {}),
    DestinationConfig: { OnSuccess: destination(config.onSuccess), OnFailure: destination(config.onFailure) },
  };
}

function configuration(fn: FunctionRecord): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Runtime: 'nodejs22.x',
    Role: fn.roleArn,
    Handler: fn.handler,
    Timeout: fn.timeoutSeconds,
    MemorySize: fn.memoryMb,
    Version: '$LATEST',
    LastModified: fn.lastModified,
    Environment: { Variables: { ...fn.environment } },
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    State: 'Active',
    LastUpdateStatus: 'Successful',
    ...(fn.deadLetterTargetArn !== undefined ? { DeadLetterConfig: { TargetArn: fn.deadLetterTargetArn } } : {}),
  };
}

function ok(payload: unknown): AwsResponse {
  return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(payload) };
}

/** Lambda's REST-JSON error: the code in x-amzn-errortype, {"Type","message"} in the body. */
function restError(error: AwsServiceError): AwsResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': error.code },
    body: JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', message: error.message }),
  };
}
