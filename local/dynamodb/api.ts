// The DynamoDB JSON 1.0 API of the local cloud. Requests arrive through the shared endpoint
// (already signature-checked), are authorized against the table (or index) ARN the way DynamoDB
// does, and are then forwarded verbatim to dynalite, whose answers are DynamoDB's own. Forwarding
// is the same for every operation, so what differs per operation is only what it is authorized on.
import { jsonError } from '../core/protocol.js';
import { AwsServiceError, type Authorize, type AwsRequest, type AwsResponse } from '../core/types.js';
import type { DynaliteTables } from './model.js';

/** Table-scoped operations: one table named by TableName (Query/Scan may target an index). */
const TABLE_ACTIONS = new Set([
  'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'DescribeTable', 'CreateTable', 'DeleteTable',
  'UpdateTable', 'DescribeTimeToLive', 'UpdateTimeToLive', 'DescribeContinuousBackups',
]);
const TRANSACT_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };

function requireString(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsServiceError('ValidationException', `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`, 400);
  }
  return value;
}

/** The ARNs a request touches, each with the IAM action DynamoDB checks on it. */
export function resourcesOf(action: string, params: Record<string, unknown>, tableArn: (tableName: string) => string): Array<{ action: string; resource: string }> {
  if (TABLE_ACTIONS.has(action)) {
    const table = tableArn(requireString(params, 'TableName'));
    const index = typeof params.IndexName === 'string' && (action === 'Query' || action === 'Scan') ? `${table}/index/${params.IndexName}` : table;
    return [{ action: `dynamodb:${action}`, resource: index }];
  }
  if (action === 'BatchGetItem' || action === 'BatchWriteItem') {
    const items = (params.RequestItems ?? {}) as Record<string, unknown>;
    return Object.keys(items).map((table) => ({ action: `dynamodb:${action}`, resource: tableArn(table) }));
  }
  if (action === 'TransactWriteItems' || action === 'TransactGetItems') {
    const items = (params.TransactItems ?? []) as Array<Record<string, { TableName?: string }>>;
    return items.flatMap((item) =>
      Object.entries(item).map(([kind, op]) => ({ action: `dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`, resource: tableArn(op.TableName ?? '') })),
    );
  }
  if (action === 'TagResource' || action === 'UntagResource' || action === 'ListTagsOfResource') {
    return [{ action: `dynamodb:${action}`, resource: requireString(params, 'ResourceArn') }];
  }
  // ListTables and the account-level calls are authorized on '*', as in AWS.
  return [{ action: `dynamodb:${action}`, resource: '*' }];
}

/** Authorizes every resource the request touches, then lets dynalite answer it. */
export async function handleDynamoDbRequest(
  request: AwsRequest,
  tables: DynaliteTables,
  authorize: Authorize,
  tableArn: (tableName: string) => string,
): Promise<AwsResponse> {
  try {
    for (const { action, resource } of resourcesOf(request.action, request.params, tableArn)) {
      authorize(request.caller, action, resource);
    }
    if (request.action.startsWith('Transact')) {
      // dynalite has no transactions; the product is designed without them (DESIGN.md §4).
      throw new AwsServiceError('UnknownOperationException', `${request.action} is not supported by the local DynamoDB (dynalite has no transactions)`, 400);
    }
    return await tables.forward(request.action, request.rawBody);
  } catch (error) {
    if (error instanceof AwsServiceError) return jsonError(error);
    throw error;
  }
}
