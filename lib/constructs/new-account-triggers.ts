// New accounts onboard themselves: Organizations and Control Tower announce them on the default
// bus, and the account-trigger function starts an onboarding into the workspace the new-account
// rules pick (reading the account's OU path and tags from Organizations when rules look at them).
import { Aws, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import type { OnboardingFunction } from './onboarding-function.js';
import { startOnboardingFunction } from './start-onboarding.js';
import type { Registry } from './registry.js';

/** Organizations finished creating an account (docs/CONTRACTS.md). */
export const ORGANIZATIONS_ACCOUNT_CREATED: events.EventPattern = {
  source: ['aws.organizations'],
  detail: {
    eventName: ['CreateAccountResult'],
    serviceEventDetails: { createAccountStatus: { state: ['SUCCEEDED'] } },
  },
};

/** Control Tower enrolled or updated a managed account (docs/CONTRACTS.md). */
export const CONTROL_TOWER_ACCOUNT_READY: events.EventPattern = {
  source: ['aws.controltower'],
  detail: {
    eventName: ['CreateManagedAccount', 'UpdateManagedAccount'],
    $or: [
      { serviceEventDetails: { createManagedAccountStatus: { state: ['SUCCEEDED'] } } },
      { serviceEventDetails: { updateManagedAccountStatus: { state: ['SUCCEEDED'] } } },
    ],
  },
};

export interface NewAccountTriggersProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly stateMachine: sfn.StateMachine;
}

export class NewAccountTriggers extends Construct {
  readonly handler: OnboardingFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly organizationsRule: events.Rule;
  readonly controlTowerRule: events.Rule;

  constructor(scope: Construct, id: string, props: NewAccountTriggersProps) {
    super(scope, id);
    const { config, registry } = props;

    this.handler = startOnboardingFunction(this, 'AccountTrigger', {
      name: 'account-trigger',
      description: 'Onboards a new Organizations / Control Tower account into the workspace its OU or tags select',
      config,
      registry,
      stateMachine: props.stateMachine,
      environment: {
        DEFAULT_WORKSPACE: config.defaultWorkspace,
        NEW_ACCOUNT_RULES: JSON.stringify(config.newAccountRules),
        BOOTSTRAP_ROLES: JSON.stringify(config.bootstrapRoles),
      },
    });
    this.allowReadingAccountFacts();

    // An account event is sent once: whatever EventBridge cannot deliver is kept for replay.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    // Events the function received but failed on, after Lambda's own async retries, land there too.
    this.handler.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
    });

    const target = new targets.LambdaFunction(this.handler.function, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(2),
    });

    this.organizationsRule = new events.Rule(this, 'OrganizationsAccountCreated', {
      description: 'Organizations CreateAccountResult SUCCEEDED: onboard the new account as a CAPA provider',
      eventPattern: ORGANIZATIONS_ACCOUNT_CREATED,
      targets: [target],
    });
    this.controlTowerRule = new events.Rule(this, 'ControlTowerAccountReady', {
      description: 'Control Tower Create/UpdateManagedAccount SUCCEEDED: onboard the account as a CAPA provider',
      eventPattern: CONTROL_TOWER_ACCOUNT_READY,
      targets: [target],
    });
  }

  /**
   * Read-only Organizations calls the rules may need: the OU path (ListParents on accounts and
   * OUs, DescribeOrganizationalUnit) and the account's tags. Granted whatever the rules, so rules
   * given to the function's environment alone (NEW_ACCOUNT_RULES, e.g. on the local cloud) work
   * too; the function calls only what its rules look at. Organizations ARNs name the management
   * account (this stack's: the one that receives the account events).
   */
  private allowReadingAccountFacts(): void {
    const accounts = `arn:${Aws.PARTITION}:organizations::${Aws.ACCOUNT_ID}:account/o-*/*`;
    const units = `arn:${Aws.PARTITION}:organizations::${Aws.ACCOUNT_ID}:ou/o-*/ou-*`;
    this.handler.function.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadOrganizationalUnitPath', actions: ['organizations:ListParents', 'organizations:DescribeOrganizationalUnit'], resources: [accounts, units] }),
    );
    this.handler.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadAccountTags', actions: ['organizations:ListTagsForResource'], resources: [accounts] }));
  }
}
