// newAccountRules and bootstrapRoles in the CDK context: read at synth, and a bad value fails
// `cdk synth` with a ConfigError naming the key; with rules, the account-trigger may read (only)
// what they look at from Organizations.
import { describe, expect, it } from 'vitest';
import { AwsSolutionsChecks } from 'cdk-nag';
import { bootstrapRoleNames, ConfigError, parseConfig } from '../../lib/config.js';
import { grantsOf, newStack, statementsOfRole, synth } from './synth.js';

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

describe('account-trigger with new-account rules', () => {
  const rules = [
    { ouPath: 'Workloads/payments', workspace: 'payments' },
    { tag: { key: 'capa', value: 'off' }, skip: true },
  ];
  const organizations = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':organizations::', { Ref: 'AWS::AccountId' }, rest]] });

  it('may read the OU path and the tags of accounts, read-only (also without rules, for rules given to its environment)', () => {
    // Prepare
    const s = synth();
    // Act
    const grants = grantsOf(statementsOfRole(s, s.stack.triggers.handler.role)).filter((grant) => grant.startsWith('organizations:'));
    // Assess
    expect(grants.sort()).toEqual(
      [
        `organizations:DescribeOrganizationalUnit -> ${JSON.stringify(organizations(':account/o-*/*'))}`,
        `organizations:DescribeOrganizationalUnit -> ${JSON.stringify(organizations(':ou/o-*/ou-*'))}`,
        `organizations:ListParents -> ${JSON.stringify(organizations(':account/o-*/*'))}`,
        `organizations:ListParents -> ${JSON.stringify(organizations(':ou/o-*/ou-*'))}`,
        `organizations:ListTagsForResource -> ${JSON.stringify(organizations(':account/o-*/*'))}`,
      ].sort(),
    );
  });

  it('hands the rules and the per-source bootstrap roles to the function as JSON', () => {
    // Prepare
    const s = synth({ newAccountRules: rules, bootstrapRoles: { controltower: 'CustomExecution' } });
    // Act
    const fn = Object.values(s.resources).find((resource) => resource.Type === 'AWS::Lambda::Function' && JSON.stringify(resource.Properties).includes('NEW_ACCOUNT_RULES'));
    const variables = (fn?.Properties as { Environment: { Variables: Record<string, string> } }).Environment.Variables;
    // Assess
    expect(JSON.parse(variables.NEW_ACCOUNT_RULES!)).toEqual(rules);
    expect(JSON.parse(variables.BOOTSTRAP_ROLES!)).toEqual({ organizations: 'OrganizationAccountAccessRole', controltower: 'CustomExecution' });
  });

  it('stays clean under cdk-nag: the Organizations wildcards are acknowledged exactly', () => {
    // Prepare
    const { app } = newStack({ newAccountRules: rules, bootstrapRoles: { controltower: 'CustomExecution' } });
    // Act
    const findings = new AwsSolutionsChecks(app).validateScope(app).violations.map((violation) => violation.ruleName);
    // Assess
    expect(findings).toEqual([]);
  });
});
