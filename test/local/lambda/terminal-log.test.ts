// Without an onLog sink, function output goes to the terminal, prefixed with the function name:
// gathered per turn of the event loop, so many busy functions do not cost a write per line.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalLambda } from '../../../local/lambda/index.js';
import { ACCOUNT_ID, fakeIam, REGION } from './fake-iam.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('function output on the terminal', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes the lines an invocation prints at once, in order, each prefixed with the function name', async () => {
    // Prepare
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      if (text.includes('[echo]')) {
        writes.push(text);
        return true;
      }
      return (write as (chunk: string | Uint8Array, ...args: unknown[]) => boolean)(chunk, ...rest);
    });
    const lambda = new LocalLambda({ accountId: ACCOUNT_ID, region: REGION, authorize: fakeIam().authorize, endpointUrl: 'http://127.0.0.1:4566' });
    lambda.createFunction({
      name: 'echo',
      codeDir: FIXTURES,
      handler: 'echo.handler',
      environment: {},
      timeoutSeconds: 10,
      memoryMb: 256,
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/echo-role`,
      credentials: { accessKeyId: 'ASIAFUNCTIONROLE0001', secretAccessKey: 'role-secret', sessionToken: 'role-token' },
    });
    // Act
    await lambda.invoke('echo', JSON.stringify({ log: 'first line\nsecond line' }));
    await lambda.close();
    // Assess
    expect(writes).toEqual(['[echo] first line\n[echo] second line\n']);
  });
});
