import { describe, expect, it } from 'vitest';
import { clusterIdentitySettingsFromEnv } from '../../../../functions/shared/runtime/cluster-identity-settings.js';
import { InvalidEnvironment } from '../../../../functions/shared/runtime/env.js';

describe('cluster identity settings from the environment', () => {
  it('defaults to one hour, the controller identity "default" and no namespace mapping', () => {
    // Act
    const settings = clusterIdentitySettingsFromEnv({});

    // Assess
    expect(settings).toEqual({
      durationSeconds: 3600,
      sourceIdentity: { kind: 'AWSClusterControllerIdentity', name: 'default' },
      workspaceNamespaces: {},
    });
  });

  it('reads every variable the stack sets', () => {
    // Act
    const settings = clusterIdentitySettingsFromEnv({
      CLUSTER_IDENTITY_DURATION_SECONDS: '900',
      CLUSTER_IDENTITY_SOURCE_KIND: 'AWSClusterStaticIdentity',
      CLUSTER_IDENTITY_SOURCE_NAME: 'static-keys',
      WORKSPACE_NAMESPACES: '{"payments":["payments-team"]}',
    });

    // Assess
    expect(settings).toEqual({
      durationSeconds: 900,
      sourceIdentity: { kind: 'AWSClusterStaticIdentity', name: 'static-keys' },
      workspaceNamespaces: { payments: ['payments-team'] },
    });
  });

  it('refuses every invalid variable at once, naming each', () => {
    // Prepare
    const env = {
      CLUSTER_IDENTITY_DURATION_SECONDS: '43201',
      CLUSTER_IDENTITY_SOURCE_KIND: 'AWSClusterIdentity',
      CLUSTER_IDENTITY_SOURCE_NAME: 'Default',
      WORKSPACE_NAMESPACES: '{"payments":[]}',
    };

    // Act
    const read = () => clusterIdentitySettingsFromEnv(env);

    // Assess
    expect(read).toThrow(InvalidEnvironment);
    expect(read).toThrow(
      'Invalid environment: CLUSTER_IDENTITY_DURATION_SECONDS must be an integer from 900 to 43200; ' +
        'CLUSTER_IDENTITY_SOURCE_KIND must be one of AWSClusterControllerIdentity, AWSClusterRoleIdentity, AWSClusterStaticIdentity; ' +
        'CLUSTER_IDENTITY_SOURCE_NAME must be a Kubernetes object name; ' +
        'WORKSPACE_NAMESPACES must be a JSON object mapping workspaces to non-empty lists of namespaces',
    );
  });

  it.each([['899'], ['1e3'], [' 900']])('refuses a duration of %j', (value) => {
    // Act
    const read = () => clusterIdentitySettingsFromEnv({ CLUSTER_IDENTITY_DURATION_SECONDS: value });

    // Assess
    expect(read).toThrow('CLUSTER_IDENTITY_DURATION_SECONDS must be an integer from 900 to 43200');
  });

  it('refuses namespace mappings that are not JSON', () => {
    // Act
    const read = () => clusterIdentitySettingsFromEnv({ WORKSPACE_NAMESPACES: '{payments' });

    // Assess
    expect(read).toThrow('WORKSPACE_NAMESPACES must be a JSON object');
  });
});
