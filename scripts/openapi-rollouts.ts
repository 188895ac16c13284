// The policy rollout's part of docs/openapi.json: POST /fleet/rollouts, GET /fleet/rollouts/{rolloutId}
// and GET /fleet/rollouts/latest, and the Rollout schema they answer with.
type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const errorAnswer = (description: string) => ({ description, content: json(ref('Error')) });
const count = (description: string): Schema => ({ type: 'integer', minimum: 0, description });

export const ROLLOUT_SCHEMA: Schema = {
  type: 'object',
  required: ['rolloutId', 'policyVersion', 'trigger', 'status', 'startedAt', 'endedAt', 'executionArn', 'total', 'counts', 'tolerance', 'haltReason', 'failures'],
  properties: {
    rolloutId: { type: 'string', description: 'rollout-<first 8 hex digits of the policy version>-<UTC start to the millisecond>; also the execution name' },
    policyVersion: { type: 'string', description: 'The CAPA policy version the rollout moves the fleet to (sha256:<16 hex digits>)' },
    trigger: { enum: ['deploy', 'api'] },
    status: { enum: ['RUNNING', 'COMPLETED', 'HALTED'] },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: ['string', 'null'], format: 'date-time' },
    executionArn: { type: 'string', description: 'The rollout-policy execution: each provider\'s upgrade is in its Map state' },
    total: { type: ['integer', 'null'], minimum: 0, description: 'READY and DEGRADED providers listed at the start (null until listed)' },
    counts: {
      type: 'object',
      required: ['upgraded', 'current', 'movedOn', 'failed', 'skipped'],
      properties: {
        upgraded: count('Providers moved to the policy version'),
        current: count('Providers already on it'),
        movedOn: count('Providers an onboarding, repair or offboarding took over meanwhile (not touched)'),
        failed: count('Providers whose upgrade failed past its retries (policy unchanged)'),
        skipped: count('Providers not touched because the failures exceeded the tolerance'),
      },
    },
    tolerance: {
      type: ['object', 'null'],
      required: ['maxFailures', 'maxFailurePercent', 'toleratedFailures', 'bindingThreshold'],
      properties: {
        maxFailures: count('rolloutMaxFailures'),
        maxFailurePercent: { type: 'integer', minimum: 0, maximum: 100, description: 'rolloutMaxFailurePercent' },
        toleratedFailures: count('The lower of the two (the percentage of total, rounded down): one more failure halts the rollout'),
        bindingThreshold: { enum: ['count', 'percent'] },
      },
    },
    haltReason: { enum: ['FAILURE_COUNT_EXCEEDED', 'FAILURE_PERCENT_EXCEEDED', 'SUPERSEDED', 'ROLLOUT_ERROR', null] },
    failures: {
      type: 'array',
      maxItems: 20,
      description: 'The first 20 failures',
      items: {
        type: 'object',
        required: ['providerId', 'error', 'reason'],
        properties: { providerId: { type: 'string' }, error: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};

const START_ROLLOUT = {
  operationId: 'startRollout',
  summary: 'Rolls the CAPA policy this deployment ships out to every READY and DEGRADED provider (no body)',
  responses: {
    '202': {
      description: 'A rollout started, or the one running for this policy version (Location: its URL)',
      headers: { Location: { schema: { type: 'string' } } },
      content: json({ allOf: [ref('Rollout'), { type: 'object', properties: { statusUrl: { type: 'string' } } }] }),
    },
    '200': {
      description: 'Nothing to do: the latest rollout completed this policy version with no failure and no skip',
      headers: { Location: { schema: { type: 'string' } } },
      content: json({ allOf: [ref('Rollout'), { type: 'object', properties: { statusUrl: { type: 'string' } } }] }),
    },
  },
};

const GET_ROLLOUT = {
  operationId: 'getRollout',
  summary: "A policy rollout's record: status, counts so far, tolerance, first failures",
  responses: {
    '200': { description: 'The rollout', content: json(ref('Rollout')) },
    '404': errorAnswer('NOT_FOUND: no such rollout'),
  },
};

const GET_LATEST_ROLLOUT = {
  operationId: 'getLatestRollout',
  summary: 'The latest policy rollout (running or ended)',
  responses: {
    '200': { description: 'The latest rollout', content: json(ref('Rollout')) },
    '404': errorAnswer('NOT_FOUND: no rollout has started yet'),
  },
};

export const ROLLOUT_OPERATIONS = {
  start: START_ROLLOUT,
  get: GET_ROLLOUT,
  latest: GET_LATEST_ROLLOUT,
  rolloutIdParameter: { name: 'rolloutId', in: 'path', required: true, schema: { type: 'string' } },
};
