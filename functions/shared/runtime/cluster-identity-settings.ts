// The cluster identity's deployment settings (CDK context, passed to the API function as
// environment), validated when the module loads like every other variable.
import {
  KUBERNETES_NAME,
  MAX_DURATION_SECONDS,
  MIN_DURATION_SECONDS,
  SOURCE_IDENTITY_KINDS,
  type ClusterIdentitySettings,
  type SourceIdentityKind,
} from '../domain/cluster-identity.js';
import { DNS_LABEL } from '../domain/provider.js';
import { InvalidEnvironment, readEnv, type EnvParser } from './env.js';

export const CLUSTER_IDENTITY_DEFAULTS = {
  durationSeconds: 3600,
  sourceIdentity: { kind: 'AWSClusterControllerIdentity', name: 'default' },
} as const satisfies Omit<ClusterIdentitySettings, 'workspaceNamespaces'>;

const durationSeconds: EnvParser<number> = (value, name) => {
  if (value === undefined || value === '') return CLUSTER_IDENTITY_DEFAULTS.durationSeconds;
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= MIN_DURATION_SECONDS && seconds <= MAX_DURATION_SECONDS)) {
    throw new InvalidEnvironment(`${name} must be an integer from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS}`);
  }
  return seconds;
};

const sourceKind: EnvParser<SourceIdentityKind> = (value, name) => {
  if (value === undefined || value === '') return CLUSTER_IDENTITY_DEFAULTS.sourceIdentity.kind;
  const kind = SOURCE_IDENTITY_KINDS.find((known) => known === value);
  if (kind === undefined) throw new InvalidEnvironment(`${name} must be one of ${SOURCE_IDENTITY_KINDS.join(', ')}`);
  return kind;
};

const sourceName: EnvParser<string> = (value, name) => {
  if (value === undefined || value === '') return CLUSTER_IDENTITY_DEFAULTS.sourceIdentity.name;
  if (value.length > 253 || !KUBERNETES_NAME.test(value)) throw new InvalidEnvironment(`${name} must be a Kubernetes object name`);
  return value;
};

/** `{"<workspace>": ["<namespace>", ...]}`: workspaces are DNS labels, each list non-empty namespaces. */
export function parseWorkspaceNamespaces(value: unknown): Record<string, string[]> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  const valid = entries.every(
    ([workspace, namespaces]) =>
      DNS_LABEL.test(workspace) &&
      Array.isArray(namespaces) &&
      namespaces.length > 0 &&
      namespaces.every((namespace) => typeof namespace === 'string' && DNS_LABEL.test(namespace)),
  );
  return valid ? (Object.fromEntries(entries) as Record<string, string[]>) : undefined;
}

const workspaceNamespaces: EnvParser<Record<string, string[]>> = (value, name) => {
  if (value === undefined || value === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const mapping = parseWorkspaceNamespaces(parsed);
  if (mapping === undefined) {
    throw new InvalidEnvironment(`${name} must be a JSON object mapping workspaces to non-empty lists of namespaces`);
  }
  return mapping;
};

export function clusterIdentitySettingsFromEnv(source: NodeJS.ProcessEnv = process.env): ClusterIdentitySettings {
  const env = readEnv(
    {
      CLUSTER_IDENTITY_DURATION_SECONDS: durationSeconds,
      CLUSTER_IDENTITY_SOURCE_KIND: sourceKind,
      CLUSTER_IDENTITY_SOURCE_NAME: sourceName,
      WORKSPACE_NAMESPACES: workspaceNamespaces,
    },
    source,
  );
  return {
    durationSeconds: env.CLUSTER_IDENTITY_DURATION_SECONDS,
    sourceIdentity: { kind: env.CLUSTER_IDENTITY_SOURCE_KIND, name: env.CLUSTER_IDENTITY_SOURCE_NAME },
    workspaceNamespaces: env.WORKSPACE_NAMESPACES,
  };
}
