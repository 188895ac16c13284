import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud } from '../../local/cloud.js';
import type { PolicyDocument } from '../../local/core/types.js';
import { LocalIam } from '../../local/iam/index.js';
import { createManagementRole, ensureManagementRoles } from '../../scripts/management-role.js';

const TRUST_LAMBDA: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }] };

// Two functions naming the same management role, one naming none.
const TEMPLATE = {
  Resources: {
    FnRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: TRUST_LAMBDA } },
    ...Object.fromEntries(
      ['Grant', 'Compensate', 'Api'].map((name) => [
        name,
        {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:asset:path': 'asset.fn' },
          Properties: {
            Handler: 'index.handler',
            Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
            Environment: { Variables: name === 'Api' ? { TABLE_NAME: 't' } : { MANAGEMENT_ROLE_ARN: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ops/capa-management' } } },
          },
        },
      ]),
    ),
  },
};

describe('createManagementRole (the local cloud afterDeploy hook)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'management-role-'));
    mkdirSync(join(dir, 'asset.fn'));
    writeFileSync(join(dir, 'asset.fn', 'index.mjs'), 'export const handler = async () => ({});');
    writeFileSync(join(dir, 'Test.template.json'), JSON.stringify(TEMPLATE));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts: { Test: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Test.template.json' } } } }));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, once, the role the deployed functions name in MANAGEMENT_ROLE_ARN', async () => {
    // Prepare
    const lines: string[] = [];
    // Act
    const cloud = await startLocalCloud({ cdkOut: dir, port: 0, apiPort: 0, propagationDelayMs: [0, 0], faults: '', log: (line) => void lines.push(line), functionLog: () => undefined, afterDeploy: createManagementRole });
    try {
      const role = cloud.iam.getRole('000000000000', 'capa-management');
      // Assess
      expect(role?.arn).toBe('arn:aws:iam::000000000000:role/ops/capa-management');
      expect(role?.assumeRolePolicyDocument).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
      expect(lines.filter((line) => line.startsWith('created the management cluster role'))).toEqual(['created the management cluster role arn:aws:iam::000000000000:role/ops/capa-management']);
    } finally {
      await cloud.close();
    }
  });
});

describe('ensureManagementRoles', () => {
  it('leaves an existing role alone and reports a value that is not a role ARN', () => {
    // Prepare
    const iam = new LocalIam({ managementAccountId: '000000000000', region: 'us-east-1' });
    iam.createRole('000000000000', { roleName: 'capa-management', description: 'made by the platform team', assumeRolePolicyDocument: TRUST_LAMBDA });
    const lines: string[] = [];
    // Act
    ensureManagementRoles(iam, ['arn:aws:iam::000000000000:role/capa-management', 'capa-management'], (line) => void lines.push(line));
    // Assess
    expect(iam.getRole('000000000000', 'capa-management')?.description).toBe('made by the platform team');
    expect(lines).toEqual(['MANAGEMENT_ROLE_ARN capa-management is not a role ARN; not created']);
  });
});
