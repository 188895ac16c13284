// Reconcile: an organization of N member accounts of which M have no provider (their new-account
// event was "missed": they joined by invitation, which announces nothing). The deployed
// reconcile-organization function (the sweep's first state) is invoked as the sweep invokes it,
// through the Lambda API; it must start exactly the M onboardings, and a second run none. Measures
// the reconcile's wall time and the time until the M providers are READY (the local cloud's
// default 2-5 s IAM propagation). `npm run bench -- reconcile [--quick]`.
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalCloud } from '../local/cloud.js';
import { ensureSynthesized } from '../test/e2e/support.js';
import type { CompletedReconciliation } from '../functions/shared/domain/reconciliation.js';
import { executionArnOf, executionNameOf } from '../functions/shared/domain/provider.js';
import { registryTableName, seedFleet } from './support/fleet.js';
import { startBenchCloud } from './support/onboarding.js';
import type { BenchOptions, BenchResult } from './support/result.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SIZES = { quick: { accounts: 60, missing: 10 }, full: { accounts: 1_000, missing: 10 } };
const TARGET_RECONCILE_SECONDS = 60;
const TARGET_READY_SECONDS = 120;

interface RegistryRow {
  providerId: string;
  accountId: string;
  status: string;
}

function reconcileFunctionName(cloud: LocalCloud): string {
  const fn = Object.values(cloud.stack.resources).find(
    (resource) => resource.type === 'AWS::Lambda::Function' && resource.logicalId.startsWith('FleetSweepReconcileOrganization'),
  );
  if (fn?.physicalId === undefined) throw new Error('The stack has no reconcile-organization function');
  return fn.physicalId;
}

function onboardingStateMachineArn(cloud: LocalCloud): string {
  const machine = Object.values(cloud.stack.resources).find(
    (resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.logicalId.startsWith('OnboardingWorkflow'),
  );
  if (machine?.arn === undefined) throw new Error('The stack has no onboarding state machine');
  return machine.arn;
}

/** One run of the sweep's first step, with the input the sweep gives it. */
async function reconcile(cloud: LocalCloud, lambda: LambdaClient): Promise<{ summary: CompletedReconciliation; seconds: number }> {
  const started = performance.now();
  const startTime = new Date().toISOString();
  const payload = { execution: { arn: `arn:aws:states:${cloud.region}:000000000000:execution:bench:reconcile-${Date.now()}`, startTime } };
  const answer = await lambda.send(new InvokeCommand({ FunctionName: reconcileFunctionName(cloud), Payload: Buffer.from(JSON.stringify(payload)) }));
  const seconds = (performance.now() - started) / 1000;
  const body = JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8')) as CompletedReconciliation;
  if (answer.FunctionError !== undefined || body.status !== 'completed') throw new Error(`The reconcile failed: ${JSON.stringify(body)}`);
  return { summary: body, seconds };
}

async function registryRows(cloud: LocalCloud): Promise<RegistryRow[]> {
  const dynamodb = new DynamoDBClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  const rows: RegistryRow[] = [];
  try {
    let startKey: Record<string, never> | undefined;
    for (let page = 0; page < 10_000; page += 1) {
      const result = await dynamodb.send(
        new ScanCommand({ TableName: registryTableName(cloud), ConsistentRead: true, FilterExpression: 'attribute_exists(accountId)', ExclusiveStartKey: startKey }),
      );
      for (const item of result.Items ?? []) rows.push({ providerId: item.providerId?.S ?? '', accountId: item.accountId?.S ?? '', status: item.status?.S ?? '' });
      startKey = result.LastEvaluatedKey as Record<string, never> | undefined;
      if (startKey === undefined) return rows;
    }
    throw new Error('The registry scan did not end');
  } finally {
    dynamodb.destroy();
  }
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const size = options.quick ? SIZES.quick : SIZES.full;
  ensureSynthesized();
  const cloud = await startBenchCloud();
  const lambda = new LambdaClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  try {
    const log = (line: string) => console.error(`  reconcile: ${line}`);
    const seeded = await seedFleet(cloud, size.accounts - size.missing, { workspace: 'bench', perAccount: 1, log, progressEvery: 100 });
    const missing = Array.from({ length: size.missing }, (_, index) => cloud.iam.inviteAccount(`missed-${index + 1}`, `missed-${index + 1}-${Date.now()}@example.com`).accountId);
    log(`seeded ${seeded.providerIds.length} providers in ${seeded.seconds.toFixed(0)} s; ${missing.length} accounts without one`);

    const readyStarted = performance.now();
    const first = await reconcile(cloud, lambda);
    const onboarding = onboardingStateMachineArn(cloud);
    const executions = await Promise.all(
      first.summary.onboardingStarted.map((accountId) => cloud.sfn.waitForExecution(executionArnOf(onboarding, executionNameOf('default', `aws-${accountId}`, 1)))),
    );
    const readySeconds = (performance.now() - readyStarted) / 1000;
    const second = await reconcile(cloud, lambda);

    const rows = await registryRows(cloud);
    const live = rows.filter((row) => row.status !== 'DELETED' && row.status !== 'ACCOUNT_REMOVED');
    const perAccount = new Map<string, number>();
    for (const row of live) perAccount.set(row.accountId, (perAccount.get(row.accountId) ?? 0) + 1);
    const duplicates = [...perAccount.values()].filter((count) => count > 1).length;
    const readyMissing = missing.filter((accountId) => rows.some((row) => row.providerId === `default.aws-${accountId}` && row.status === 'READY')).length;

    return {
      name: 'reconcile',
      title: `Reconcile: ${size.accounts} accounts, ${size.missing} without a provider`,
      rows: [
        { goal: 'every missed account is onboarded', metric: 'missed accounts READY', measured: readyMissing, target: size.missing, unit: '', better: 'higher' },
        { goal: 'no account gets two providers', metric: 'accounts with more than one live provider', measured: duplicates, target: 0, unit: '', better: 'lower' },
        { goal: 'a second run starts nothing', metric: 'onboardings started by the second run', measured: second.summary.onboardingStarted.length, target: 0, unit: '', better: 'lower' },
        { goal: 'the reconcile step is quick', metric: 'reconcile wall time (first run)', measured: first.seconds, target: TARGET_RECONCILE_SECONDS, unit: 's', better: 'lower' },
        { goal: 'missed accounts are READY soon after', metric: 'reconcile start → last of them READY', measured: readySeconds, target: TARGET_READY_SECONDS, unit: 's', better: 'lower' },
      ],
      samples: {
        accounts: size.accounts,
        missing,
        seedSeconds: seeded.seconds,
        first: { seconds: first.seconds, summary: first.summary },
        second: { seconds: second.seconds, summary: second.summary },
        executions: executions.map((execution) => execution.status),
      },
      notes: [
        'The reconcile-organization function is invoked through the Lambda API with the input the sweep\'s first state gives it; the rest of the sweep (re-verifying every provider) is the sweep benchmark\'s.',
        'The missed accounts joined by invitation (no CreateAccountResult event), so only the reconcile can find them.',
      ],
    };
  } finally {
    lambda.destroy();
    await cloud.close();
  }
}
