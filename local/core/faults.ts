// Fault injection: throttling, 5xx and latency per service and operation, each answered with the
// error the real service would send, so the SDK's retry logic and the workflow's Retry/Catch are
// exercised the way production exercises them.
import { AwsServiceError, type ServiceName } from './types.js';

export type FaultKind = 'throttle' | 'error5xx' | 'latency';

export interface FaultRule {
  /** Service name or `*`. */
  service: string;
  /** Operation name or `*`. */
  action: string;
  kind: FaultKind;
  /** throttle/error5xx: probability in [0, 1]. latency: milliseconds (min). */
  value: number;
  /** latency only: upper bound in milliseconds when given as `latency:50-200`. */
  max?: number;
}

export interface FaultOptions {
  /** `iam:CreateRole=throttle:0.5;sts:*=error5xx:0.2;*:*=latency:50` (also `latency:50-200`). */
  spec?: string;
  rules?: FaultRule[];
  /** Seed for a deterministic RNG (tests); Math.random otherwise. */
  seed?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Mulberry32: small, fast, good enough to make a fault sequence reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parses the LOCAL_FAULTS syntax; throws with the offending entry on a typo rather than ignoring it. */
export function parseFaultSpec(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const raw of spec.split(/[;\n]/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^([\w*-]+):([\w*-]+)=(throttle|error5xx|latency):(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(entry);
    if (match === null) {
      throw new Error(`Invalid fault rule "${entry}": expected service:Operation=throttle|error5xx|latency:value (e.g. iam:CreateRole=throttle:0.5)`);
    }
    const [, service, action, kind, value, max] = match as unknown as [string, string, string, FaultKind, string, string | undefined];
    const numeric = Number(value);
    if (kind !== 'latency' && (numeric < 0 || numeric > 1)) {
      throw new Error(`Invalid fault rule "${entry}": a ${kind} probability must be between 0 and 1`);
    }
    rules.push({ service: service.toLowerCase(), action, kind, value: numeric, ...(max !== undefined ? { max: Number(max) } : {}) });
  }
  return rules;
}

const DYNAMODB_DATA_PLANE = new Set([
  'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem',
  'TransactGetItems', 'TransactWriteItems',
]);

/** The throttling error each service's protocol uses. */
export function throttlingError(service: ServiceName | string, action: string): AwsServiceError {
  switch (service) {
    case 'iam':
    case 'sts':
      return new AwsServiceError('Throttling', 'Rate exceeded', 400);
    case 'dynamodb':
      return DYNAMODB_DATA_PLANE.has(action)
        ? new AwsServiceError(
            'ProvisionedThroughputExceededException',
            'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
            400,
          )
        : new AwsServiceError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.', 400);
    case 'lambda':
      return new AwsServiceError('TooManyRequestsException', 'Rate Exceeded.', 429);
    case 'organizations':
      return new AwsServiceError('TooManyRequestsException', 'AWS Organizations can\'t complete your request because it received too many requests.', 400);
    default:
      return new AwsServiceError('ThrottlingException', 'Rate exceeded', 400);
  }
}

/** The server-side failure each service's protocol uses (all retryable by the SDK). */
export function serverError(service: ServiceName | string): AwsServiceError {
  switch (service) {
    case 'iam':
    case 'sts':
      return new AwsServiceError('ServiceUnavailable', 'Service is unable to handle request.', 503);
    case 'dynamodb':
      return new AwsServiceError('InternalServerError', 'Internal server error', 500);
    case 'lambda':
      return new AwsServiceError('ServiceException', 'The AWS Lambda service encountered an internal error.', 500);
    case 'events':
      return new AwsServiceError('InternalException', 'An internal error occurred.', 500);
    default:
      return new AwsServiceError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
  }
}

function matches(pattern: string, value: string, caseInsensitive: boolean): boolean {
  if (pattern === '*') return true;
  return caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
}

export class FaultInjector {
  private readonly rules: FaultRule[];
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly injected = new Map<string, number>();

  constructor(options: FaultOptions = {}) {
    this.rules = [...(options.rules ?? []), ...(options.spec ? parseFaultSpec(options.spec) : [])];
    this.random = options.random ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** `LOCAL_FAULTS` from the environment (empty → no faults). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, seed?: number): FaultInjector {
    const spec = env.LOCAL_FAULTS ?? '';
    const seedFromEnv = env.LOCAL_FAULTS_SEED !== undefined ? Number(env.LOCAL_FAULTS_SEED) : undefined;
    const effectiveSeed = seed ?? seedFromEnv;
    return new FaultInjector({ spec, ...(effectiveSeed !== undefined ? { seed: effectiveSeed } : {}) });
  }

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  /** Replaces every rule (LOCAL_FAULTS syntax; '' for none): an outage that begins or ends while the cloud runs. */
  replaceRules(spec: string): void {
    this.rules.splice(0, this.rules.length, ...parseFaultSpec(spec));
  }

  /** How many faults were injected, by `service:Action:kind`. */
  stats(): Record<string, number> {
    return Object.fromEntries(this.injected);
  }

  /**
   * Applies the matching rules to one request: waits for injected latency, then returns the
   * error to answer with (the first failure rule that fires), or undefined to proceed normally.
   */
  async apply(service: string, action: string): Promise<AwsServiceError | undefined> {
    if (this.rules.length === 0) return undefined;
    let latency = 0;
    let failure: AwsServiceError | undefined;
    for (const rule of this.rules) {
      if (!matches(rule.service, service, true) || !matches(rule.action, action, false)) continue;
      if (rule.kind === 'latency') {
        const ms = rule.max !== undefined ? rule.value + this.random() * (rule.max - rule.value) : rule.value;
        latency = Math.max(latency, ms);
        continue;
      }
      if (failure !== undefined) continue;
      if (this.random() < rule.value) {
        failure = rule.kind === 'throttle' ? throttlingError(service, action) : serverError(service);
        const key = `${service}:${action}:${rule.kind}`;
        this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
      }
    }
    if (latency > 0) await this.sleep(latency);
    return failure;
  }
}
