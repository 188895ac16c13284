import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ConfigError, parseConfig } from '../../lib/config.js';
import { newStack } from './synth.js';

const fromContext = (context: Record<string, unknown>) => parseConfig((key) => context[key]);

describe('configuration (CDK context)', () => {
  it('defaults to the values of docs/CONTRACTS.md, with the stack account as management account', () => {
    // Prepare
    const context = {};

    // Act
    const config = fromContext(context);

    // Assess
    expect(config).toEqual({
      managementAccountId: undefined,
      managementRoleName: 'capa-management',
      bootstrapRoleName: 'OrganizationAccountAccessRole',
      rolePath: '/capa-providers/',
      roleNamePrefix: 'capa-',
      defaultWorkspace: 'default',
      grantMode: 'path',
      verifyTimeoutSeconds: 120,
      rotationGraceSeconds: 86_400,
      clusterIdentityDurationSeconds: 3600,
      clusterIdentitySourceKind: 'AWSClusterControllerIdentity',
      clusterIdentitySourceName: 'default',
      workspaceNamespaces: {},
      newAccountRules: [],
      bootstrapRoles: { organizations: 'OrganizationAccountAccessRole', controltower: 'AWSControlTowerExecution' },
    });
  });

  it('spells out every default in cdk.json so users see the knobs', () => {
    // Prepare
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown>; assetMetadata?: boolean };

    // Act
    const config = fromContext(cdkJson.context);

    // Assess
    expect(cdkJson.context).toMatchObject(CONFIG_DEFAULTS);
    expect(config).toMatchObject(CONFIG_DEFAULTS);
    // The local cloud finds bundles through aws:asset:path; it must not be switched off.
    expect(cdkJson.assetMetadata).not.toBe(false);
  });

  it('accepts `-c` strings: account id and timeout as text', () => {
    // Prepare
    const context = { managementAccountId: '111122223333', verifyTimeoutSeconds: '300', grantMode: 'per-role' };

    // Act
    const config = fromContext(context);

    // Assess
    expect(config).toMatchObject({ managementAccountId: '111122223333', verifyTimeoutSeconds: 300, grantMode: 'per-role' });
  });

  it.each([
    ['managementAccountId', '12345'],
    ['managementAccountId', 'abcdefghijkl'],
    ['managementAccountId', 1234567890123],
    ['managementRoleName', 'bad role name'],
    ['managementRoleName', 'x'.repeat(65)],
    ['bootstrapRoleName', ''],
    ['rolePath', 'capa-providers'],
    ['rolePath', '/capa-providers'],
    ['rolePath', '/'],
    ['rolePath', '//'],
    ['roleNamePrefix', ''],
    ['roleNamePrefix', 'has space'],
    ['defaultWorkspace', 'Default'],
    ['defaultWorkspace', '-x'],
    ['grantMode', 'account'],
    ['verifyTimeoutSeconds', 0],
    ['verifyTimeoutSeconds', -5],
    ['verifyTimeoutSeconds', 1.5],
    ['verifyTimeoutSeconds', 'soon'],
  ])('refuses %s = %j with an error naming the key', (key, value) => {
    // Prepare
    const context = { [key]: value };

    // Act
    const read = () => fromContext(context);

    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`Invalid CDK context "${key}"`);
  });

  it('fails the synth of the stack on a bad context value', () => {
    // Prepare
    const context = { rolePath: 'no-slashes' };

    // Act
    const build = () => newStack(context);

    // Assess
    expect(build).toThrow(/Invalid CDK context "rolePath": "no-slashes" must be an IAM path/);
  });
});
