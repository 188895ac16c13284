// The CAPA AWSClusterRoleIdentity (infrastructure.cluster.x-k8s.io/v1beta2) that lets the management
// cluster use a provider: cluster-scoped, named after the provider, carrying its role and External ID.
import { createHash } from 'node:crypto';
import type { ProviderRecord } from './provider.js';

export const CLUSTER_IDENTITY_API_VERSION = 'infrastructure.cluster.x-k8s.io/v1beta2';
export const SOURCE_IDENTITY_KINDS = ['AWSClusterControllerIdentity', 'AWSClusterRoleIdentity', 'AWSClusterStaticIdentity'] as const;
export type SourceIdentityKind = (typeof SOURCE_IDENTITY_KINDS)[number];

/** CAPA's (and STS's) bounds for a role session. */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;

/** RFC 1123 DNS subdomain, as Kubernetes checks metadata.name (kept to 63 characters here). */
export const KUBERNETES_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const MAX_NAME_LENGTH = 63;

export interface ClusterIdentitySettings {
  durationSeconds: number;
  sourceIdentity: { kind: SourceIdentityKind; name: string };
  /** Namespaces allowed to use a workspace's identities; a workspace not listed gets its own name. */
  workspaceNamespaces: Record<string, string[]>;
}

export type AwsClusterRoleIdentity = {
  apiVersion: typeof CLUSTER_IDENTITY_API_VERSION;
  kind: 'AWSClusterRoleIdentity';
  metadata: { name: string };
  spec: {
    roleARN: string;
    externalID: string;
    sessionName: string;
    durationSeconds: number;
    sourceIdentityRef: { kind: SourceIdentityKind; name: string };
    allowedNamespaces: { list: string[] };
  };
};

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 10);
}

function headOf(label: string, length: number): string {
  return label.slice(0, length).replace(/-+$/, '');
}

/**
 * `<workspace>.<name>`: both are DNS labels without dots, so the name is unambiguous. Past 63
 * characters it becomes `<workspace head>.<name head>.<hash>`: two dots, which no untruncated name
 * has, so a truncated name can only collide with another truncated one through the hash.
 */
export function clusterIdentityNameOf(workspace: string, name: string): string {
  const full = `${workspace}.${name}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  return `${headOf(workspace, 26)}.${headOf(name, 25)}.${shortHash(full)}`;
}

/** The role session name CAPA uses: IAM's 2-64 characters, readable in CloudTrail. */
export function sessionNameOf(workspace: string, name: string): string {
  const full = `capa-${workspace}-${name}`;
  if (full.length <= 64) return full;
  return `${full.slice(0, 64 - 11).replace(/-+$/, '')}-${shortHash(full)}`;
}

export function clusterIdentityOf(record: ProviderRecord, settings: ClusterIdentitySettings): AwsClusterRoleIdentity {
  return {
    apiVersion: CLUSTER_IDENTITY_API_VERSION,
    kind: 'AWSClusterRoleIdentity',
    metadata: { name: clusterIdentityNameOf(record.workspace, record.name) },
    spec: {
      roleARN: record.roleArn,
      externalID: record.externalId,
      sessionName: sessionNameOf(record.workspace, record.name),
      durationSeconds: settings.durationSeconds,
      sourceIdentityRef: { ...settings.sourceIdentity },
      allowedNamespaces: { list: [...(settings.workspaceNamespaces[record.workspace] ?? [record.workspace])] },
    },
  };
}

type Scalar = string | number | boolean;
type YamlMapping = { [key: string]: Scalar | Scalar[] | YamlMapping };

/**
 * YAML for the manifest's fixed shape (mappings, scalars, lists of scalars): block style, every
 * string double-quoted as JSON writes it (a JSON string is a valid YAML double-quoted scalar), so
 * no value can be read as another type or break the structure. Keys are the manifest's own.
 */
export function toYaml(manifest: YamlMapping): string {
  return `${mappingLines(manifest, '').join('\n')}\n`;
}

function mappingLines(mapping: YamlMapping, indent: string): string[] {
  return Object.entries(mapping).flatMap(([key, value]) => {
    if (Array.isArray(value)) {
      return value.length === 0 ? [`${indent}${key}: []`] : [`${indent}${key}:`, ...value.map((item) => `${indent}  - ${scalar(item)}`)];
    }
    if (typeof value === 'object') return [`${indent}${key}:`, ...mappingLines(value, `${indent}  `)];
    return [`${indent}${key}: ${scalar(value)}`];
  });
}

function scalar(value: Scalar): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
