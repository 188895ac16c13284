// The deployment's knobs (CDK context, see docs/CONTRACTS.md), read and validated once so a bad
// value fails `cdk synth` with the key's name instead of surfacing as a broken onboarding later.
import type { Node } from 'constructs';
import {
  KUBERNETES_NAME,
  MAX_DURATION_SECONDS,
  MIN_DURATION_SECONDS,
  SOURCE_IDENTITY_KINDS,
  type SourceIdentityKind,
} from '../functions/shared/domain/cluster-identity.js';
import { parseWorkspaceNamespaces } from '../functions/shared/runtime/cluster-identity-settings.js';
import { parseAccountRules, parseBootstrapRoles, type AccountRule, type TriggerSource } from '../functions/shared/domain/account-rules.js';

export type GrantMode = 'path' | 'per-role';

export interface OnboardingConfig {
  /** Account whose root every provider role trusts; undefined means the stack's own account. */
  readonly managementAccountId: string | undefined;
  readonly managementRoleName: string;
  readonly bootstrapRoleName: string;
  readonly rolePath: string;
  readonly roleNamePrefix: string;
  readonly defaultWorkspace: string;
  readonly grantMode: GrantMode;
  readonly verifyTimeoutSeconds: number;
  /** How long a rotated-out External ID stays accepted unless the caller confirms earlier (1-604800 s). */
  readonly rotationGraceSeconds: number;
  /** The cluster identity's spec.durationSeconds (900-43200). */
  readonly clusterIdentityDurationSeconds: number;
  /** The cluster identity's spec.sourceIdentityRef. */
  readonly clusterIdentitySourceKind: SourceIdentityKind;
  readonly clusterIdentitySourceName: string;
  /** Namespaces allowed to use a workspace's cluster identities; a workspace not listed gets its own name. */
  readonly workspaceNamespaces: Readonly<Record<string, string[]>>;
  /** Where new accounts go: ordered rules, first match wins, else defaultWorkspace (functions/shared/domain/account-rules.ts). */
  readonly newAccountRules: readonly AccountRule[];
  /** The bootstrap role onboarding assumes in an account announced by each source; organizations defaults to bootstrapRoleName. */
  readonly bootstrapRoles: Readonly<Record<TriggerSource, string>>;
}

