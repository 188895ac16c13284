// Which handler deploys which CloudFormation type. Each service declares its handlers in its own
// cloudformation.ts; this is the one list that brings them together.
import { apiGatewayResourceHandlers } from '../apigateway/cloudformation.js';
import { cloudFormationResourceHandlers, CUSTOM_RESOURCE_TYPE } from '../cloudformation/cloudformation.js';
import { dynamoDbResourceHandlers } from '../dynamodb/cloudformation.js';
import { eventsResourceHandlers } from '../events/cloudformation.js';
import { iamResourceHandlers } from '../iam/cloudformation.js';
import { lambdaResourceHandlers } from '../lambda/cloudformation.js';
import { sqsResourceHandlers } from '../sqs/cloudformation.js';
import { stepFunctionsResourceHandlers } from '../stepfunctions/cloudformation.js';
import type { ResourceHandler } from './handler.js';

export class ResourceRegistry {
  private readonly handlers = new Map<string, ResourceHandler>();

  constructor(handlers: Iterable<ResourceHandler> = []) {
    for (const handler of handlers) this.register(handler);
  }

  register(handler: ResourceHandler): this {
    if (this.handlers.has(handler.type)) throw new Error(`Two resource handlers for ${handler.type}`);
    this.handlers.set(handler.type, handler);
    return this;
  }

  handlerFor(type: string): ResourceHandler | undefined {
    // `Custom::<Name>` is CloudFormation's other spelling of AWS::CloudFormation::CustomResource.
    return this.handlers.get(type) ?? (type.startsWith('Custom::') ? this.handlers.get(CUSTOM_RESOURCE_TYPE) : undefined);
  }
}

/** Every type the emulated services deploy. */
export function defaultRegistry(): ResourceRegistry {
  return new ResourceRegistry([
    ...iamResourceHandlers,
    ...dynamoDbResourceHandlers,
    ...eventsResourceHandlers,
    ...lambdaResourceHandlers,
    ...stepFunctionsResourceHandlers,
    ...apiGatewayResourceHandlers,
    ...sqsResourceHandlers,
    ...cloudFormationResourceHandlers,
  ]);
}
