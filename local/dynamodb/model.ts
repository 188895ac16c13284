// The tables of the local DynamoDB: dynalite holds them (in memory, or in a LevelDB directory for
// persistence). This module owns that server's lifecycle, the raw JSON calls to it, and creating
// a table from its CloudFormation properties.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { AwsServiceError, type AwsResponse } from '../core/types.js';

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

const DEFAULT_THROUGHPUT = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

export class DynaliteTables {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly region: string,
  ) {}

  /**
   * Starts dynalite on 127.0.0.1 and a free port (listening, so that closing it closes its
   * LevelDB); `path` is its LevelDB directory (in memory when absent).
   */
  static async start(region: string, path: string | undefined): Promise<DynaliteTables> {
    if (path !== undefined) mkdirSync(path, { recursive: true });
    // Tables become ACTIVE at once: the deployer and tests should not wait on simulated provisioning.
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path !== undefined ? { path } : {}) });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    return new DynaliteTables(server, port, region);
  }

  /**
   * Sends one DynamoDB JSON call to dynalite and returns its answer unchanged. The call goes to
   * dynalite's request handler in this process, not through its loopback port: the endpoint has
   * already read, authenticated and authorized the request, and a second HTTP hop per item cost
   * two socket writes and two reads on the one thread every AWS call goes through.
   */
  forward(action: string, body: string): Promise<AwsResponse> {
    const payload = Buffer.from(body === '' ? '{}' : body, 'utf8');
    const handler = this.server.listeners('request')[0] as ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    if (handler === undefined) return Promise.reject(new Error('dynalite has no request handler'));
    return new Promise((resolve) => {
      const req = Object.assign(new EventEmitter(), {
        method: 'POST',
        url: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(payload.length),
          'x-amz-target': `DynamoDB_20120810.${action}`,
          // dynalite only checks that a SigV4 header is present; the real check happened upstream.
          authorization: `AWS4-HMAC-SHA256 Credential=local/20200101/${this.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
          'x-amz-date': '20200101T000000Z',
        },
      });
      const headers: Record<string, string> = {};
      const res = {
        statusCode: 200,
        setHeader: (name: string, value: string | number) => {
          headers[name.toLowerCase()] = String(value);
        },
        end: (answer?: string | Buffer) => {
          resolve({ status: res.statusCode, headers: answerHeaders(headers), body: answer === undefined ? '' : answer.toString() });
        },
      };
      handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      req.emit('data', payload);
      req.emit('end');
    });
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
  async createTable(tableName: string, props: CfnTableProperties): Promise<{ created: boolean }> {
    if (await this.tableExists(tableName)) return { created: false };
    await this.call('CreateTable', createTableInput(tableName, props));
    // createTableMs is 0, but the status flips on a timer: wait until DescribeTable says ACTIVE.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const described = await this.call<{ Table?: { TableStatus?: string } }>('DescribeTable', { TableName: tableName });
      if (described.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { created: true };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
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
}

/** The headers of dynalite's answer a DynamoDB client reads; the rest stay on the private hop. */
function answerHeaders(received: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0' };
  for (const name of ['x-amzn-requestid', 'x-amz-crc32']) {
    const value = received[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** The CreateTable call for CloudFormation table properties (provisioned tables get 5/5 by default). */
function createTableInput(tableName: string, props: CfnTableProperties): Record<string, unknown> {
  const payPerRequest = props.BillingMode === 'PAY_PER_REQUEST';
  const input: Record<string, unknown> = {
    TableName: tableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: props.BillingMode ?? 'PROVISIONED',
  };
  if (!payPerRequest) input.ProvisionedThroughput = props.ProvisionedThroughput ?? DEFAULT_THROUGHPUT;
  if (props.GlobalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes.map((gsi) => ({
      IndexName: gsi.IndexName,
      KeySchema: gsi.KeySchema,
      Projection: gsi.Projection,
      ...(payPerRequest ? {} : { ProvisionedThroughput: gsi.ProvisionedThroughput ?? DEFAULT_THROUGHPUT }),
    }));
  }
  if (props.LocalSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = props.LocalSecondaryIndexes.map((lsi) => ({ IndexName: lsi.IndexName, KeySchema: lsi.KeySchema, Projection: lsi.Projection }));
  }
  return input;
}
