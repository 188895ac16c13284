// Shared contracts of the local cloud: how a request reaches a service emulator and how it answers.

/** A policy document as IAM stores it (parsed JSON). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  NotPrincipal?: Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

/** Who signed a request, resolved from the SigV4 access key id. */
export interface CallerIdentity {
  accessKeyId: string;
  accountId: string;
  /** e.g. arn:aws:iam::000000000000:user/local-admin or arn:aws:sts::111122223333:assumed-role/Name/session */
  arn: string;
  principalType: 'account-root' | 'user' | 'assumed-role';
  /** For IAM users: the user's unique id (AIDA...). */
  userId?: string;
  /** For assumed roles: the role's ARN (with its path) and the session. */
  roleArn?: string;
  sessionName?: string;
  /** Session policy passed to AssumeRole: the effective permissions are the intersection. */
  sessionPolicy?: PolicyDocument;
}

export type ServiceName = 'iam' | 'sts' | 'organizations' | 'events' | 'states' | 'dynamodb' | 'lambda' | 'sqs';

export interface AwsRequest {
  service: ServiceName;
  /** Operation name, e.g. CreateRole, PutEvents, StartExecution, Invoke. */
  action: string;
  /**
   * Query protocol (IAM, STS): the flat form fields (e.g. "Tags.member.1.Key").
   * JSON protocols: the parsed body. Lambda Invoke: { FunctionName, Payload (string) }.
   */
  params: Record<string, unknown>;
  /** Undefined only for unsigned requests, which services reject. */
  caller?: CallerIdentity;
  region: string;
  rawBody: string;
  path: string;
  headers: Record<string, string>;
}

export interface AwsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Decides whether `caller` may perform `action` on `resource`. Throws AwsServiceError
 * AccessDenied/AccessDeniedException (the message names the action and resource as AWS does).
 */
export type Authorize = (
  caller: CallerIdentity | undefined,
  action: string,
  resource: string,
  conditionContext?: Record<string, string | string[]>,
) => void;

/** An AWS error with the code and HTTP status the real service would use. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}
