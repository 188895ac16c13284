// CloudFormation types of EventBridge: custom event buses and rules with their targets.
import type { ResourceHandler } from '../deploy/handler.js';
import { isAlreadyExists, requireString } from '../deploy/properties.js';
import type { RuleTarget } from './model.js';

/** The EventBridge operations the deployer needs (structural, so tests can pass fakes). */
export interface EventsDeployTarget {
  createEventBus(name: string): { arn: string };
  putRule(input: {
    name: string;
    eventBusName?: string;
    eventPattern?: unknown;
    scheduleExpression?: string;
    state?: 'ENABLED' | 'DISABLED';
    description?: string;
    targets: RuleTarget[];
  }): { arn: string };
}

const eventBus: ResourceHandler = {
  type: 'AWS::Events::EventBus',
  persistent: true,
  deploy(props, ctx) {
    const name = ctx.physicalName(props.Name, 256);
    let arn = `arn:${ctx.env.partition}:events:${ctx.env.region}:${ctx.env.accountId}:event-bus/${name}`;
    try {
      arn = ctx.targets.events.createEventBus(name).arn;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    return { physicalId: name, ref: name, arn, attributes: { Arn: arn, Name: name } };
  },
};

function ruleTargets(props: Record<string, unknown>, log: (line: string) => void, logicalId: string) {
  const targets = (props.Targets ?? []) as Array<Record<string, unknown>>;
  for (const target of targets) {
    if (target.InputTransformer !== undefined || target.InputPath !== undefined) {
      log(`note: ${logicalId}: target ${String(target.Id)} uses InputPath/InputTransformer, which the local EventBridge does not apply`);
    }
  }
  return targets.map((target): RuleTarget => {
    const retry = target.RetryPolicy as { MaximumRetryAttempts?: unknown; MaximumEventAgeInSeconds?: unknown } | undefined;
    const deadLetterArn = (target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
    const retryPolicy = {
      ...(retry?.MaximumRetryAttempts !== undefined ? { maximumRetryAttempts: Number(retry.MaximumRetryAttempts) } : {}),
      ...(retry?.MaximumEventAgeInSeconds !== undefined ? { maximumEventAgeInSeconds: Number(retry.MaximumEventAgeInSeconds) } : {}),
    };
    return {
      id: requireString(target.Id, 'Target Id'),
      arn: requireString(target.Arn, 'Target Arn'),
      ...(typeof target.RoleArn === 'string' ? { roleArn: target.RoleArn } : {}),
      ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
      ...(retry !== undefined ? { retryPolicy } : {}),
      ...(typeof deadLetterArn === 'string' ? { deadLetterArn } : {}),
    };
  });
}

const rule: ResourceHandler = {
  type: 'AWS::Events::Rule',
  persistent: true,
  deploy(props, ctx) {
    const name = ctx.physicalName(props.Name, 64);
    const busName = typeof props.EventBusName === 'string' ? props.EventBusName.split('/').pop()! : undefined;
    const bus = busName ?? 'default';
    // CloudFormation's Ref of a rule on a custom bus is "bus|name".
    const identity = { physicalId: name, ref: bus === 'default' ? name : `${bus}|${name}` };
    const { arn } = ctx.targets.events.putRule({
      name,
      ...(busName !== undefined ? { eventBusName: busName } : {}),
      ...(props.EventPattern !== undefined ? { eventPattern: props.EventPattern } : {}),
      ...(typeof props.ScheduleExpression === 'string' ? { scheduleExpression: props.ScheduleExpression } : {}),
      state: props.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
      targets: ruleTargets(props, (line) => ctx.log(line), ctx.logicalId),
    });
    return { ...identity, arn, attributes: { Arn: arn } };
  },
};

export const eventsResourceHandlers: ResourceHandler[] = [eventBus, rule];
