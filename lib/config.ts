// The deployment's knobs (CDK context, see docs/CONTRACTS.md), read and validated once so a bad
// value fails `cdk synth` with the key's name instead of surfacing as a broken onboarding later.
import type { Node } from 'constructs';

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
}

export const CONFIG_DEFAULTS = {
  managementRoleName: 'capa-management',
  bootstrapRoleName: 'OrganizationAccountAccessRole',
  rolePath: '/capa-providers/',
  roleNamePrefix: 'capa-',
  defaultWorkspace: 'default',
  grantMode: 'path',
  verifyTimeoutSeconds: 120,
} as const satisfies Omit<OnboardingConfig, 'managementAccountId'>;

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

function stringValue(lookup: Lookup, key: keyof typeof CONFIG_DEFAULTS, pattern: RegExp, rule: string): string {
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

  return {
    managementAccountId,
    managementRoleName: stringValue(lookup, 'managementRoleName', ROLE_NAME, 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)'),
    bootstrapRoleName: stringValue(lookup, 'bootstrapRoleName', ROLE_NAME, 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)'),
    rolePath: stringValue(lookup, 'rolePath', ROLE_PATH, 'must be an IAM path below the root that starts and ends with "/", such as /capa-providers/'),
    roleNamePrefix: stringValue(lookup, 'roleNamePrefix', ROLE_NAME_PREFIX, 'must be 1-32 of letters, digits and +=,.@_-'),
    defaultWorkspace: stringValue(lookup, 'defaultWorkspace', DNS_LABEL, 'must be a workspace name (1-63 lower-case letters, digits or hyphens)'),
    grantMode,
    verifyTimeoutSeconds: timeout,
  };
}
