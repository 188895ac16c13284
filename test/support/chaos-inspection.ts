// What the chaos scenario's invariants are checked against, read once everything has settled: each
// acknowledged provider as the API shows it, every role and policy under the product's path in
// every member account, and every External ID searched for in the cloud's output (function logs
// included) and in every event delivered.
import { getProvider, productResourcesIn, type ProductResource, type ProviderView } from './chaos-clients.js';
import type { CloudEndpoints } from './cloud-process.js';

export interface ChaosInspection {
  /** Each acknowledged provider's final status and reason, e.g. `FAILED EXECUTION_ABORTED`. */
  finalStatus: Record<string, string>;
  ready: string[];
  /** FAILED providers by reason. */
  failedByReason: Record<string, string[]>;
  /** Acknowledged providers neither READY nor FAILED (or not found). */
  notSettled: string[];
  failedWithoutReason: string[];
  /** READY providers without exactly one role of theirs (tagged with their id, at their role ARN). */
  readyWithoutOneRole: string[];
  /** Roles and policies tagged with the id of a FAILED provider. */
  resourcesOfFailed: string[];
  /** Roles and policies under the product's path that no READY provider owns. */
  orphans: string[];
  productResources: number;
  /** Where an External ID was found: `log line <n>: <providerId>` or `event <n>: <providerId>`. */
  leakedExternalIds: string[];
  externalIdsSearched: number;
  logLinesSearched: number;
  eventsSearched: number;
}

interface InspectionInput {
  acknowledged: string[];
  accounts: string[];
  suppliedExternalIds: string[];
  output: string[];
  events: string[];
}

/** Roles owned by READY providers (at their role ARN) and the policies attached to them. */
function ownedArns(resources: ProductResource[], ready: ProviderView[]): Set<string> {
  const readyRoleArns = new Set(ready.map((provider) => provider.roleArn));
  const owned = new Set<string>();
  for (const resource of resources) {
    if (resource.kind !== 'role' || !readyRoleArns.has(resource.arn)) continue;
    owned.add(resource.arn);
    resource.attachedPolicyArns.forEach((arn) => owned.add(arn));
  }
  return owned;
}

function leaks(externalIds: Map<string, string>, texts: string[], label: string): string[] {
  const found: string[] = [];
  texts.forEach((text, index) => {
    for (const [externalId, providerId] of externalIds) if (text.includes(externalId)) found.push(`${label} ${index + 1}: ${providerId}`);
  });
  return found;
}

async function finalViews(cloud: CloudEndpoints, providerIds: string[]): Promise<Map<string, ProviderView | undefined>> {
  const views = new Map<string, ProviderView | undefined>();
  for (const providerId of providerIds) {
    let view = await getProvider(cloud, providerId);
    // A throttled read answers 503; read again (bounded) rather than count it as unsettled.
    for (let attempt = 0; view === undefined && attempt < 10; attempt += 1) view = await getProvider(cloud, providerId);
    views.set(providerId, typeof view === 'object' ? view : undefined);
  }
  return views;
}

export async function inspect(cloud: CloudEndpoints, input: InspectionInput): Promise<ChaosInspection> {
  const views = await finalViews(cloud, input.acknowledged);
  const settled = [...views.values()].filter((view): view is ProviderView => view?.status === 'READY' || view?.status === 'FAILED');
  const ready = settled.filter((view) => view.status === 'READY');
  const failed = settled.filter((view) => view.status === 'FAILED');
  const failedByReason: Record<string, string[]> = {};
  for (const view of failed) (failedByReason[view.reason ?? 'none'] ??= []).push(view.providerId);

  const resources = (await Promise.all(input.accounts.map((accountId) => productResourcesIn(cloud, accountId)))).flat();
  const owned = ownedArns(resources, ready);
  const failedIds = new Set(failed.map((view) => view.providerId));
  const roleCount = (view: ProviderView) =>
    resources.filter((resource) => resource.kind === 'role' && resource.providerIdTag === view.providerId && resource.arn === view.roleArn).length;

  const externalIds = new Map<string, string>(input.suppliedExternalIds.map((id) => [id, 'supplied']));
  for (const view of views.values()) if (view?.externalId) externalIds.set(view.externalId, view.providerId);

  return {
    finalStatus: Object.fromEntries([...views].map(([providerId, view]) => [providerId, view ? `${view.status} ${view.reason ?? '-'}` : 'not found'])),
    ready: ready.map((view) => view.providerId),
    failedByReason,
    notSettled: input.acknowledged.filter((providerId) => !settled.some((view) => view.providerId === providerId)),
    failedWithoutReason: failed.filter((view) => !view.reason).map((view) => view.providerId),
    readyWithoutOneRole: ready.filter((view) => roleCount(view) !== 1).map((view) => view.providerId),
    resourcesOfFailed: resources.filter((resource) => resource.providerIdTag !== undefined && failedIds.has(resource.providerIdTag)).map((resource) => resource.arn),
    orphans: resources.filter((resource) => !owned.has(resource.arn)).map((resource) => resource.arn),
    productResources: resources.length,
    leakedExternalIds: [...leaks(externalIds, input.output, 'log line'), ...leaks(externalIds, input.events, 'event')],
    externalIdsSearched: externalIds.size,
    logLinesSearched: input.output.length,
    eventsSearched: input.events.length,
  };
}
