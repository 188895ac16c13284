// Where a new account goes: ordered rules match the account's OU (by id, or by the OU names from
// the root) and/or one of its tags, and name a workspace or skip the account; the first match
// wins, and an account no rule matches goes to the default workspace. Which bootstrap role the
// onboarding assumes depends on who created the account (Organizations or Control Tower).
// Pure: the facts are gathered by functions/shared/adapters/account-facts.ts.
import { DNS_LABEL } from './provider.js';

export const TRIGGER_SOURCES = ['organizations', 'controltower'] as const;
/** Who announced the account: Organizations' CreateAccountResult, or Control Tower's Account Factory. */
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

/** What AWS names the role it creates in a new account, by the service that creates it. */
export const DEFAULT_BOOTSTRAP_ROLES: Readonly<Record<TriggerSource, string>> = {
  organizations: 'OrganizationAccountAccessRole',
  controltower: 'AWSControlTowerExecution',
};

export interface OrganizationalUnitFact {
  id: string;
  name: string;
}

/** What the rules look at. */
export interface AccountFacts {
  accountId: string;
  source: TriggerSource;
  /** The OUs from below the root down to the one holding the account, outermost first; [] when the account sits in the root. */
  organizationalUnits: readonly OrganizationalUnitFact[];
  /** The account's tags (Organizations ListTagsForResource). */
  tags: Readonly<Record<string, string>>;
}

/**
 * One rule. Every condition given must hold (at least one is required); the rule then names a
 * workspace, or `skip: true` (the account is not onboarded).
 */
export interface AccountRule {
  /** An OU id: the account is in that OU or in an OU below it. */
  ou?: string;
  /** OU names from the root, "/"-separated (e.g. "Workloads/payments"): the account is in that OU or below it. */
  ouPath?: string;
  /** The account carries this tag with exactly this value. */
  tag?: { key: string; value: string };
  workspace?: string;
  skip?: true;
}

export interface AccountRules {
  rules: readonly AccountRule[];
  defaultWorkspace: string;
  bootstrapRoles: Readonly<Record<TriggerSource, string>>;
}

/** `rule` is the matching rule's 0-based position in the list (absent: no rule matched, the default workspace). */
export type Placement =
  | { action: 'onboard'; workspace: string; bootstrapRoleName: string; rule?: number }
  | { action: 'skip'; rule: number };

function matches(rule: AccountRule, facts: AccountFacts): boolean {
  if (rule.ou !== undefined && !facts.organizationalUnits.some((unit) => unit.id === rule.ou)) return false;
  if (rule.ouPath !== undefined) {
    const wanted = rule.ouPath.split('/');
    if (wanted.some((name, level) => facts.organizationalUnits[level]?.name !== name)) return false;
  }
  if (rule.tag !== undefined && facts.tags[rule.tag.key] !== rule.tag.value) return false;
  return true;
}

/** Where the account goes: the first matching rule's workspace (or skip), else the default workspace. */
export function placeAccount(rules: AccountRules, facts: AccountFacts): Placement {
  const index = rules.rules.findIndex((rule) => matches(rule, facts));
  const rule = rules.rules[index];
  if (rule?.skip === true) return { action: 'skip', rule: index };
  return {
    action: 'onboard',
    workspace: rule?.workspace ?? rules.defaultWorkspace,
    bootstrapRoleName: rules.bootstrapRoles[facts.source],
    ...(rule !== undefined ? { rule: index } : {}),
  };
}

/** Whether any rule looks at OUs (the facts then need the OU path) or tags. */
export function rulesNeed(rules: readonly AccountRule[]): { organizationalUnits: boolean; tags: boolean } {
  return {
    organizationalUnits: rules.some((rule) => rule.ou !== undefined || rule.ouPath !== undefined),
    tags: rules.some((rule) => rule.tag !== undefined),
  };
}

// ---- configuration ------------------------------------------------------------------------

const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const RULE_KEYS = new Set(['ou', 'ouPath', 'tag', 'workspace', 'skip']);

