// A small catalog of AWS managed policies (arn:aws:iam::aws:policy/...), with their real documents,
// so that templates and onboarding can attach them and evaluation means what it means in AWS.
import type { PolicyDocument } from '../core/types.js';

export interface AwsManagedPolicy {
  name: string;
  path: string;
  policyId: string;
  versionId: string;
  description: string;
  createDate: string;
  updateDate: string;
  document: PolicyDocument;
}

const CATALOG: AwsManagedPolicy[] = [
  {
    name: 'AdministratorAccess',
    path: '/',
    policyId: 'ANPAIWMBCKSKIEE64ZLYK',
    versionId: 'v1',
    description: 'Provides full access to AWS services and resources.',
    createDate: '2015-02-06T18:39:46Z',
    updateDate: '2015-02-06T18:39:46Z',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
  {
    name: 'AWSLambdaBasicExecutionRole',
    path: '/service-role/',
    policyId: 'ANPAJNCQGXC42545SKXIK',
    versionId: 'v1',
    description: 'Provides write permissions to CloudWatch Logs.',
    createDate: '2015-04-09T15:03:43Z',
    updateDate: '2015-04-09T15:03:43Z',
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
    },
  },
  {
    name: 'AWSXrayWriteOnlyAccess',
    path: '/',
    policyId: 'ANPAIAACM4LMYSRGBCTM6',
    versionId: 'v1',
    description: 'AWS X-Ray write only managed policy',
    createDate: '2016-11-30T18:34:43Z',
    updateDate: '2016-11-30T18:34:43Z',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
            'xray:GetSamplingStatisticSummaries',
          ],
          Resource: ['*'],
        },
      ],
    },
  },
  {
    name: 'AmazonAPIGatewayPushToCloudWatchLogs',
    path: '/service-role/',
    policyId: 'ANPAIK4GFO7HLKYN64ASK',
    versionId: 'v1',
    description: 'Allows API Gateway to push logs to user account.',
    createDate: '2015-11-11T23:41:46Z',
    updateDate: '2015-11-11T23:41:46Z',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:DescribeLogGroups',
            'logs:DescribeLogStreams',
            'logs:PutLogEvents',
            'logs:GetLogEvents',
            'logs:FilterLogEvents',
          ],
          Resource: '*',
        },
      ],
    },
  },
  {
    name: 'ReadOnlyAccess',
    path: '/',
    policyId: 'ANPAILL3HVNFSB6DCOWYQ',
    versionId: 'v1',
    description: 'Provides read-only access to AWS services and resources.',
    createDate: '2015-02-06T18:39:48Z',
    updateDate: '2015-02-06T18:39:48Z',
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['*:Describe*', '*:Get*', '*:List*'], Resource: '*' }],
    },
  },
];

export function awsManagedPolicyArn(policy: AwsManagedPolicy): string {
  return `arn:aws:iam::aws:policy${policy.path}${policy.name}`;
}

const BY_ARN = new Map(CATALOG.map((policy) => [awsManagedPolicyArn(policy), policy]));

export function findAwsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

export function listAwsManagedPolicies(): AwsManagedPolicy[] {
  return [...CATALOG];
}
