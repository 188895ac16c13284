// DynamoDB for the local cloud: dynalite on a private loopback port, fronted by IAM authorization.
// Requests arrive through the shared endpoint (already signature-checked), are authorized against
// the table (or index) ARN the way DynamoDB does, and are then proxied verbatim to dynalite.
import { mkdirSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { jsonError } from '../core/protocol.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type Authorize } from '../core/types.js';

export interface LocalDynamoDbOptions {
  accountId: string;
  region: string;
  authorize: Authorize;
  /** LevelDB directory for persistence; in-memory when absent. */
  path?: string;
  partition?: string;
}

/** The CloudFormation AWS::DynamoDB::Table properties the local cloud understands. */
export interface CfnTableProperties {
  TableName?: string;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  BillingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST';
  ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  GlobalSecondaryIndexes?: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
    Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
    ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  }>;
  LocalSecondaryIndexes?: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
    Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
  }>;
  [other: string]: unknown;
}

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

export class LocalDynamoDb {
  private constructor(
    private readonly options: LocalDynamoDbOptions,
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
    if (options.path !== undefined) mkdirSync(options.path, { recursive: true });
    // Tables become ACTIVE at once: the deployer and tests should not wait on simulated provisioning.
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path !== undefined ? { path: options.path } : {}) });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    return new LocalDynamoDb(options, server, port);
  }

  tableArn(tableName: string): string {
    return `arn:${this.options.partition ?? 'aws'}:dynamodb:${this.options.region}:${this.options.accountId}:table/${tableName}`;
  }

  /** The ARNs a request touches, each with the IAM action DynamoDB checks on it. */
  resourcesOf(action: string, params: Record<string, unknown>): Array<{ action: string; resource: string }> {
    if (TABLE_ACTIONS.has(action)) {
      const table = this.tableArn(requireString(params, 'TableName'));
      const index = typeof params.IndexName === 'string' && (action === 'Query' || action === 'Scan') ? `${table}/index/${params.IndexName}` : table;
      return [{ action: `dynamodb:${action}`, resource: index }];
    }
    if (action === 'BatchGetItem' || action === 'BatchWriteItem') {
      const items = (params.RequestItems ?? {}) as Record<string, unknown>;
      return Object.keys(items).map((table) => ({ action: `dynamodb:${action}`, resource: this.tableArn(table) }));
    }
    if (action === 'TransactWriteItems' || action === 'TransactGetItems') {
      const items = (params.TransactItems ?? []) as Array<Record<string, { TableName?: string }>>;
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, op]) => ({ action: `dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`, resource: this.tableArn(op.TableName ?? '') })),
      );
    }
    if (action === 'TagResource' || action === 'UntagResource' || action === 'ListTagsOfResource') {
      return [{ action: `dynamodb:${action}`, resource: requireString(params, 'ResourceArn') }];
    }
    // ListTables and the account-level calls are authorized on '*', as in AWS.
    return [{ action: `dynamodb:${action}`, resource: '*' }];
  }

  async handle(request: AwsRequest): Promise<AwsResponse> {
    try {
      for (const { action, resource } of this.resourcesOf(request.action, request.params)) {
        this.options.authorize(request.caller, action, resource);
      }
      if (request.action.startsWith('Transact')) {
        // dynalite has no transactions; the product is designed without them (DESIGN.md §4).
        throw new AwsServiceError('UnknownOperationException', `${request.action} is not supported by the local DynamoDB (dynalite has no transactions)`, 400);
      }
      return await this.forward(request.action, request.rawBody);
    } catch (error) {
      if (error instanceof AwsServiceError) return jsonError(error);
      throw error;
    }
  }

  /** Sends one DynamoDB JSON call to dynalite and returns its answer unchanged. */
  private forward(action: string, body: string): Promise<AwsResponse> {
    const payload = Buffer.from(body === '' ? '{}' : body, 'utf8');
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'content-length': String(payload.length),
            'x-amz-target': `DynamoDB_20120810.${action}`,
            // dynalite only checks that a SigV4 header is present; the real check happened upstream.
            authorization: `AWS4-HMAC-SHA256 Credential=local/20200101/${this.options.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
            'x-amz-date': '20200101T000000Z',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0' };
            for (const name of ['x-amzn-requestid', 'x-amz-crc32']) {
              const value = res.headers[name];
              if (typeof value === 'string') headers[name] = value;
            }
            resolve({ status: res.statusCode ?? 500, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async call<T>(action: string, params: unknown): Promise<T> {
    const response = await this.forward(action, JSON.stringify(params));
    const parsed = JSON.parse(response.body || '{}') as T & { __type?: string; message?: string; Message?: string };
    if (response.status >= 400) {
      const code = (parsed.__type ?? 'InternalFailure').split('#').pop() ?? 'InternalFailure';
      throw new AwsServiceError(code, parsed.message ?? parsed.Message ?? code, response.status);
    }
    return parsed;
  }

  async tableExists(tableName: string): Promise<boolean> {
    try {
      await this.call('DescribeTable', { TableName: tableName });
      return true;
    } catch (error) {
      if (error instanceof AwsServiceError && error.code === 'ResourceNotFoundException') return false;
      throw error;
    }
  }

  /**
   * Creates a table from its CloudFormation properties (keys, billing, GSIs, LSIs), or leaves an
   * existing one alone so a redeploy against persisted state is a no-op. PITR, deletion protection,
   * TTL, streams, SSE, tags and table class have no dynalite counterpart and are ignored.
   */
  async createTable(tableName: string, props: CfnTableProperties): Promise<{ arn: string; created: boolean }> {
    const arn = this.tableArn(tableName);
    if (await this.tableExists(tableName)) return { arn, created: false };
    const payPerRequest = props.BillingMode === 'PAY_PER_REQUEST';
    const input: Record<string, unknown> = {
      TableName: tableName,
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
      BillingMode: props.BillingMode ?? 'PROVISIONED',
    };
    if (!payPerRequest) input.ProvisionedThroughput = props.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
    if (props.GlobalSecondaryIndexes?.length) {
      input.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes.map((gsi) => ({
        IndexName: gsi.IndexName,
        KeySchema: gsi.KeySchema,
        Projection: gsi.Projection,
        ...(payPerRequest ? {} : { ProvisionedThroughput: gsi.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
      }));
    }
    if (props.LocalSecondaryIndexes?.length) {
      input.LocalSecondaryIndexes = props.LocalSecondaryIndexes.map((lsi) => ({ IndexName: lsi.IndexName, KeySchema: lsi.KeySchema, Projection: lsi.Projection }));
    }
    await this.call('CreateTable', input);
    // createTableMs is 0, but the status flips on a timer: wait until DescribeTable says ACTIVE.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const described = await this.call<{ Table?: { TableStatus?: string } }>('DescribeTable', { TableName: tableName });
      if (described.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { arn, created: true };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
    });
  }
}
