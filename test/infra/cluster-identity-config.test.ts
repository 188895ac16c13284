// The cluster identity's knobs (CDK context): checked at synth, so a bad value fails `cdk synth`
// with the key's name, and passed to the api function as its environment.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.js';

const fromContext = (context: Record<string, unknown>) => parseConfig((key) => context[key]);

describe('cluster identity configuration', () => {
  it('accepts a duration, a source identity and a namespace mapping, also as `-c` text', () => {
    // Prepare
    const context = {
      clusterIdentityDurationSeconds: '43200',
      clusterIdentitySourceKind: 'AWSClusterRoleIdentity',
      clusterIdentitySourceName: 'management.hop',
      workspaceNamespaces: '{"payments":["payments-ns","shared"]}',
    };

    // Act
    const config = fromContext(context);

    // Assess
    expect(config).toMatchObject({
      clusterIdentityDurationSeconds: 43200,
      clusterIdentitySourceKind: 'AWSClusterRoleIdentity',
      clusterIdentitySourceName: 'management.hop',
      workspaceNamespaces: { payments: ['payments-ns', 'shared'] },
    });
  });

  it.each([
    ['clusterIdentityDurationSeconds', 899],
    ['clusterIdentityDurationSeconds', 43201],
    ['clusterIdentityDurationSeconds', '1h'],
    ['clusterIdentitySourceKind', 'AWSClusterIdentity'],
    ['clusterIdentitySourceName', 'Default'],
    ['workspaceNamespaces', { payments: [] }],
    ['workspaceNamespaces', { Payments: ['payments'] }],
    ['workspaceNamespaces', { payments: ['Payments'] }],
    ['workspaceNamespaces', '{not json'],
    ['workspaceNamespaces', ['payments']],
  ])('refuses %s = %j with an error naming the key', (key, value) => {
    // Act
    const read = () => fromContext({ [key]: value });

    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`Invalid CDK context "${key}"`);
  });
});
