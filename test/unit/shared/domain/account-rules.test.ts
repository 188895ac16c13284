// Where a new account goes: first matching rule (OU id, OU path of names, tag; all conditions of
// a rule at once), skip, the default workspace, and the bootstrap role by trigger source; and the
// configuration checks that make a bad rule fail `cdk synth`.
import { describe, expect, it } from 'vitest';
import {
  parseAccountRules,
  parseBootstrapRoles,
  placeAccount,
  type AccountFacts,
  type AccountRules,
} from '../../../../functions/shared/domain/account-rules.js';

const ROLES = { organizations: 'OrganizationAccountAccessRole', controltower: 'AWSControlTowerExecution' };

const facts = (overrides: Partial<AccountFacts> = {}): AccountFacts => ({
  accountId: '222233334444',
  source: 'organizations',
  organizationalUnits: [
    { id: 'ou-ab12-workload', name: 'Workloads' },
    { id: 'ou-ab12-payments', name: 'payments' },
  ],
  tags: { team: 'payments' },
  ...overrides,
});

const rules = (list: AccountRules['rules']): AccountRules => ({ rules: list, defaultWorkspace: 'default', bootstrapRoles: ROLES });

describe('placeAccount', () => {
  it('sends an account no rule matches to the default workspace with the source bootstrap role', () => {
    // Act
    const placement = placeAccount(rules([{ ou: 'ou-ab12-elsewhere', workspace: 'other' }]), facts());
    // Assess
    expect(placement).toEqual({ action: 'onboard', workspace: 'default', bootstrapRoleName: 'OrganizationAccountAccessRole' });
  });

  it('matches an OU id anywhere on the account path, so a parent OU covers the OUs below it', () => {
    // Act
    const placement = placeAccount(rules([{ ou: 'ou-ab12-workload', workspace: 'workloads' }]), facts());
    // Assess
    expect(placement).toEqual({ action: 'onboard', workspace: 'workloads', bootstrapRoleName: 'OrganizationAccountAccessRole', rule: 0 });
  });

  it('matches an OU path of names from the root as a prefix of the account path, never a partial name or another branch', () => {
    // Prepare
    const list = rules([
      { ouPath: 'Workloads/pay', workspace: 'partial' },
      { ouPath: 'payments', workspace: 'not-from-root' },
      { ouPath: 'Workloads/payments', workspace: 'payments' },
    ]);
    // Act
    const placement = placeAccount(list, facts());
    // Assess
    expect(placement).toEqual({ action: 'onboard', workspace: 'payments', bootstrapRoleName: 'OrganizationAccountAccessRole', rule: 2 });
  });

  it('lets the first matching rule win, and a skip rule stop the account from onboarding', () => {
    // Prepare
    const list = rules([
      { tag: { key: 'capa', value: 'skip' }, skip: true },
      { ouPath: 'Workloads', workspace: 'workloads' },
      { ouPath: 'Workloads/payments', workspace: 'payments' },
    ]);
    // Act
    const skipped = placeAccount(list, facts({ tags: { capa: 'skip' } }));
    const firstMatch = placeAccount(list, facts());
    // Assess
    expect(skipped).toEqual({ action: 'skip', rule: 0 });
    expect(firstMatch).toEqual({ action: 'onboard', workspace: 'workloads', bootstrapRoleName: 'OrganizationAccountAccessRole', rule: 1 });
  });

  it('requires every condition of a rule: OU and tag together', () => {
    // Prepare
    const list = rules([{ ouPath: 'Workloads', tag: { key: 'team', value: 'search' }, workspace: 'search' }]);
    // Act
    const otherTeam = placeAccount(list, facts());
    const search = placeAccount(list, facts({ tags: { team: 'search' } }));
    const searchOutsideOu = placeAccount(list, facts({ tags: { team: 'search' }, organizationalUnits: [] }));
    // Assess
    expect(otherTeam).toMatchObject({ action: 'onboard', workspace: 'default' });
    expect(search).toMatchObject({ action: 'onboard', workspace: 'search', rule: 0 });
    expect(searchOutsideOu).toMatchObject({ action: 'onboard', workspace: 'default' });
  });

  it('picks the bootstrap role of the trigger source: AWSControlTowerExecution for Control Tower', () => {
    // Act
    const placement = placeAccount(rules([]), facts({ source: 'controltower' }));
    // Assess
    expect(placement).toEqual({ action: 'onboard', workspace: 'default', bootstrapRoleName: 'AWSControlTowerExecution' });
  });
});

