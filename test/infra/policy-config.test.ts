// Which CAPA policy a deployment ships (CDK context capaPolicyFile): validated at synth, bundled
// into the functions in place of the shipped document.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { OnboardingFunction } from '../../lib/constructs/onboarding-function.js';
import { parseCapaPolicyConfig, readCapaPolicyConfig } from '../../lib/policy-config.js';

const scratch = mkdtempSync(join(tmpdir(), 'capa-policy-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

const statement = (action: string, resources: string[]) => ({ Effect: 'Allow', Action: [action], Resource: resources });

describe('capaPolicyFile', () => {
  it('defaults to the shipped CAPA minimal policy: one part, the version onboarding records today', () => {
    // Prepare
    const app = new App();

    // Act
    const config = readCapaPolicyConfig(app.node);

    // Assess
    expect(config.file.endsWith('functions/shared/domain/policies/capa-minimal-policy.json')).toBe(true);
    expect(config.policy.version).toBe('sha256:94279e60de6f460d');
    expect(config.policy.parts).toHaveLength(1);
  });

  it('selects a fixture by a path relative to the project root: the access-entry policy stays one part, the larger one splits into two', () => {
    // Prepare
    const accessEntries = new App({ context: { capaPolicyFile: 'test/fixtures/policies/capa-access-entries.json' } });
    const overSizeLimit = new App({ context: { capaPolicyFile: 'test/fixtures/policies/capa-over-size-limit.json' } });

    // Act
    const first = readCapaPolicyConfig(accessEntries.node);
    const second = readCapaPolicyConfig(overSizeLimit.node);

    // Assess
    expect(first.policy.parts).toHaveLength(1);
    expect(first.policy.version).not.toBe('sha256:94279e60de6f460d');
    expect(first.policy.document.Statement.at(-1)?.Action).toEqual([
      'eks:CreateAccessEntry',
      'eks:DeleteAccessEntry',
      'eks:DescribeAccessEntry',
      'eks:ListAccessEntries',
      'eks:UpdateAccessEntry',
      'eks:AssociateAccessPolicy',
      'eks:DisassociateAccessPolicy',
      'eks:ListAssociatedAccessPolicies',
    ]);
    expect(second.policy.parts).toHaveLength(2);
  });

  it.each([
    ['a number', 42, 'Invalid CDK context "capaPolicyFile": 42 must be the path of a JSON policy document'],
    ['a missing file', 'policies/none.json', 'Invalid CDK context "capaPolicyFile": "policies/none.json" does not exist (paths are relative to the project root)'],
  ])('refuses %s with a ConfigError naming the key', (_case, value, message) => {
    // Prepare
    const app = new App({ context: { capaPolicyFile: value } });

    // Act
    const reading = () => readCapaPolicyConfig(app.node);

    // Assess
    expect(reading).toThrow(expect.objectContaining({ name: 'ConfigError', key: 'capaPolicyFile', message }));
  });

  it('refuses a file that is not JSON, and a document IAM would not take as an identity policy', () => {
    // Prepare
    const notJson = file('not-json.json', '{"Version": "2012-10-17",');
    const withPrincipal = file('principal.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement('ec2:DescribeVpcs', ['*']), Principal: '*' }] }));
    const noActions = file('no-actions.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }));

    // Act
    const problems = [notJson, withPrincipal, noActions].map((path) => {
      try {
        parseCapaPolicyConfig(path);
        return 'accepted';
      } catch (error) {
        return (error as Error).message.replace(path, '<file>');
      }
    });

    // Assess
    expect(problems[0]).toMatch(/^Invalid CDK context "capaPolicyFile": "<file>" is not valid JSON \(/);
    expect(problems.slice(1)).toEqual([
      'Invalid CDK context "capaPolicyFile": "<file>" Statement[0] must not name a Principal (this is an identity policy)',
      'Invalid CDK context "capaPolicyFile": "<file>" Statement[0] must have Action (or NotAction): "service:Action" strings',
    ]);
  });

  it('refuses a policy that needs more than ten managed policies, the parts a role can hold', () => {
    // Prepare: eleven statements of about 5,000 characters each, one per part
    const resources = Array.from({ length: 100 }, (_, index) => `arn:aws:s3:::capa-bucket-with-a-long-name-${String(index).padStart(3, '0')}/*`);
    const eleven = file('eleven.json', JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 11 }, (_, index) => statement(`s3:GetObject${index}`, resources)) }));

    // Act
    const reading = () => parseCapaPolicyConfig(eleven);

    // Assess
    expect(reading).toThrow(`Invalid CDK context "capaPolicyFile": ${JSON.stringify(eleven)} needs 11 managed policies of 6144 characters; a role holds at most 10`);
  });

  it('bundles the selected document into a function in place of the shipped one', () => {
    // Prepare
    const outdir = mkdtempSync(join(scratch, 'out-'));
    const app = new App({ outdir, context: { capaPolicyFile: 'test/fixtures/policies/capa-access-entries.json', 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'PolicyBundle');
    const fn = new OnboardingFunction(stack, 'Upgrade', { name: 'upgrade-provider-policy', description: 'test', timeout: Duration.seconds(10), environment: {} });

    // Act
    const assembly = app.synth();

    // Assess
    const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Metadata?: Record<string, string> }> };
    const assetPath = template.Resources[stack.getLogicalId(fn.function.node.defaultChild as never)]?.Metadata?.['aws:asset:path'];
    const bundle = readFileSync(join(outdir, assetPath ?? 'missing', 'index.mjs'), 'utf8');
    expect(bundle).toContain('eks:CreateAccessEntry');
    expect(bundle).toContain('eks:ListAssociatedAccessPolicies');
  }, 120_000);
});
