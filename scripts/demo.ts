// `npm run demo`: a complete story on a fresh in-memory local cloud (an account onboarded through
// the API, two new accounts onboarded by the new-account trigger), then the providers and their
// execution timelines; then the fleet act (demo-fleet.ts) on a Control Tower landing zone.
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { ProviderView } from '../functions/shared/domain/provider-view.js';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { signedFetch } from '../local/signed-fetch.js';
import { printTimelines } from './history.js';
import { fleetAct } from './demo-fleet.js';
import { createManagementRole } from './management-role.js';
import { synthesizeUnlessSkipped } from './synth.js';
import { formatTable } from './timeline.js';

const WATCH_TIMEOUT_MS = 180_000;

function clientConfig(cloud: LocalCloud) {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials };
}

/** `/workspaces/<workspace>/providers/<name>` of a provider id `<workspace>.<name>`. */
function providerPath(providerId: string): string {
  const [workspace, name] = providerId.split('.');
  return `/workspaces/${workspace}/providers/${name}`;
}

async function getProvider(cloud: LocalCloud, providerId: string): Promise<ProviderView | undefined> {
  const response = await signedFetch(`${cloud.apiUrl}${providerPath(providerId)}`, {}, cloud.adminCredentials, cloud.region);
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

/** Steps 1 and 2: returns the ids of the providers the story onboards. */
async function onboardAccounts(cloud: LocalCloud): Promise<string[]> {
  console.log('\n1. An existing account joins the organization (no CreateAccountResult): onboard it through the API');
  const invited = cloud.iam.inviteAccount('team-payments-prod', 'payments-prod@example.com').accountId;
  const post = await signedFetch(`${cloud.apiUrl}/workspaces/payments/providers`, { method: 'POST', body: { name: 'prod', accountId: invited } }, cloud.adminCredentials, cloud.region);
  console.log(`   POST /workspaces/payments/providers → ${post.status}  account ${invited}`);

  console.log('2. Two new accounts are created in AWS Organizations: the new-account trigger onboards them');
  const organizations = new OrganizationsClient(clientConfig(cloud));
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
  return ['payments.prod', ...created.map((accountId) => `default.aws-${accountId}`)];
}

function printProviders(providers: ProviderView[]): void {
  console.log('\nProviders');
  const rows = providers.map((provider) => ({
    provider: provider.providerId,
    account: provider.accountId,
    status: provider.status,
    role: provider.roleArn,
    reason: provider.reason ?? '',
  }));
  for (const line of formatTable(rows, ['provider', 'account', 'status', 'role', 'reason'])) console.log(`  ${line}`);
}

/** What the management cluster applies to use a provider: its CAPA AWSClusterRoleIdentity. */
async function printClusterIdentity(cloud: LocalCloud, providerId: string): Promise<void> {
  const path = `${providerPath(providerId)}/cluster-identity`;
  const response = await fetchText(`${cloud.apiUrl}${path}`, cloud);
  console.log(`\nGET ${path} (Accept: application/yaml) → ${response.status}`);
  // The External ID is a secret: the demo shows where it goes, not its value.
  console.log(response.text.trimEnd().replace(/^(\s*externalID: ).*$/m, '$1"…"').replace(/^/gm, '  '));
}

async function fetchText(url: string, cloud: LocalCloud): Promise<{ status: number; text: string }> {
  const response = await signedFetch(url, { headers: { accept: 'application/yaml' } }, cloud.adminCredentials, cloud.region);
  return { status: response.status, text: typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2) };
}

export async function demo(args: string[]): Promise<void> {
  await synthesizeUnlessSkipped(args);
  console.log('Starting a fresh in-memory local cloud...');
  const cloud = await startLocalCloud({ port: 0, apiPort: 0, quiet: true, afterDeploy: createManagementRole });
  try {
    const providerIds = await onboardAccounts(cloud);
    console.log(`\n3. Waiting for the workflows (IAM propagation is simulated: new roles need a few seconds)\n`);
    const providers = await watch(cloud, providerIds, WATCH_TIMEOUT_MS);
    printProviders(providers);
    await printClusterIdentity(cloud, 'payments.prod');
    console.log('\nExecution timelines');
    await printTimelines(new SFNClient(clientConfig(cloud)), providerIds);
    const failed = providers.filter((provider) => provider.status !== 'READY').length + providerIds.length - providers.length;
    if (failed > 0) {
      console.error(`\n${failed} provider(s) did not reach READY`);
      process.exitCode = 1;
    }
  } finally {
    await cloud.close();
  }
  if (!args.includes('--no-fleet')) await fleetAct();
}