/** A configuration problem: what is wrong, naming the rule's position. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

function ruleProblem(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'must be an object';
  const rule = raw as Record<string, unknown>;
  const unknown = Object.keys(rule).filter((key) => !RULE_KEYS.has(key));
  if (unknown.length > 0) return `has unknown key(s) ${unknown.join(', ')} (known: ${[...RULE_KEYS].join(', ')})`;
  if (rule.ou === undefined && rule.ouPath === undefined && rule.tag === undefined) return 'needs at least one of ou, ouPath, tag';
  if (rule.ou !== undefined && (typeof rule.ou !== 'string' || !OU_ID.test(rule.ou))) return 'ou must be an OU id such as ou-ab12-cd34ef56';
  if (rule.ouPath !== undefined && !(typeof rule.ouPath === 'string' && rule.ouPath.split('/').every((name) => name.length >= 1 && name.length <= 128))) {
    return 'ouPath must be OU names from the root separated by "/", such as Workloads/payments';
  }
  if (rule.tag !== undefined) {
    const tag = rule.tag as Record<string, unknown> | null;
    const keyOk = typeof tag?.key === 'string' && tag.key.length >= 1 && tag.key.length <= 128;
    const valueOk = typeof tag?.value === 'string' && tag.value.length <= 256;
    if (!keyOk || !valueOk || Object.keys(tag ?? {}).length !== 2) return 'tag must be {"key": "<1-128 characters>", "value": "<0-256 characters>"}';
  }
  if ((rule.workspace === undefined) === (rule.skip === undefined)) return 'needs exactly one of workspace, skip';
  if (rule.skip !== undefined && rule.skip !== true) return 'skip must be true';
  if (rule.workspace !== undefined && (typeof rule.workspace !== 'string' || !DNS_LABEL.test(rule.workspace))) {
    return 'workspace must be a workspace name (1-63 lower-case letters, digits or hyphens)';
  }
  return undefined;
}

/** The rules list (an array, or its JSON text as `-c` and environment variables carry it). */
export function parseAccountRules(raw: unknown): ParseResult<AccountRule[]> {
  const value = jsonOf(raw);
  if (!Array.isArray(value)) return { ok: false, problem: `${JSON.stringify(raw)} must be a list of rules` };
  for (const [index, rule] of value.entries()) {
    const problem = ruleProblem(rule);
    if (problem !== undefined) return { ok: false, problem: `rule ${index} (${JSON.stringify(rule)}) ${problem}` };
  }
  return { ok: true, value: value as AccountRule[] };
}

/**
 * The bootstrap role per trigger source: `organizationsDefault` (the deployment's
 * bootstrapRoleName) for Organizations, AWSControlTowerExecution for Control Tower, unless given.
 */
export function parseBootstrapRoles(raw: unknown, organizationsDefault: string): ParseResult<Record<TriggerSource, string>> {
  const value = raw === undefined || raw === null ? {} : jsonOf(raw);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: `${JSON.stringify(raw)} must map ${TRIGGER_SOURCES.join(', ')} to IAM role names` };
  }
  const given = value as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => !(TRIGGER_SOURCES as readonly string[]).includes(key));
  if (unknown.length > 0) return { ok: false, problem: `has unknown source(s) ${unknown.join(', ')} (known: ${TRIGGER_SOURCES.join(', ')})` };
  const roles = { organizations: given.organizations ?? organizationsDefault, controltower: given.controltower ?? DEFAULT_BOOTSTRAP_ROLES.controltower };
  for (const source of TRIGGER_SOURCES) {
    const name = roles[source];
    if (typeof name !== 'string' || !ROLE_NAME.test(name)) {
      return { ok: false, problem: `${source}: ${JSON.stringify(name)} must be an IAM role name (1-64 of letters, digits and +=,.@_-)` };
    }
  }
  return { ok: true, value: roles as Record<TriggerSource, string> };
}

function jsonOf(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
