// DynamoDB for the local cloud: dynalite, called in process (model.ts), fronted by IAM
// authorization of each request against the table or index ARN it touches (api.ts).
import type { AwsRequest, AwsResponse, Authorize } from '../core/types.js';
import { handleDynamoDbRequest, resourcesOf } from './api.js';
import { DynaliteTables, type CfnTableProperties } from './model.js';

export type { CfnTableProperties } from './model.js';

export interface LocalDynamoDbOptions {
  accountId: string;
  region: string;
  authorize: Authorize;
  /** LevelDB directory for persistence; in-memory when absent. */
  path?: string;
  partition?: string;
}

export class LocalDynamoDb {
  private constructor(
    private readonly options: LocalDynamoDbOptions,
    private readonly tables: DynaliteTables,
  ) {}

  static async start(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
    return new LocalDynamoDb(options, await DynaliteTables.start(options.region, options.path));
  }

  /** dynalite's private loopback port (nothing is sent to it; listening lets closing it close its LevelDB). */
  get port(): number {
    return this.tables.port;
  }

  tableArn(tableName: string): string {
    return `arn:${this.options.partition ?? 'aws'}:dynamodb:${this.options.region}:${this.options.accountId}:table/${tableName}`;
  }

  /** The ARNs a request touches, each with the IAM action DynamoDB checks on it. */
  resourcesOf(action: string, params: Record<string, unknown>): Array<{ action: string; resource: string }> {
    return resourcesOf(action, params, (name) => this.tableArn(name));
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return handleDynamoDbRequest(request, this.tables, this.options.authorize, (name) => this.tableArn(name));
  }

  tableExists(tableName: string): Promise<boolean> {
    return this.tables.tableExists(tableName);
  }

  /** Creates a table from its CloudFormation properties, or leaves an existing one alone (a redeploy is a no-op). */
  async createTable(tableName: string, props: CfnTableProperties): Promise<{ arn: string; created: boolean }> {
    const { created } = await this.tables.createTable(tableName, props);
    return { arn: this.tableArn(tableName), created };
  }

  close(): Promise<void> {
    return this.tables.close();
  }
}
