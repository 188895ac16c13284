// The API's OpenAPI 3.1 document (docs/openapi.json), generated from the schemas the api function
// validates with (functions/shared/domain/provider-request.ts, via zod's JSON Schema output) and
// the route paths the stack and the route table are built from. `npm run openapi` rewrites the
// file; the tests fail when it is stale or names a route the stack does not serve, or misses one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod/mini';
import { LATEST_ROLLOUT, ROLLOUT, ROLLOUTS } from '../functions/api/routes/paths.js';
import { ROLLOUT_OPERATIONS, ROLLOUT_SCHEMA } from './openapi-rollouts.js';
import { CLUSTER_IDENTITY, LATEST_SWEEP, PROVIDER, PROVIDERS, ROTATION_COMPLETION, ROTATIONS, VERIFICATIONS } from '../functions/api/routes/paths.js';
import { CHECK_NAMES, DRIFT_REASONS, VERIFIABLE_STATUSES } from '../functions/shared/domain/drift.js';
import {
  CLUSTER_IDENTITY_API_VERSION,
  MAX_DURATION_SECONDS,
  MIN_DURATION_SECONDS,
  SOURCE_IDENTITY_KINDS,
} from '../functions/shared/domain/cluster-identity.js';
import { PROVIDER_STATUSES } from '../functions/shared/domain/provider.js';
import { dnsLabelSchema, ProviderBodySchema, RotationBodySchema } from '../functions/shared/domain/provider-request.js';
import { ROTATION_ID, ROTATION_STATUSES } from '../functions/shared/domain/rotation.js';

export const OPENAPI_FILE = join(import.meta.dirname, '..', 'docs', 'openapi.json');

type Schema = Record<string, unknown>;

/** zod's JSON Schema (2020-12, OpenAPI 3.1's dialect) without the `$schema` key, which a component does not carry. */
function jsonSchemaOf(schema: z.core.$ZodType): Schema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Schema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const errorAnswer = (description: string) => ({ description, content: json(ref('Error')) });

const PROVIDER_VIEW: Schema = {
  type: 'object',
  required: [
    'providerId', 'workspace', 'name', 'accountId', 'roleName', 'roleArn', 'externalId', 'trustEc2', 'status',
    'reason', 'message', 'policyVersion', 'attempt', 'executionArn', 'createdAt', 'updatedAt', 'lastVerifiedAt', 'checks',
    'previousExternalIdExpiresAt', 'rotation', 'lastRotation',
  ],
  properties: {
    providerId: { type: 'string', description: '<workspace>.<name>' },
    workspace: { type: 'string' },
    name: { type: 'string' },
    accountId: { type: 'string', pattern: '^\\d{12}$' },
    roleName: { type: 'string' },
    roleArn: { type: 'string' },
    externalId: { type: 'string', description: 'In a create answer only for the request that created the provider or supplied this same ID' },
    trustEc2: { type: 'boolean' },
    status: { type: 'string', enum: [...PROVIDER_STATUSES] },
    reason: { type: ['string', 'null'] },
    message: { type: ['string', 'null'] },
    policyVersion: { type: ['string', 'null'] },
    attempt: { type: 'integer', minimum: 1 },
    executionArn: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    deletedAt: { type: 'string', format: 'date-time', description: 'DELETED providers only' },
    offboarding: {
      type: 'object',
      description: 'Once a DELETE was accepted: force, then what the offboarding removed and what it left in place (with why)',
      required: ['force'],
      properties: {
        force: { type: 'boolean' },
        removed: { type: 'array', items: { type: 'string' } },
        leftInPlace: {
          type: 'array',
          items: { type: 'object', required: ['resource', 'why'], properties: { resource: { type: 'string' }, why: { type: 'string' } } },
        },
      },
    },
    lastVerifiedAt: { type: ['string', 'null'], format: 'date-time', description: 'When the last re-verification ran (null until the first)' },
    checks: { type: ['array', 'null'], items: { $ref: '#/components/schemas/VerificationCheck' }, description: 'Each check of the last re-verification' },
    previousExternalIdExpiresAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: "During a rotation's grace period: until when the previous External ID is still accepted",
    },
    rotation: {
      type: ['object', 'null'],
      description: 'The open External ID rotation, if any',
      required: ['rotationId', 'status', 'executionArn', 'startedAt'],
      properties: {
        rotationId: { type: 'string', pattern: ROTATION_ID.source },
        status: { type: 'string', enum: [...ROTATION_STATUSES] },
        executionArn: { type: 'string' },
        startedAt: { type: 'string', format: 'date-time' },
      },
    },
    lastRotation: {
      type: ['object', 'null'],
      description: 'How the last External ID rotation ended',
      required: ['rotationId', 'outcome', 'reason', 'message', 'endedAt'],
      properties: {
        rotationId: { type: 'string' },
        outcome: { type: 'string', enum: ['ROTATED', 'ROLLED_BACK'] },
        reason: { type: 'string', description: 'ROTATED: CONFIRMED or GRACE_ENDED; ROLLED_BACK: the failure reason' },
        message: { type: 'string' },
        endedAt: { type: 'string', format: 'date-time' },
      },
    },
  },
};

