// A fleet of READY providers on an in-process local cloud, made the way the product makes them:
// member accounts invited into the organization, then one POST per provider through the REST API,
// whose onboarding workflow creates the role, attaches the policies, grants management and records
// READY. At most `concurrency` onboardings run at once (a bounded rate, as a client would send
// them); each is awaited through its execution, so no GET polling adds Lambda invocations.
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { LocalCloud } from '../../local/cloud.js';
import { signedFetch } from '../../local/signed-fetch.js';

export interface FleetOptions {
  /** The providers' workspace (default "fleet"). */
  workspace?: string;
  /** Providers per member account (default 10): each is a role of its own in that account. */
  perAccount?: number;
  /** Onboardings in flight at once (default 20). */
  concurrency?: number;
  /** Told every `progressEvery` providers (default 100). */
  log?: (line: string) => void;
  progressEvery?: number;
}

export interface SeededFleet {
  workspace: string;
  /** `<workspace>.<name>`, in creation order. */
  providerIds: string[];
  accountIds: string[];
  /** Wall time of the seeding. */
  seconds: number;
}

interface CreatedAnswer {
  executionArn?: string;
}

/** `p0001`, `p0002`, …: DNS-label names that sort in creation order. */
function providerName(index: number, count: number): string {
  return `p${String(index + 1).padStart(Math.max(4, String(count).length), '0')}`;
}

/** The registry table of the deployed stack. */
export function registryTableName(cloud: LocalCloud): string {
  const table = Object.values(cloud.stack.resources).find((resource) => resource.type === 'AWS::DynamoDB::Table');
  if (table?.physicalId === undefined) throw new Error('The stack has no DynamoDB table');
  return table.physicalId;
}

/** Providers of `workspace` per status, read from the registry (a consistent, paged Scan). */
export async function statusCounts(cloud: LocalCloud, workspace: string): Promise<Record<string, number>> {
  const dynamodb = new DynamoDBClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  const counts: Record<string, number> = {};
  try {
    let startKey: Record<string, never> | undefined;
    for (let page = 0; page < 10_000; page += 1) {
      const result = await dynamodb.send(
        new ScanCommand({
          TableName: registryTableName(cloud),
          ConsistentRead: true,
          FilterExpression: 'workspace = :workspace',
          ExpressionAttributeValues: { ':workspace': { S: workspace } },
          ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) {
        const status = item.status?.S ?? 'UNKNOWN';
        counts[status] = (counts[status] ?? 0) + 1;
      }
      startKey = result.LastEvaluatedKey as Record<string, never> | undefined;
      if (startKey === undefined) return counts;
    }
    throw new Error('The registry scan did not end');
  } finally {
    dynamodb.destroy();
  }
}

/** Onboards `count` providers through the API and resolves once every one is READY. */
export async function seedFleet(cloud: LocalCloud, count: number, options: FleetOptions = {}): Promise<SeededFleet> {
  const workspace = options.workspace ?? 'fleet';
  const perAccount = options.perAccount ?? 10;
  const concurrency = options.concurrency ?? 20;
  const progressEvery = options.progressEvery ?? 100;
  const started = performance.now();
  const accountIds = Array.from({ length: Math.ceil(count / perAccount) }, (_, index) => {
    const name = `${workspace}-member-${index + 1}`;
    return cloud.iam.inviteAccount(name, `${name}-${Date.now()}@example.com`).accountId;
  });
  const providerIds: string[] = [];
  let next = 0;
  let done = 0;
  const onboardOne = async (index: number): Promise<void> => {
    const name = providerName(index, count);
    const accountId = accountIds[Math.floor(index / perAccount)] as string;
    const answer = await signedFetch(`${cloud.apiUrl}/workspaces/${workspace}/providers`, { method: 'POST', body: { name, accountId } }, cloud.adminCredentials, cloud.region);
    const executionArn = (answer.body as CreatedAnswer).executionArn;
    if (answer.status !== 202 || executionArn === undefined) throw new Error(`POST ${workspace}.${name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const ended = await cloud.sfn.waitForExecution(executionArn);
    if (ended.status !== 'SUCCEEDED') throw new Error(`Onboarding ${workspace}.${name} ended ${ended.status}: ${ended.error ?? ''} ${ended.cause ?? ''}`);
    providerIds[index] = `${workspace}.${name}`;
    done += 1;
    if (done % progressEvery === 0) options.log?.(`seeded ${done}/${count} providers in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  };
  const worker = async (): Promise<void> => {
    while (next < count) await onboardOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const counts = await statusCounts(cloud, workspace);
  if (counts.READY !== count) throw new Error(`Expected ${count} READY providers in ${workspace}, found ${JSON.stringify(counts)}`);
  return { workspace, providerIds, accountIds, seconds: (performance.now() - started) / 1000 };
}
