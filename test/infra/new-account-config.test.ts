// newAccountRules and bootstrapRoles in the CDK context: read at synth, and a bad value fails
// `cdk synth` with a ConfigError naming the key.
import { describe, expect, it } from 'vitest';
import { bootstrapRoleNames, ConfigError, parseConfig } from '../../lib/config.js';

const fromContext = (context: Record<string, unknown>) => parseConfig((key) => context[key]);

describe('new-account configuration', () => {
  it('reads the rules and the per-source bootstrap roles, Organizations following bootstrapRoleName', () => {
    // Prepare
    const context = {
      bootstrapRoleName: 'LegacyBootstrap',
      newAccountRules: '[{"ouPath":"Workloads/payments","workspace":"payments"},{"tag":{"key":"capa","value":"off"},"skip":true}]',
    };
    // Act
    const config = fromContext(context);
    // Assess
    expect(config.newAccountRules).toEqual([
      { ouPath: 'Workloads/payments', workspace: 'payments' },
      { tag: { key: 'capa', value: 'off' }, skip: true },
    ]);
    expect(config.bootstrapRoles).toEqual({ organizations: 'LegacyBootstrap', controltower: 'AWSControlTowerExecution' });
    expect(bootstrapRoleNames(config)).toEqual(['LegacyBootstrap', 'AWSControlTowerExecution']);
  });

  it('lists a separately configured Organizations role beside the API default, each name once', () => {
    // Prepare
    const context = { bootstrapRoles: { organizations: 'OrgBootstrap', controltower: 'AWSControlTowerExecution' } };
    // Act
    const names = bootstrapRoleNames(fromContext(context));
    // Assess
    expect(names).toEqual(['OrganizationAccountAccessRole', 'OrgBootstrap', 'AWSControlTowerExecution']);
  });

  it.each([
    ['newAccountRules', [{ workspace: 'payments' }], 'Invalid CDK context "newAccountRules": rule 0 ({"workspace":"payments"}) needs at least one of ou, ouPath, tag'],
    ['newAccountRules', 'not json', 'Invalid CDK context "newAccountRules": "not json" must be a list of rules'],
    ['bootstrapRoles', { controltower: '' }, 'Invalid CDK context "bootstrapRoles": controltower: "" must be an IAM role name (1-64 of letters, digits and +=,.@_-)'],
  ])('refuses a bad %s with a ConfigError naming the key', (key, value, message) => {
    // Act
    const parse = () => fromContext({ [key]: value });
    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });
});