const CLUSTER_IDENTITY_SCHEMA: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: CLUSTER_IDENTITY_API_VERSION },
    kind: { const: 'AWSClusterRoleIdentity' },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', maxLength: 63, description: '<workspace>.<name>; longer ones are shortened with a hash' } },
    },
    spec: {
      type: 'object',
      required: ['roleARN', 'externalID', 'sessionName', 'durationSeconds', 'sourceIdentityRef', 'allowedNamespaces'],
      properties: {
        roleARN: { type: 'string' },
        externalID: { type: 'string' },
        sessionName: { type: 'string', maxLength: 64 },
        durationSeconds: { type: 'integer', minimum: MIN_DURATION_SECONDS, maximum: MAX_DURATION_SECONDS },
        sourceIdentityRef: {
          type: 'object',
          required: ['kind', 'name'],
          properties: { kind: { type: 'string', enum: [...SOURCE_IDENTITY_KINDS] }, name: { type: 'string' } },
        },
        allowedNamespaces: {
          type: 'object',
          required: ['list'],
          properties: { list: { type: 'array', items: { type: 'string' }, minItems: 1 } },
        },
      },
    },
  },
};

const ERROR: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', required: ['field', 'issue'], properties: { field: { type: 'string' }, issue: { type: 'string' } } },
        },
      },
    },
  },
};

const pathParameter = (name: 'workspace' | 'name') => ({ name, in: 'path', required: true, schema: jsonSchemaOf(dnsLabelSchema(name)) });
const queryParameter = (name: string, schema: Schema, description: string) => ({ name, in: 'query', required: false, schema, description });

/** Answers every operation can give: the function's own, and those API Gateway gives before it. */
const COMMON_ANSWERS = {
  '400': errorAnswer('VALIDATION_FAILED: a path or query parameter (or the body) is invalid; details name each'),
  '403': { description: 'API Gateway: unsigned request, bad signature, or execute-api:Invoke denied' },
  '503': errorAnswer('SERVICE_UNAVAILABLE: AWS throttled or failed beyond the request time budget; retry after Retry-After'),
  '500': errorAnswer('INTERNAL: unexpected; retry, the request is idempotent'),
};

const CREATE_PROVIDER = {
  operationId: 'createProvider',
  summary: 'Register a provider in the workspace and start its onboarding (idempotent)',
  requestBody: { required: true, content: json(ref('ProviderBody')) },
  responses: {
    '202': {
      description: 'Accepted: the provider (new, or the existing one with the same spec)',
      headers: { Location: { schema: { type: 'string' }, description: 'The provider URL' } },
      content: json({
        type: 'object',
        required: ['provider', 'statusUrl', 'executionArn'],
        properties: { provider: ref('Provider'), statusUrl: { type: 'string' }, executionArn: { type: 'string' } },
      }),
    },
    '409': errorAnswer('CONFLICT: the provider exists with another spec; details name the differing fields'),
    '413': { description: 'API Gateway: the body does not fit a Lambda event (6 MB) or the 10 MB payload quota' },
    '415': errorAnswer('UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json'),
    ...COMMON_ANSWERS,
  },
};

const LIST_PROVIDERS = {
  operationId: 'listProviders',
  summary: "One page of the workspace's providers, by name",
  parameters: [
    queryParameter('limit', { type: 'string', pattern: '^\\d+$' }, 'Page size, 1-100 in digits (default 50)'),
    queryParameter('nextToken', { type: 'string' }, 'The previous page’s nextToken, unchanged, for the same workspace'),
    queryParameter(
      'status',
      { type: 'string', pattern: `^(${PROVIDER_STATUSES.join('|')})(,(${PROVIDER_STATUSES.join('|')}))*$` },
      'Only these statuses (comma-separated); DELETED requires includeDeleted=true',
    ),
    queryParameter('includeDeleted', { type: 'string', enum: ['true', 'false'] }, 'List DELETED providers (tombstones) too; default false'),
  ],
  responses: {
    '200': {
      description: 'A page; it may hold fewer than limit items (even none) while nextToken is not null',
      content: json({
        type: 'object',
        required: ['items', 'nextToken'],
        properties: { items: { type: 'array', items: ref('Provider') }, nextToken: { type: ['string', 'null'] } },
      }),
    },
    ...COMMON_ANSWERS,
  },
};