export const CONFIG_DEFAULTS = {
  managementRoleName: 'capa-management',
  bootstrapRoleName: 'OrganizationAccountAccessRole',
  rolePath: '/capa-providers/',
  roleNamePrefix: 'capa-',
  defaultWorkspace: 'default',
  grantMode: 'path',
  verifyTimeoutSeconds: 120,
  clusterIdentityDurationSeconds: 3600,
  rotationGraceSeconds: 86_400,
  clusterIdentitySourceKind: 'AWSClusterControllerIdentity',
  clusterIdentitySourceName: 'default',
  workspaceNamespaces: {},
} as const satisfies Omit<OnboardingConfig, 'managementAccountId' | 'newAccountRules' | 'bootstrapRoles'>;

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Invalid CDK context "${key}": ${problem}`);
    this.name = 'ConfigError';
  }
}

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// Same alphabet as the functions' ROLE_PATH check; the root path "/" is refused because the
// backend's IAM rights are scoped to this path, and "/" would scope them to every role.
const ROLE_PATH = /^\/([\w+=,.@-]+\/)+$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Leaves room in the 64-character role name for "<workspace>-<name>" (hashed when longer).
const ROLE_NAME_PREFIX = /^[\w+=,.@-]{1,32}$/;

type Lookup = (key: string) => unknown;

type StringKey = { [K in keyof typeof CONFIG_DEFAULTS]: (typeof CONFIG_DEFAULTS)[K] extends string ? K : never }[keyof typeof CONFIG_DEFAULTS];

function stringValue(lookup: Lookup, key: StringKey, pattern: RegExp, rule: string): string {
  const raw = lookup(key) ?? CONFIG_DEFAULTS[key];
  if (typeof raw !== 'string' || !pattern.test(raw)) {
    throw new ConfigError(key, `${JSON.stringify(raw)} ${rule}`);
  }
  return raw;
}

/** Reads the onboarding configuration from a construct's context (cdk.json or `-c key=value`). */
export function readConfig(node: Node): OnboardingConfig {
  return parseConfig((key) => node.tryGetContext(key));
}

export function parseConfig(lookup: Lookup): OnboardingConfig {
  const account = lookup('managementAccountId');
  let managementAccountId: string | undefined;
  if (account !== undefined && account !== null && account !== '') {
    // `-c managementAccountId=000000000000` arrives as a string, cdk.json may hold a number.
    const text = typeof account === 'number' ? String(account) : account;
    if (typeof text !== 'string' || !ACCOUNT_ID.test(text)) {
      throw new ConfigError('managementAccountId', `${JSON.stringify(account)} must be a 12-digit AWS account id`);
    }
    managementAccountId = text;
  }

  const grantMode = lookup('grantMode') ?? CONFIG_DEFAULTS.grantMode;
  if (grantMode !== 'path' && grantMode !== 'per-role') {
    throw new ConfigError('grantMode', `${JSON.stringify(grantMode)} must be "path" or "per-role"`);
  }

  const timeoutRaw = lookup('verifyTimeoutSeconds') ?? CONFIG_DEFAULTS.verifyTimeoutSeconds;
  const timeout = typeof timeoutRaw === 'string' && /^\d+$/.test(timeoutRaw.trim()) ? Number(timeoutRaw) : timeoutRaw;
  if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout <= 0) {
    throw new ConfigError('verifyTimeoutSeconds', `${JSON.stringify(timeoutRaw)} must be a positive integer (seconds)`);
  }

  const bootstrapRoleName = stringValue(lookup, 'bootstrapRoleName', ROLE_NAME, 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)');
  return {
    managementAccountId,
    ...clusterIdentityConfig(lookup),
    ...newAccountConfig(lookup, bootstrapRoleName),
    managementRoleName: stringValue(lookup, 'managementRoleName', ROLE_NAME, 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)'),
    bootstrapRoleName,
    rolePath: stringValue(lookup, 'rolePath', ROLE_PATH, 'must be an IAM path below the root that starts and ends with "/", such as /capa-providers/'),
    roleNamePrefix: stringValue(lookup, 'roleNamePrefix', ROLE_NAME_PREFIX, 'must be 1-32 of letters, digits and +=,.@_-'),
    defaultWorkspace: stringValue(lookup, 'defaultWorkspace', DNS_LABEL, 'must be a workspace name (1-63 lower-case letters, digits or hyphens)'),
    grantMode,
    verifyTimeoutSeconds: timeout,
    rotationGraceSeconds: rotationGraceSecondsOf(lookup),
  };
}

/** The rotation state machine's own TimeoutSeconds (10 days) must outlast the grace period. */
export const MAX_ROTATION_GRACE_SECONDS = 604_800;

function rotationGraceSecondsOf(lookup: Lookup): number {
  const raw = lookup('rotationGraceSeconds') ?? CONFIG_DEFAULTS.rotationGraceSeconds;
  const value = integerValue(raw);
  if (value === undefined || value < 1 || value > MAX_ROTATION_GRACE_SECONDS) {
    throw new ConfigError('rotationGraceSeconds', `${JSON.stringify(raw)} must be an integer from 1 to ${MAX_ROTATION_GRACE_SECONDS} (seconds)`);
  }
  return value;
}

/** An integer given as a number (cdk.json) or as digits (`-c key=value`). */
function integerValue(raw: unknown): number | undefined {
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function clusterIdentityConfig(lookup: Lookup) {
  const durationRaw = lookup('clusterIdentityDurationSeconds') ?? CONFIG_DEFAULTS.clusterIdentityDurationSeconds;
  const duration = integerValue(durationRaw);
  if (duration === undefined || duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS) {
    throw new ConfigError('clusterIdentityDurationSeconds', `${JSON.stringify(durationRaw)} must be an integer from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS} (seconds)`);
  }
  const kindRaw = lookup('clusterIdentitySourceKind') ?? CONFIG_DEFAULTS.clusterIdentitySourceKind;
  const kind = SOURCE_IDENTITY_KINDS.find((known) => known === kindRaw);
  if (kind === undefined) {
    throw new ConfigError('clusterIdentitySourceKind', `${JSON.stringify(kindRaw)} must be one of ${SOURCE_IDENTITY_KINDS.join(', ')}`);
  }
  const namespacesRaw = lookup('workspaceNamespaces') ?? CONFIG_DEFAULTS.workspaceNamespaces;
  // `-c workspaceNamespaces='{"payments":["team-payments"]}'` arrives as text.
  let namespaces: unknown = namespacesRaw;
  if (typeof namespacesRaw === 'string') {
    try {
      namespaces = JSON.parse(namespacesRaw);
    } catch {
      namespaces = undefined;
    }
  }
  const workspaceNamespaces = parseWorkspaceNamespaces(namespaces);
  if (workspaceNamespaces === undefined) {
    throw new ConfigError('workspaceNamespaces', `${JSON.stringify(namespacesRaw)} must map workspace names to non-empty lists of namespace names`);
  }
  return {
    clusterIdentityDurationSeconds: duration,
    clusterIdentitySourceKind: kind,
    clusterIdentitySourceName: stringValue(lookup, 'clusterIdentitySourceName', KUBERNETES_NAME, 'must be a Kubernetes object name (lower-case RFC 1123 subdomain)'),
    workspaceNamespaces,
  };
}

/** newAccountRules (default: none, every account to defaultWorkspace) and bootstrapRoles (default: AWS's role names). */
function newAccountConfig(lookup: Lookup, bootstrapRoleName: string) {
  const rules = parseAccountRules(lookup('newAccountRules') ?? []);
  if (!rules.ok) throw new ConfigError('newAccountRules', rules.problem);
  const roles = parseBootstrapRoles(lookup('bootstrapRoles'), bootstrapRoleName);
  if (!roles.ok) throw new ConfigError('bootstrapRoles', roles.problem);
  return { newAccountRules: rules.value, bootstrapRoles: roles.value };
}

/** Every bootstrap role name the backend may assume: the API's default and each trigger source's, once each. */
export function bootstrapRoleNames(config: Pick<OnboardingConfig, 'bootstrapRoleName' | 'bootstrapRoles'>): string[] {
  return [...new Set([config.bootstrapRoleName, config.bootstrapRoles.organizations, config.bootstrapRoles.controltower])];
}
