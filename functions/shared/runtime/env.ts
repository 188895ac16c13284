// Environment is read and validated once, when a function's module loads: a misconfigured
// deployment fails its first invocation with a message naming the variable, not halfway through.
// Hand-written rather than zod: every workflow bundle loads this, and it must stay small.

export type EnvParser<T> = (value: string | undefined, name: string) => T;

export class InvalidEnvironment extends Error {
  override readonly name = 'InvalidEnvironment';
}

export const nonEmpty: EnvParser<string> = (value, name) => {
  if (!value) throw new InvalidEnvironment(`${name} must be set`);
  return value;
};

export const rolePath: EnvParser<string> = (value, name) => {
  if (!value || !/^\/([\w+=,.@-]+\/)*$/.test(value)) {
    throw new InvalidEnvironment(`${name} must be an IAM path such as /capa-providers/ (got ${JSON.stringify(value)})`);
  }
  return value;
};

/** `aws`, `aws-cn`, `aws-us-gov`, ...: what CloudFormation's AWS::Partition resolves to. */
export const partition: EnvParser<string> = (value, name) => {
  if (!value || !/^aws(-[a-z]+)*$/.test(value)) throw new InvalidEnvironment(`${name} must be an AWS partition such as aws`);
  return value;
};

export const grantMode: EnvParser<'path' | 'per-role'> = (value, name) => {
  if (value !== 'path' && value !== 'per-role') throw new InvalidEnvironment(`${name} must be "path" or "per-role"`);
  return value;
};

/** "true" or "false" (CDK writes booleans into the environment as text). */
export const booleanFlag: EnvParser<boolean> = (value, name) => {
  if (value !== 'true' && value !== 'false') throw new InvalidEnvironment(`${name} must be "true" or "false"`);
  return value === 'true';
};

export function positiveInteger(fallback: number): EnvParser<number> {
  return (value, name) => {
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidEnvironment(`${name} must be a positive integer`);
    return parsed;
  };
}

/** Parses every variable; reports all problems at once. */
export function readEnv<T extends Record<string, EnvParser<unknown>>>(
  parsers: T,
  source: NodeJS.ProcessEnv = process.env,
): { [K in keyof T]: ReturnType<T[K]> } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, parse] of Object.entries(parsers)) {
    try {
      values[name] = parse(source[name], name);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new InvalidEnvironment(`Invalid environment: ${problems.join('; ')}`);
  return values as { [K in keyof T]: ReturnType<T[K]> };
}

/** An integer from 0 to `max`, or `fallback` when unset. */
export function boundedInteger(fallback: number, max: number): EnvParser<number> {
  return (value, name) => {
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) throw new InvalidEnvironment(`${name} must be an integer from 0 to ${max}`);
    return parsed;
  };
}