describe('parseAccountRules', () => {
  it('accepts rules as a list or as its JSON text (as `-c` passes it)', () => {
    // Prepare
    const list = [{ ou: 'ou-ab12-cd34ef56', workspace: 'payments' }, { tag: { key: 'capa', value: 'off' }, skip: true }];
    // Act
    const fromList = parseAccountRules(list);
    const fromText = parseAccountRules(JSON.stringify(list));
    // Assess
    expect(fromList).toEqual({ ok: true, value: list });
    expect(fromText).toEqual({ ok: true, value: list });
  });

  it.each([
    ['not a list', { ou: 'ou-ab12-cd34ef56', workspace: 'x' }, 'must be a list of rules'],
    ['no condition', [{ workspace: 'x' }], 'rule 0 ({"workspace":"x"}) needs at least one of ou, ouPath, tag'],
    ['bad OU id', [{ ou: 'payments', workspace: 'x' }], 'ou must be an OU id such as ou-ab12-cd34ef56'],
    ['empty OU name in a path', [{ ouPath: 'Workloads//payments', workspace: 'x' }], 'ouPath must be OU names from the root'],
    ['tag without value', [{ tag: { key: 'team' }, workspace: 'x' }], 'tag must be {"key"'],
    ['workspace and skip', [{ ou: 'ou-ab12-cd34ef56', workspace: 'x', skip: true }], 'needs exactly one of workspace, skip'],
    ['neither workspace nor skip', [{ ou: 'ou-ab12-cd34ef56' }], 'needs exactly one of workspace, skip'],
    ['skip false', [{ ou: 'ou-ab12-cd34ef56', skip: false }], 'skip must be true'],
    ['bad workspace', [{ ou: 'ou-ab12-cd34ef56', workspace: 'Payments' }], 'workspace must be a workspace name'],
    ['unknown key', [{ ou: 'ou-ab12-cd34ef56', workspace: 'x', account: '1' }], 'has unknown key(s) account'],
    ['second rule bad', [{ ou: 'ou-ab12-cd34ef56', workspace: 'x' }, null], 'rule 1 (null) must be an object'],
  ])('refuses %s, naming the problem', (_case, raw, problem) => {
    // Act
    const result = parseAccountRules(raw);
    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain(problem);
  });
});

describe('parseBootstrapRoles', () => {
  it("defaults Organizations to the deployment's bootstrapRoleName and Control Tower to AWSControlTowerExecution", () => {
    // Act
    const roles = parseBootstrapRoles(undefined, 'LegacyBootstrap');
    // Assess
    expect(roles).toEqual({ ok: true, value: { organizations: 'LegacyBootstrap', controltower: 'AWSControlTowerExecution' } });
  });

  it('takes overrides per source and refuses unknown sources and bad role names', () => {
    // Act
    const overridden = parseBootstrapRoles('{"controltower":"CustomExecution"}', 'OrganizationAccountAccessRole');
    const unknownSource = parseBootstrapRoles({ cloudformation: 'x' }, 'OrganizationAccountAccessRole');
    const badName = parseBootstrapRoles({ organizations: 'bad name' }, 'OrganizationAccountAccessRole');
    // Assess
    expect(overridden).toEqual({ ok: true, value: { organizations: 'OrganizationAccountAccessRole', controltower: 'CustomExecution' } });
    expect(unknownSource).toEqual({ ok: false, problem: 'has unknown source(s) cloudformation (known: organizations, controltower)' });
    expect(badName).toEqual({ ok: false, problem: 'organizations: "bad name" must be an IAM role name (1-64 of letters, digits and +=,.@_-)' });
  });
});