const GET_PROVIDER = {
  operationId: 'getProvider',
  summary: 'One provider, with its External ID',
  responses: {
    '200': { description: 'The provider', content: json(ref('Provider')) },
    '404': errorAnswer('NOT_FOUND: no such provider'),
    ...COMMON_ANSWERS,
  },
};

const DELETE_PROVIDER = {
  operationId: 'deleteProvider',
  summary: 'Offboard the provider: its grant, policies and role (only what this product created for it), then a DELETED tombstone (idempotent)',
  parameters: [
    queryParameter(
      'force',
      { type: 'string', enum: ['true', 'false'] },
      'true: the provider leaves the registry even when its account (bootstrap role) or the management role cannot be reached; what could not be removed is named in offboarding.leftInPlace',
    ),
  ],
  responses: {
    '202': {
      description: 'Accepted: the provider DELETING (offboarding started or running) or DELETED (offboarded already; nothing started)',
      headers: { Location: { schema: { type: 'string' }, description: 'The provider URL' } },
      content: json({
        type: 'object',
        required: ['provider', 'statusUrl', 'executionArn'],
        properties: { provider: ref('Provider'), statusUrl: { type: 'string' }, executionArn: { type: 'string' } },
      }),
    },
    '404': errorAnswer('NOT_FOUND: no such provider'),
    '409': errorAnswer('CONFLICT: an onboarding of the provider is running (PENDING, CREATING, VERIFYING); DELETE again once it is READY or FAILED'),
    ...COMMON_ANSWERS,
  },
};

const GET_CLUSTER_IDENTITY = {
  operationId: 'getClusterIdentity',
  summary: 'The CAPA AWSClusterRoleIdentity of a READY provider (YAML for Accept: application/yaml)',
  responses: {
    '200': {
      description: 'The manifest',
      content: { ...json(ref('AWSClusterRoleIdentity')), 'application/yaml': { schema: ref('AWSClusterRoleIdentity') } },
    },
    '404': errorAnswer('NOT_FOUND: no such provider'),
    '409': errorAnswer('CONFLICT: the provider is not READY'),
    ...COMMON_ANSWERS,
  },
};

const VERIFICATION_CHECK: Schema = {
  type: 'object',
  required: ['name', 'passed', 'reason', 'detail'],
  properties: {
    name: { type: 'string', enum: [...CHECK_NAMES] },
    passed: { type: 'boolean' },
    reason: { type: ['string', 'null'], enum: [...DRIFT_REASONS, null], description: 'The drift reason a failed check means; null when it passed' },
    detail: { type: 'string', description: 'What was seen (never the External ID)' },
  },
};

const VERIFY_PROVIDER = {
  operationId: 'verifyProvider',
  summary: 'Re-verify a READY or DEGRADED provider now (a verify-provider execution); the result lands on the provider',
  responses: {
    '202': {
      description: 'Started: GET the provider for lastVerifiedAt, checks, and READY or DEGRADED with a reason',
      headers: { Location: { schema: { type: 'string' }, description: 'The provider URL' } },
      content: json({
        type: 'object',
        required: ['providerId', 'status', 'executionArn', 'startedAt', 'statusUrl'],
        properties: {
          providerId: { type: 'string' },
          status: { type: 'string', enum: [...VERIFIABLE_STATUSES], description: 'The status the verification starts from' },
          executionArn: { type: 'string' },
          startedAt: { type: 'string', format: 'date-time' },
          statusUrl: { type: 'string' },
        },
      }),
    },
    '404': errorAnswer('NOT_FOUND: no such provider'),
    '409': errorAnswer('CONFLICT: the provider is neither READY nor DEGRADED'),
    ...COMMON_ANSWERS,
  },
};

