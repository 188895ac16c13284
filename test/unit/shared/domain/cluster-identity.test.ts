import { describe, expect, it } from 'vitest';
import {
  clusterIdentityNameOf,
  clusterIdentityOf,
  KUBERNETES_NAME,
  sessionNameOf,
  toYaml,
  type ClusterIdentitySettings,
} from '../../../../functions/shared/domain/cluster-identity.js';
import { providerRecord } from '../../../support/provider-records.js';

const SETTINGS: ClusterIdentitySettings = {
  durationSeconds: 3600,
  sourceIdentity: { kind: 'AWSClusterControllerIdentity', name: 'default' },
  workspaceNamespaces: { search: ['search-team', 'search-ci'] },
};

describe('the cluster identity of a provider', () => {
  it('is an AWSClusterRoleIdentity v1beta2 named <workspace>.<name>, with the role, its External ID and the workspace namespace', () => {
    // Act
    const identity = clusterIdentityOf(providerRecord(), SETTINGS);

    // Assess
    expect(identity).toEqual({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'AWSClusterRoleIdentity',
      metadata: { name: 'payments.dev' },
      spec: {
        roleARN: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
        externalID: 'stored-external-id-7f3a9c1e5b2d4860',
        sessionName: 'capa-payments-dev',
        durationSeconds: 3600,
        sourceIdentityRef: { kind: 'AWSClusterControllerIdentity', name: 'default' },
        allowedNamespaces: { list: ['payments'] },
      },
    });
  });

  it('allows the namespaces the configuration maps the workspace to', () => {
    // Act
    const identity = clusterIdentityOf(providerRecord({ providerId: 'search.dev', workspace: 'search' }), SETTINGS);

    // Assess
    expect(identity.spec.allowedNamespaces).toEqual({ list: ['search-team', 'search-ci'] });
    expect(identity.metadata.name).toBe('search.dev');
  });
});

describe('the identity name', () => {
  it('keeps workspace and name apart, so a-b/c and a/b-c differ', () => {
    // Act
    const names = [clusterIdentityNameOf('a-b', 'c'), clusterIdentityNameOf('a', 'b-c')];

    // Assess
    expect(names).toEqual(['a-b.c', 'a.b-c']);
  });

  it('is a 63-character Kubernetes name for the longest identities, with a hash that tells truncated twins apart', () => {
    // Prepare: the hash is the first 10 hex digits of sha256("<workspace>.<name>")
    const workspace = `w${'x'.repeat(62)}`;

    // Act
    const first = clusterIdentityNameOf(workspace, `${'n'.repeat(62)}1`);
    const second = clusterIdentityNameOf(workspace, `${'n'.repeat(62)}2`);

    // Assess
    expect(first).toBe(`w${'x'.repeat(25)}.${'n'.repeat(25)}.40f2e92fe7`);
    expect(second).toMatch(new RegExp(`^w${'x'.repeat(25)}\\.${'n'.repeat(25)}\\.[0-9a-f]{10}$`));
    expect(second).not.toBe(first);
    expect(first).toHaveLength(63);
    expect(KUBERNETES_NAME.test(first)).toBe(true);
  });

  it('drops a hyphen the truncation leaves at the end of a part, which Kubernetes refuses', () => {
    // Act
    const name = clusterIdentityNameOf(`${'a'.repeat(25)}-${'b'.repeat(37)}`, 'dev');

    // Assess
    expect(name).toMatch(new RegExp(`^${'a'.repeat(25)}\\.dev\\.[0-9a-f]{10}$`));
    expect(KUBERNETES_NAME.test(name)).toBe(true);
  });
});

describe('the session name', () => {
  it('stays within IAM’s 64 characters with a hash suffix', () => {
    // Act
    const name = sessionNameOf('w'.repeat(63), 'n'.repeat(63));

    // Assess
    expect(name).toMatch(new RegExp(`^capa-${'w'.repeat(48)}-[0-9a-f]{10}$`));
    expect(name).toHaveLength(64);
  });
});

describe('the YAML form', () => {
  it('writes the manifest as block YAML with every string double-quoted', () => {
    // Prepare
    const identity = clusterIdentityOf(providerRecord({ externalId: 'a:b #c "d" \\e' }), SETTINGS);

    // Act
    const yaml = toYaml(identity);

    // Assess
    expect(yaml).toBe(
      [
        'apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2"',
        'kind: "AWSClusterRoleIdentity"',
        'metadata:',
        '  name: "payments.dev"',
        'spec:',
        '  roleARN: "arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev"',
        '  externalID: "a:b #c \\"d\\" \\\\e"',
        '  sessionName: "capa-payments-dev"',
        '  durationSeconds: 3600',
        '  sourceIdentityRef:',
        '    kind: "AWSClusterControllerIdentity"',
        '    name: "default"',
        '  allowedNamespaces:',
        '    list:',
        '      - "payments"',
        '',
      ].join('\n'),
    );
  });
});
