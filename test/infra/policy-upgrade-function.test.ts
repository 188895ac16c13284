// The upgrade-provider-policy function as its builder makes it (the rollout's stack wiring invokes
// it): the environment its handler reads, and least privilege (registry read/write, the bootstrap
// and provider roles, the provider bus).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { policyUpgradeFunction } from '../../lib/constructs/policy-upgrade-function.js';
import { ProviderEvents } from '../../lib/constructs/provider-events.js';
import { Registry } from '../../lib/constructs/registry.js';
import { getAtt, grantsOf, statementsOfRole, type Synthesized } from './synth.js';

function synthesized() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'PolicyUpgrade');
  const registry = new Registry(stack, 'Registry');
  const events = new ProviderEvents(stack, 'ProviderEvents');
  const upgrade = policyUpgradeFunction(stack, 'UpgradeProviderPolicy', {
    config: parseConfig(() => undefined),
    registry,
    bus: events.bus,
    bootstrapRoleArns: 'arn:aws:iam::*:role/OrganizationAccountAccessRole',
    providerRoleArns: 'arn:aws:iam::*:role/capa-providers/*',
  });
  const template = Template.fromStack(stack);
  const s = { template, resources: template.toJSON().Resources } as unknown as Synthesized;
  return { s, upgrade, registry, events };
}

describe('upgrade-provider-policy function', () => {
  const { s, upgrade, registry, events } = synthesized();

  it('gets the environment its handler validates, and a 60 s timeout', () => {
    // Prepare
    const logicalId = Stack.of(upgrade).getLogicalId(upgrade.function.node.defaultChild as never);

    // Act
    const properties = s.resources[logicalId]?.Properties as { Environment: { Variables: Record<string, unknown> }; Timeout: number; Handler: string };

    // Assess
    expect(properties.Timeout).toBe(60);
    expect(properties.Environment.Variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      PARTITION: { Ref: 'AWS::Partition' },
      TABLE_NAME: { Ref: Stack.of(registry).getLogicalId(registry.table.node.defaultChild as never) },
      BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
      EVENT_BUS_NAME: { Ref: Stack.of(events).getLogicalId(events.bus.node.defaultChild as never) },
      EVENT_SOURCE: 'capa-provider-onboarding',
    });
  });

  it('may read and conditionally update providers, assume the bootstrap and provider roles, and put events on the provider bus: nothing else', () => {
    // Prepare
    const expected = [
      `logs:CreateLogStream -> ${JSON.stringify(getAtt(upgrade.logGroup))}`,
      `logs:PutLogEvents -> ${JSON.stringify(getAtt(upgrade.logGroup))}`,
      `dynamodb:GetItem -> ${JSON.stringify(getAtt(registry.table))}`,
      `dynamodb:UpdateItem -> ${JSON.stringify(getAtt(registry.table))}`,
      'sts:AssumeRole -> "arn:aws:iam::*:role/OrganizationAccountAccessRole"',
      'sts:AssumeRole -> "arn:aws:iam::*:role/capa-providers/*"',
      `events:PutEvents -> ${JSON.stringify(getAtt(events.bus))}`,
      'xray:PutTraceSegments -> "*"',
      'xray:PutTelemetryRecords -> "*"',
    ];

    // Act
    const grants = grantsOf(statementsOfRole(s, upgrade.role));

    // Assess
    expect(grants.sort()).toEqual(expected.sort());
  });
});