const START_ROTATION = {
  operationId: 'startRotation',
  summary: "Rotate a READY provider's External ID with no downtime (body optional: a generated ID when absent)",
  requestBody: { required: false, content: json(ref('RotationBody')) },
  responses: {
    '202': {
      description: 'Accepted: the trust will accept both IDs, then the previous one is removed on completion or when the grace period ends',
      headers: { Location: { schema: { type: 'string' }, description: 'The provider URL' } },
      content: json({
        type: 'object',
        required: ['rotationId', 'externalId', 'executionArn', 'completeUrl', 'statusUrl', 'provider'],
        properties: {
          rotationId: { type: 'string', pattern: ROTATION_ID.source },
          externalId: { type: 'string', description: 'The new External ID' },
          executionArn: { type: 'string' },
          completeUrl: { type: 'string' },
          statusUrl: { type: 'string' },
          provider: ref('Provider'),
        },
      }),
    },
    '404': errorAnswer('NOT_FOUND: no such provider'),
    '409': errorAnswer('CONFLICT: the provider is not READY, or a rotation is already open'),
    '415': errorAnswer('UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json'),
    ...COMMON_ANSWERS,
  },
};

const COMPLETE_ROTATION = {
  operationId: 'completeRotation',
  summary: "Confirm the provider's clusters use the new External ID: the previous one is removed now",
  responses: {
    '202': {
      description: 'The previous External ID is being removed (repeatable)',
      content: json({ type: 'object', required: ['rotationId', 'status', 'provider'], properties: { rotationId: { type: 'string' }, status: { const: 'REMOVING_PREVIOUS' }, provider: ref('Provider') } }),
    },
    '200': {
      description: 'The rotation has already ended: lastRotation says how',
      content: json({
        type: 'object',
        required: ['rotationId', 'status', 'lastRotation', 'provider'],
        properties: { rotationId: { type: 'string' }, status: { const: 'ENDED' }, lastRotation: { type: 'object' }, provider: ref('Provider') },
      }),
    },
    '404': errorAnswer('NOT_FOUND: no such provider or rotation'),
    '409': errorAnswer('CONFLICT: the rotation is still making the trust accept both IDs; retry shortly'),
    ...COMMON_ANSWERS,
  },
};

const COUNTS: Schema = { type: 'object', additionalProperties: { type: 'integer', minimum: 1 } };

const SWEEP_SUMMARY: Schema = {
  type: 'object',
  required: ['sweepId', 'executionArn', 'startedAt', 'endedAt', 'durationSeconds', 'autoRepair', 'providers', 'byStatus', 'byReason', 'movedOn', 'failed', 'repairsStarted', 'changed'],
  properties: {
    sweepId: { type: 'string', description: 'sweep-<UTC start time to the millisecond>' },
    executionArn: { type: 'string', description: 'The sweep execution: each provider\'s result is in its Map state' },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    durationSeconds: { type: 'number', minimum: 0 },
    autoRepair: { type: 'boolean' },
    providers: { type: 'integer', minimum: 0, description: 'READY and DEGRADED providers the sweep listed' },
    byStatus: { ...COUNTS, description: 'Verified providers per status after the sweep (READY, DEGRADED)' },
    byReason: { ...COUNTS, description: 'DEGRADED providers per drift reason' },
    movedOn: { type: 'integer', minimum: 0, description: 'Providers an onboarding, repair or offboarding took over meanwhile (not checked)' },
    failed: { type: 'integer', minimum: 0, description: 'Providers whose verification failed past its retries (status unchanged)' },
    repairsStarted: { type: 'integer', minimum: 0, description: 'DEGRADED providers whose repair (next onboarding attempt) the sweep started (autoRepair)' },
    changed: { type: 'integer', minimum: 0, description: 'Providers that moved READY to DEGRADED or back' },
    reconciliation: {
      type: 'object',
      required: ['status'],
      description:
        'The reconcile that ran first: status completed (with its counts), disabled (reconcileEnabled false) or failed (error, cause: the sweep went on without it)',
      properties: {
        status: { enum: ['completed', 'disabled', 'failed'] },
        organizationId: { type: 'string' },
        accountsSeen: { type: 'integer', minimum: 0, description: 'Accounts ListAccounts returned (the management account and closed ones included)' },
        activeAccounts: { type: 'integer', minimum: 0 },
        alreadyOnboarded: { type: 'integer', minimum: 0, description: 'ACTIVE members with a live provider' },
        onboardingStarted: { type: 'array', items: { type: 'string' }, description: 'Account ids whose onboarding this run started' },
        onboardingDeferred: { type: 'integer', minimum: 0, description: 'Accounts left for the next run (maxOnboardings reached)' },
        maxOnboardings: { type: 'integer', minimum: 1 },
        skippedByRules: { type: 'integer', minimum: 0 },
        tombstoned: { type: 'integer', minimum: 0, description: 'ACTIVE members not onboarded again: their providers are DELETED or ACCOUNT_REMOVED' },
        departures: {
          type: 'array',
          items: {
            type: 'object',
            required: ['accountId', 'accountStatus', 'providerIds', 'outcome'],
            properties: {
              accountId: { type: 'string' },
              accountStatus: { enum: ['SUSPENDED', 'PENDING_CLOSURE', 'NOT_IN_ORGANIZATION'] },
              providerIds: { type: 'array', items: { type: 'string' } },
              outcome: { enum: ['handled', 'error'] },
            },
          },
        },
        departuresDeferred: { type: 'integer', minimum: 0 },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['accountId', 'step', 'message'],
            properties: { accountId: { type: 'string' }, step: { enum: ['placement', 'onboarding', 'departure'] }, message: { type: 'string' } },
          },
        },
        error: { type: 'string' },
        cause: { type: 'string' },
      },
    },
  },
};

