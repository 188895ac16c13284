// The local cloud's commands:
//   npm start                     synthesize, deploy the stack locally, serve it until Ctrl-C
//   npm run demo                  a complete story on a fresh in-memory cloud, then its timelines
//   npm run history -- <id>       a provider's executions, as the console's execution history
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { LOCAL_REGION, startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { signedFetch, type Credentials } from '../local/signed-fetch.js';
import { formatTable, formatTimeline } from './timeline.js';

// Lambda runs Node 22; on a Node 20 machine the SDK would print its upgrade notice here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ADMIN: Credentials = { accessKeyId: 'LOCALADMINACCESSKEY0', secretAccessKey: 'local-admin-secret' };

function synthesize(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cdk synth failed (exit ${code}):\n${output}`))));
  });
}

async function prepare(args: string[]): Promise<void> {
  if (args.includes('--no-synth')) return;
  const started = performance.now();
  process.stdout.write('Synthesizing the CDK app (cdk.out)... ');
  await synthesize();
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function awsClientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: ADMIN };
}

/** "2000-5000" or "3000" (milliseconds). */
function delayRange(value: string | undefined): [number, number] | undefined {
  if (!value) return undefined;
  const [min, max = min] = value.split('-').map(Number);
  if (!Number.isFinite(min) || !Number.isFinite(max) || (min as number) < 0 || (max as number) < (min as number)) {
    throw new Error(`LOCAL_PROPAGATION_DELAY_MS must be "<ms>" or "<min>-<max>", got ${value}`);
  }
  return [min as number, max as number];
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new Error(`${name} must be a port number, got ${value}`);
  return parsed;
}

async function start(args: string[]): Promise<void> {
  const started = performance.now();
  const env = process.env;
  const propagationDelayMs = delayRange(env.LOCAL_PROPAGATION_DELAY_MS);
  await prepare(args);
  const cloud = await startLocalCloud({
    stateDir: env.LOCAL_STATE_DIR ?? '.local',
    port: port(env.LOCAL_PORT, 'LOCAL_PORT', 4566),
    apiPort: port(env.LOCAL_API_PORT, 'LOCAL_API_PORT', 3000),
    ...(env.LOCAL_HOST ? { host: env.LOCAL_HOST } : {}),
    ...(propagationDelayMs ? { propagationDelayMs } : {}),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const api = cloud.apiUrl;
  console.log(`
Local cloud ready in ${seconds} s (state in ${process.env.LOCAL_STATE_DIR ?? '.local'}/; Ctrl-C to stop)

  AWS endpoint   ${cloud.endpoint}    (IAM, STS, Organizations, EventBridge, Step Functions, DynamoDB, Lambda)
  REST API       ${api}    (IAM auth: SigV4, service execute-api)
  account        ${cloud.accountId}  region ${cloud.region}
  credentials    AWS_ACCESS_KEY_ID=${ADMIN.accessKeyId} AWS_SECRET_ACCESS_KEY=${ADMIN.secretAccessKey}

Try it (a member account, then a provider for it):

  export AWS_ACCESS_KEY_ID=${ADMIN.accessKeyId} AWS_SECRET_ACCESS_KEY=${ADMIN.secretAccessKey} AWS_DEFAULT_REGION=${cloud.region}
  ACCOUNT=$(aws --endpoint-url ${cloud.endpoint} organizations create-account --account-name team-payments-dev \\
      --email payments-dev@example.com --query CreateAccountStatus.AccountId --output text)
  curl -s --aws-sigv4 "aws:amz:${cloud.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \\
      -H 'content-type: application/json' -X POST ${api}/providers \\
      -d "{\\"workspace\\":\\"payments\\",\\"name\\":\\"dev\\",\\"accountId\\":\\"$ACCOUNT\\"}"
  curl -s --aws-sigv4 "aws:amz:${cloud.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" ${api}/providers/payments.dev
  npm run history -- payments.dev

(create-account also fires the new-account trigger: provider default.aws-$ACCOUNT appears too.)
`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\nStopping; state saved.');
  await cloud.close();
}

interface ProviderView {
  providerId: string;
  accountId: string;
  status: string;
  roleArn: string;
  reason: string | null;
  executionArn: string;
}

async function getProvider(cloud: LocalCloud, providerId: string): Promise<ProviderView | undefined> {
  const response = await signedFetch(`${cloud.apiUrl}/providers/${providerId}`, {}, ADMIN, cloud.region);
  return response.status === 200 ? (response.body as ProviderView) : undefined;
}

/** Prints each provider's status changes until all are READY or FAILED (or the time is up). */
async function watch(cloud: LocalCloud, providerIds: string[], timeoutMs: number): Promise<ProviderView[]> {
  const started = performance.now();
  const last = new Map<string, string>();
  for (;;) {
    const providers = await Promise.all(providerIds.map((id) => getProvider(cloud, id)));
    providers.forEach((provider, index) => {
      const id = providerIds[index] as string;
      const status = provider?.status ?? 'not yet recorded';
      if (last.get(id) !== status) {
        const at = `${((performance.now() - started) / 1000).toFixed(1)}s`.padStart(6);
        console.log(`  [${at}] ${id.padEnd(28)} ${last.get(id) ?? ''}${last.has(id) ? ' → ' : ''}${status}`);
        last.set(id, status);
      }
    });
    const done = providers.every((provider) => provider?.status === 'READY' || provider?.status === 'FAILED');
    if (done || performance.now() - started > timeoutMs) return providers.filter((p): p is ProviderView => p !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function stateMachineArns(sfn: SFNClient): Promise<string[]> {
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  return stateMachines.map((machine) => machine.stateMachineArn ?? '').filter(Boolean);
}

async function executionsOf(sfn: SFNClient, providerId: string): Promise<ExecutionListItem[]> {
  const [workspace, name] = providerId.split('.');
  const prefix = `${workspace}_${name}_`;
  const executions: ExecutionListItem[] = [];
  for (const stateMachineArn of await stateMachineArns(sfn)) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
      executions.push(...(page.executions ?? []).filter((execution) => execution.name?.startsWith(prefix)));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return executions.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', undefined, { numeric: true }));
}

async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

async function printTimelines(sfn: SFNClient, providerIds: string[]): Promise<void> {
  for (const providerId of providerIds) {
    const executions = await executionsOf(sfn, providerId);
    if (executions.length === 0) console.log(`\n${providerId}: no executions`);
    for (const execution of executions) {
      const seconds =
        execution.startDate && execution.stopDate
          ? ` in ${((new Date(execution.stopDate).getTime() - new Date(execution.startDate).getTime()) / 1000).toFixed(1)} s`
          : '';
      console.log(`\n${providerId} · execution ${execution.name} · ${execution.status}${seconds}`);
      for (const line of formatTimeline(await historyOf(sfn, execution.executionArn ?? ''))) console.log(line);
    }
  }
}

async function demo(args: string[]): Promise<void> {
  await prepare(args);
  console.log('Starting a fresh in-memory local cloud...');
  const cloud = await startLocalCloud({ port: 0, apiPort: 0, quiet: true });
  try {
    const organizations = new OrganizationsClient(awsClientConfig(cloud.endpoint));
    const sfn = new SFNClient(awsClientConfig(cloud.endpoint));

    console.log('\n1. An existing account joins the organization (no CreateAccountResult): onboard it through the API');
    const invited = cloud.iam.inviteAccount('team-payments-prod', 'payments-prod@example.com').accountId;
    const post = await signedFetch(`${cloud.apiUrl}/providers`, { method: 'POST', body: { workspace: 'payments', name: 'prod', accountId: invited } }, ADMIN, cloud.region);
    console.log(`   POST /providers → ${post.status}  account ${invited}`);

    console.log('2. Two new accounts are created in AWS Organizations: the new-account trigger onboards them');
    const created: string[] = [];
    for (const [name, email] of [
      ['team-search-dev', 'search-dev@example.com'],
      ['team-ml-sandbox', 'ml-sandbox@example.com'],
    ] as const) {
      const result = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: email }));
      const accountId = result.CreateAccountStatus?.AccountId ?? '';
      created.push(accountId);
      console.log(`   CreateAccount ${name} → ${accountId} (CreateAccountResult on the default bus)`);
    }

    const providerIds = ['payments.prod', ...created.map((accountId) => `default.aws-${accountId}`)];
    console.log(`\n3. Waiting for the workflows (IAM propagation is simulated: new roles need a few seconds)\n`);
    const providers = await watch(cloud, providerIds, 180_000);

    console.log('\nProviders');
    const rows = providers.map((provider) => ({
      provider: provider.providerId,
      account: provider.accountId,
      status: provider.status,
      role: provider.roleArn,
      reason: provider.reason ?? '',
    }));
    for (const line of formatTable(rows, ['provider', 'account', 'status', 'role', 'reason'])) console.log(`  ${line}`);

    console.log('\nExecution timelines');
    await printTimelines(sfn, providerIds);
    const failed = providers.filter((provider) => provider.status !== 'READY').length + providerIds.length - providers.length;
    if (failed > 0) {
      console.error(`\n${failed} provider(s) did not reach READY`);
      process.exitCode = 1;
    }
  } finally {
    await cloud.close();
  }
}

async function history(args: string[]): Promise<void> {
  const providerIds = args.filter((arg) => !arg.startsWith('--'));
  if (providerIds.length === 0) {
    console.error('usage: npm run history -- <workspace>.<name> [...]   (needs `npm start` running)');
    process.exitCode = 2;
    return;
  }
  const endpoint = process.env.LOCAL_ENDPOINT ?? 'http://127.0.0.1:4566';
  await printTimelines(new SFNClient(awsClientConfig(endpoint)), providerIds);
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { start, demo, history };
const run = commands[command ?? ''];
if (!run) {
  console.error('usage: cli.ts start | demo | history <providerId>');
  process.exitCode = 2;
} else {
  run(rest).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
