// A stand-in for the local IAM's authorize: everything is allowed except what a test denies,
// and every check is recorded so tests can assert who was asked for what.
import { AwsServiceError, type Authorize, type CallerIdentity } from '../../../local/core/types.js';
import { fileURLToPath } from 'node:url';
import { LocalLambda, type FunctionInput, type LocalLambdaOptions } from '../../../local/lambda/index.js';

export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';

export const ADMIN: CallerIdentity = {
  accessKeyId: 'AKIATESTTESTTESTTEST',
  accountId: ACCOUNT_ID,
  arn: `arn:aws:iam::${ACCOUNT_ID}:root`,
  principalType: 'account-root',
};

export function roleSession(roleArn: string): CallerIdentity {
  const roleName = roleArn.split('/').pop() ?? 'role';
  return {
    accessKeyId: `ASIA${roleName.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(16, 'X').slice(0, 16)}`,
    accountId: ACCOUNT_ID,
    arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/session`,
    principalType: 'assumed-role',
    roleArn,
    sessionName: 'session',
  };
}

export interface FakeIam {
  authorize: Authorize;
  checks: Array<{ caller: string | undefined; action: string; resource: string }>;
  deny(callerArn: string, action: string, resource: string): void;
}

export function fakeIam(): FakeIam {
  const denied = new Set<string>();
  const checks: FakeIam['checks'] = [];
  return {
    checks,
    deny(callerArn, action, resource) {
      denied.add(`${callerArn} ${action} ${resource}`);
    },
    authorize(caller, action, resource) {
      checks.push({ caller: caller?.arn, action, resource });
      if (caller === undefined) throw new AwsServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      if (denied.has(`${caller.arn} ${action} ${resource}`)) {
        const status = action.startsWith('lambda:') ? 403 : 400;
        throw new AwsServiceError(
          'AccessDeniedException',
          `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
          status,
        );
      }
    },
  };
}

/** A local Lambda for these tests: authorization by a fresh fake IAM, function output dropped. */
export function testLambda(options: Partial<LocalLambdaOptions> = {}): LocalLambda {
  return new LocalLambda({ accountId: ACCOUNT_ID, region: REGION, authorize: fakeIam().authorize, endpointUrl: 'http://127.0.0.1:4566', onLog: () => undefined, ...options });
}

const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A function of `fixtures/<handler file>`, with its own role and a 10 s timeout unless told otherwise. */
export function fixtureFunction(name: string, handler: string, overrides: Partial<FunctionInput> = {}): FunctionInput {
  return {
    name,
    codeDir: FIXTURES_DIR,
    handler,
    environment: {},
    timeoutSeconds: 10,
    roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}-role`,
    credentials: { accessKeyId: 'ASIAFUNCTIONROLE0001', secretAccessKey: 'role-secret', sessionToken: 'role-token' },
    ...overrides,
  };
}
