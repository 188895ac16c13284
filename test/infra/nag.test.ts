// cdk-nag v3 runs as a policy-validation plugin; `validateScope` runs the same checks directly and
// returns the unacknowledged findings (acknowledged ones are never reported).
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { newStack } from './synth.js';

function findingsOf(scope: IConstruct) {
  return new AwsSolutionsChecks(scope).validateScope(scope).violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity,
    resources: v.violatingResources.map((r) => r.constructPath),
  }));
}

function acknowledgementsOf(root: IConstruct): Array<{ path: string; id: string; reason: unknown }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged errors or warnings for the stack', () => {
    // Prepare
    const { app } = newStack();

    // Act
    const findings = findingsOf(app);

    // Assess
    expect(findings).toEqual([]);
  });

  it('stays clean with another role path and bootstrap role (acknowledgements follow the configuration)', () => {
    // Prepare
    const { app } = newStack({ rolePath: '/platform/capa/', bootstrapRoleName: 'AWSControlTowerExecution' });

    // Act
    const findings = findingsOf(app);

    // Assess
    expect(findings).toEqual([]);
  });

  it('still reports a new wildcard: acknowledgements are scoped to the exact finding', () => {
    // Prepare
    const { app, stack } = newStack();
    stack.workflow.createRole.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:CreateRole'], resources: ['arn:aws:iam::*:role/*'] }));

    // Act
    const findings = findingsOf(app);

    // Assess
    expect(findings).toEqual([
      {
        rule: 'AwsSolutions-IAM5[Resource::arn:aws:iam::*:role/*]',
        severity: 'error',
        resources: ['CapaProviderOnboarding/OnboardingWorkflow/CreateRole/Role/DefaultPolicy/Resource'],
      },
    ]);
  });

  it('gives every acknowledgement a reason and scopes none to the whole app or stack', () => {
    // Prepare
    const { app } = newStack();

    // Act
    const acknowledgements = acknowledgementsOf(app);

    // Assess
    // 21 functions x (L1 + IAM5 on "*": X-Ray, and the reconcile's Organizations listings), IAM5 on 11 role ARN patterns (check-provider and rotation: bootstrap and
    // provider roles) plus 8 for the Control Tower bootstrap role (the 8 functions that assume bootstrap roles), 2 for account-trigger's
    // Organizations reads (accounts, OUs), on the five state machines' log delivery and on their executions (api,
    // account-trigger, repair-provider; api for offboarding; account-departure and reconcile-organization for both; the
    // sweep's Distributed Map on its child executions), IAM4 + COG4 + APIG3 on the API, SQS3 on the four dead-letter queues. The policy rollout
    // adds 17: 5 functions x (L1 + IAM5 on X-Ray), the upgrade function's two bootstrap and one provider role patterns, the
    // rollout state machine's log delivery, its executions (api, start-rollout) and its Distributed Map's child executions.
    expect(acknowledgements).toHaveLength(101);
    expect(acknowledgements.filter((ack) => !(typeof ack.reason === 'string' && ack.reason.length >= 40))).toEqual([]);
    expect(acknowledgements.filter((ack) => ack.path.split('/').length <= 2)).toEqual([]);
    const iamAcknowledgements = acknowledgements.filter((ack) => /AwsSolutions-IAM[45]/.test(ack.id));
    expect(iamAcknowledgements).toHaveLength(69);
    expect(iamAcknowledgements.filter((ack) => !/\[.+\]$/.test(ack.id))).toEqual([]);
  });

  it('lets the app synthesize with the checks registered as a validation plugin', () => {
    // Prepare
    const { app } = newStack();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const synthesize = () => app.synth();

    // Assess
    expect(synthesize).not.toThrow();
  });
});
