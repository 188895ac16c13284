// The real bundles (esbuild, offline): what `npm run synth` writes and the local cloud runs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnboardingStack, STACK_NAME } from '../../lib/onboarding-stack.js';

describe('function bundles', () => {
  let outdir: string;
  let functions: Array<{ id: string; assetDir: string; handler: unknown }>;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'capa-infra-'));
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new OnboardingStack(app, STACK_NAME);
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as {
      Resources: Record<string, { Type: string; Properties: { Handler?: unknown }; Metadata?: Record<string, string> }>;
    };
    functions = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id, r]) => ({ id, assetDir: join(outdir, r.Metadata?.['aws:asset:path'] ?? 'missing'), handler: r.Properties.Handler }));
  }, 120_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('put an ESM index.mjs in each function asset directory, found through aws:asset:path', () => {
    // Prepare
    // 21 (with the reconcile), plus the policy rollout's open-rollout, rollout-progress, close-rollout, start-rollout and upgrade-provider-policy.
    const expectedCount = 26;

    // Act
    const missing = functions.filter((fn) => !existsSync(join(fn.assetDir, 'index.mjs')));

    // Assess
    expect(functions).toHaveLength(expectedCount);
    expect(missing).toEqual([]);
    expect(functions.map((fn) => fn.handler)).toEqual(Array.from({ length: expectedCount }, () => 'index.handler'));
  });

  it('start with the createRequire banner, so CommonJS dependencies work inside ESM', () => {
    // Prepare
    const heads = functions.map((fn) => readFileSync(join(fn.assetDir, 'index.mjs'), 'utf8').slice(0, 200));

    // Act
    const withoutBanner = heads.filter((head) => !head.startsWith("import { createRequire as __cjsCreateRequire } from 'node:module';"));

    // Assess
    expect(heads).toHaveLength(26);
    expect(withoutBanner).toEqual([]);
  });

  it('leave out the SDK event-stream codec, which no call of the functions uses', () => {
    // Prepare
    const bundles = functions.map((fn) => readFileSync(join(fn.assetDir, 'index.mjs'), 'utf8'));

    // Act
    const withCodec = functions.filter((_, index) => bundles[index]!.includes(':message-type')).map((fn) => fn.id);

    // Assess
    expect(bundles).toHaveLength(26);
    expect(withCodec).toEqual([]);
  });
});
