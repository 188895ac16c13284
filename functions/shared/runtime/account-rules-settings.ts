// The account-trigger's placement settings, validated when its module loads: the rules and the
// bootstrap role per source arrive as JSON (NEW_ACCOUNT_RULES, BOOTSTRAP_ROLES), written by the
// stack from the same CDK context that `cdk synth` already checked.
import { DEFAULT_BOOTSTRAP_ROLES, parseAccountRules, parseBootstrapRoles, type AccountRules } from '../domain/account-rules.js';
import { InvalidEnvironment, nonEmpty, readEnv, type EnvParser } from './env.js';

const accountRules: EnvParser<AccountRules['rules']> = (value, name) => {
  const parsed = parseAccountRules(value ?? '[]');
  if (!parsed.ok) throw new InvalidEnvironment(`${name}: ${parsed.problem}`);
  return parsed.value;
};

/** Unset: AWS's own names (the stack always sets it, from bootstrapRoles and bootstrapRoleName). */
const bootstrapRoles: EnvParser<AccountRules['bootstrapRoles']> = (value, name) => {
  const parsed = parseBootstrapRoles(value || undefined, DEFAULT_BOOTSTRAP_ROLES.organizations);
  if (!parsed.ok) throw new InvalidEnvironment(`${name}: ${parsed.problem}`);
  return parsed.value;
};

export function accountRulesFromEnv(source: NodeJS.ProcessEnv = process.env): AccountRules {
  const env = readEnv({ DEFAULT_WORKSPACE: nonEmpty, NEW_ACCOUNT_RULES: accountRules, BOOTSTRAP_ROLES: bootstrapRoles }, source);
  return { rules: env.NEW_ACCOUNT_RULES, defaultWorkspace: env.DEFAULT_WORKSPACE, bootstrapRoles: env.BOOTSTRAP_ROLES };
}