const GET_LATEST_SWEEP = {
  operationId: 'getLatestSweep',
  summary: 'The summary of the latest fleet health sweep',
  responses: {
    '200': { description: 'The latest sweep', content: json(ref('SweepSummary')) },
    '404': errorAnswer('NOT_FOUND: no sweep has completed yet'),
    ...COMMON_ANSWERS,
  },
};

function withCommonAnswers<T extends { responses: Record<string, unknown> }>(operation: T): T {
  return { ...operation, responses: { ...operation.responses, ...COMMON_ANSWERS } };
}

/** Every route, keyed by the resource paths the stack and the route table use. */
function operations() {
  const workspace = pathParameter('workspace');
  const name = pathParameter('name');
  return {
    [PROVIDERS]: { parameters: [workspace], post: CREATE_PROVIDER, get: LIST_PROVIDERS },
    [PROVIDER]: { parameters: [workspace, name], get: GET_PROVIDER, delete: DELETE_PROVIDER },
    [CLUSTER_IDENTITY]: { parameters: [workspace, name], get: GET_CLUSTER_IDENTITY },
    [VERIFICATIONS]: { parameters: [workspace, name], post: VERIFY_PROVIDER },
    [ROTATIONS]: { parameters: [workspace, name], post: START_ROTATION },
    [ROTATION_COMPLETION]: {
      parameters: [workspace, name, { name: 'rotationId', in: 'path', required: true, schema: { type: 'string', pattern: ROTATION_ID.source } }],
      post: COMPLETE_ROTATION,
    },
    [LATEST_SWEEP]: { get: GET_LATEST_SWEEP },
    [ROLLOUTS]: { post: withCommonAnswers(ROLLOUT_OPERATIONS.start) },
    [LATEST_ROLLOUT]: { get: withCommonAnswers(ROLLOUT_OPERATIONS.latest) },
    [ROLLOUT]: { parameters: [ROLLOUT_OPERATIONS.rolloutIdParameter], get: withCommonAnswers(ROLLOUT_OPERATIONS.get) },
  };
}

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'CAPA provider onboarding',
      version: '1.0.0',
      description:
        'Onboards AWS accounts as Cluster API Provider AWS (CAPA) infrastructure providers. Every route is signed with SigV4 (service execute-api); IAM grants a principal one workspace through execute-api:Invoke on <api-id>/<stage>/<METHOD>/workspaces/<workspace>/...',
    },
    servers: [{ url: 'https://{apiId}.execute-api.{region}.amazonaws.com/prod', variables: { apiId: { default: 'api-id' }, region: { default: 'us-east-1' } } }],
    security: [{ sigv4: [] }],
    paths: operations(),
    components: {
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      },
      schemas: {
        ProviderBody: jsonSchemaOf(ProviderBodySchema),
        RotationBody: jsonSchemaOf(RotationBodySchema),
        VerificationCheck: VERIFICATION_CHECK,
        Provider: PROVIDER_VIEW,
        SweepSummary: SWEEP_SUMMARY,
        Rollout: ROLLOUT_SCHEMA,
        AWSClusterRoleIdentity: CLUSTER_IDENTITY_SCHEMA,
        Error: ERROR,
      },
    },
  };
}

/** `METHOD /path` of every operation the document describes. */
export function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => methods.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(OPENAPI_FILE, openApiText());
  console.log('wrote docs/openapi.json');
}
