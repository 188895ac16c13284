// The settle phase of the chaos scenario: waits, with a bounded deadline, until every provider is
// READY or FAILED, doing only what the README tells an operator to do for a provider nothing runs
// for any more:
//  - in flight (PENDING, CREATING, VERIFYING) while its execution has ended or never existed (its
//    status-change event or its StartExecution was lost in the kill): POST the same request again;
//  - a member account whose new-account event never became a provider (the trigger's asynchronous
//    invocation was lost in the kill, or dead-lettered): POST /workspaces/default/providers for that account.
// Each action is taken only once nothing has run for the provider for STUCK_AFTER_MS, so
// execution-ended and Lambda's retries (scaled down) get their chance first.
import { executionRunning, getProvider, postProvider, runningExecutionNames, type ProviderRequestBody, type ProviderView } from './chaos-clients.js';
import type { CloudEndpoints } from './cloud-process.js';

const STUCK_AFTER_MS = 12_000;
const POLL_INTERVAL_MS = 500;

export interface OperatorActions {
  /** Providers POSTed again because they were in flight with nothing running. */
  repostedStuck: string[];
  /** New-account providers POSTed because the event never created them. */
  postedMissing: string[];
  /** Providers still neither READY nor FAILED at the deadline. */
  unsettled: string[];
}

interface Tracked {
  providerId: string;
  body: ProviderRequestBody;
}

function terminal(view: ProviderView | 'missing' | undefined): boolean {
  return typeof view === 'object' && (view.status === 'READY' || view.status === 'FAILED');
}

/** Whether nothing runs for the provider: no execution running under its current attempt. */
async function idle(cloud: CloudEndpoints, view: ProviderView | 'missing', running: Set<string>): Promise<boolean> {
  if (view === 'missing') return true;
  const executionName = view.executionArn.split(':').at(-1)!;
  return !running.has(executionName) && !(await executionRunning(cloud, view.executionArn));
}

export async function settle(
  cloud: CloudEndpoints,
  providers: Tracked[],
  onboardingArn: string,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<OperatorActions> {
  const actions: OperatorActions = { repostedStuck: [], postedMissing: [], unsettled: [] };
  const idleSince = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  let open = providers;
  while (open.length > 0 && Date.now() < deadline) {
    const running = new Set(await runningExecutionNames(cloud, onboardingArn));
    const views = await Promise.all(open.map(async (provider) => ({ provider, view: await getProvider(cloud, provider.providerId) })));
    const pending = views.filter(({ view }) => !terminal(view));
    open = pending.map(({ provider }) => provider);
    for (const { provider, view } of pending) {
      if (view === undefined || !(await idle(cloud, view, running))) {
        idleSince.delete(provider.providerId);
        continue;
      }
      const since = idleSince.get(provider.providerId) ?? Date.now();
      idleSince.set(provider.providerId, since);
      if (Date.now() - since < STUCK_AFTER_MS) continue;
      const status = await postProvider(cloud, provider.body);
      progress(`operator: POST ${provider.providerId} (${view === 'missing' ? 'never created' : `${view.status} with nothing running`}) → ${status}`);
      (view === 'missing' ? actions.postedMissing : actions.repostedStuck).push(provider.providerId);
      idleSince.delete(provider.providerId);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  actions.unsettled = open.map((provider) => provider.providerId);
  return actions;
}
