// The provider registry: one item per provider, keyed by its deterministic providerId.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ACCOUNT_INDEX, WORKSPACE_INDEX } from '../../functions/shared/adapters/registry.js';

export class Registry extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'providerId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The registry is the only record of which roles exist in which accounts: never lose it
      // to a stack deletion or replacement.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // GET /workspaces/{workspace}/providers pages through one workspace ordered by name.
    this.table.addGlobalSecondaryIndex({
      indexName: WORKSPACE_INDEX,
      partitionKey: { name: 'workspace', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'name', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // An account leaving the organization finds its providers; the records are read again by key.
    this.table.addGlobalSecondaryIndex({
      indexName: ACCOUNT_INDEX,
      partitionKey: { name: 'accountId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'providerId', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
  }

  get tableArn(): string {
    return this.table.tableArn;
  }

  /** ARN of the byAccount index, for Query grants. */
  get byAccountIndexArn(): string {
    return `${this.table.tableArn}/index/${ACCOUNT_INDEX}`;
  }

  /** ARN of the byWorkspace index, for Query grants. */
  get byWorkspaceIndexArn(): string {
    return `${this.table.tableArn}/index/${WORKSPACE_INDEX}`;
  }
}
