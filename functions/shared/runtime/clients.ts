// The AWS clients a function uses, built once per execution environment: each handler calls these
// at module scope, so warm invocations reuse the clients and their connections. Factories rather
// than instances, so a bundle carries only the SDK clients its handler asks for. The registry's
// DynamoDB client is built beside the registry (adapters/registry.ts): lib-dynamodb does not declare
// itself free of side effects, so importing it here would put DynamoDB into every bundle.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { SDK_CLIENT_OPTIONS, type SdkClientOptions } from '../adapters/sdk-options.js';

export const stsClient = (options: SdkClientOptions = SDK_CLIENT_OPTIONS): STSClient => new STSClient(options);
export const iamClient = (): IAMClient => new IAMClient(SDK_CLIENT_OPTIONS);
export const sfnClient = (options: SdkClientOptions = SDK_CLIENT_OPTIONS): SFNClient => new SFNClient(options);
export const eventBridgeClient = (): EventBridgeClient => new EventBridgeClient(SDK_CLIENT_OPTIONS);
export const organizationsClient = (): OrganizationsClient => new OrganizationsClient(SDK_CLIENT_OPTIONS);
