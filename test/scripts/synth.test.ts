// When npm start, npm run demo and the e2e suite may skip `cdk synth`: only when cdk.out was
// synthesized from exactly the current inputs (contents, not timestamps).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSynthCurrent, markSynthesized, synthInputsDigest } from '../../scripts/synth.js';

let root: string;

function write(path: string, contents: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), contents);
}

/** A project whose cdk.out was synthesized from its current sources. */
function synthesizedProject(): void {
  write('bin/app.ts', 'app');
  write('lib/stack.ts', 'stack');
  write('functions/create-role/handler.ts', 'handler');
  write('functions/shared/domain/provider.ts', 'provider');
  write('statemachine/onboarding.asl.json', '{}');
  write('cdk.json', '{}');
  write('package-lock.json', '{}');
  write('cdk.out/manifest.json', '{"artifacts":{}}');
  write('cdk.out/Stack.template.json', '{"Resources":{}}');
  markSynthesized(root, synthInputsDigest(root));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'synth-inputs-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('isSynthCurrent', () => {
  it('holds right after a synth', () => {
    // Prepare
    synthesizedProject();

    // Act
    const current = isSynthCurrent(root);

    // Assess
    expect(current).toBe(true);
  });

  it.each([
    ['a function source', 'functions/create-role/handler.ts'],
    ['a shared module', 'functions/shared/domain/provider.ts'],
    ['a construct', 'lib/stack.ts'],
    ['the app', 'bin/app.ts'],
    ['an ASL definition', 'statemachine/onboarding.asl.json'],
    ['cdk.json', 'cdk.json'],
    ['the lock file', 'package-lock.json'],
  ])('fails once %s changes', (_label, path) => {
    // Prepare
    synthesizedProject();

    // Act
    write(path, 'changed');

    // Assess
    expect(isSynthCurrent(root)).toBe(false);
  });

  it('fails once a source file is added', () => {
    // Prepare
    synthesizedProject();

    // Act
    write('functions/shared/domain/new-module.ts', 'new');

    // Assess
    expect(isSynthCurrent(root)).toBe(false);
  });

  it('still holds after a source is only touched (same contents, newer timestamp)', () => {
    // Prepare
    synthesizedProject();
    const later = new Date(Date.now() + 60_000);

    // Act
    utimesSync(join(root, 'functions/create-role/handler.ts'), later, later);

    // Assess
    expect(isSynthCurrent(root)).toBe(true);
  });

  it('fails when cdk.out was synthesized again by hand after ours', () => {
    // Prepare
    synthesizedProject();

    // Act
    write('cdk.out/Stack.template.json', '{"Resources":{"Other":{}}}');

    // Assess
    expect(isSynthCurrent(root)).toBe(false);
  });

  it('fails without a record of our synth, and without cdk.out', () => {
    // Prepare
    write('bin/app.ts', 'app');
    write('cdk.out/manifest.json', '{}');

    // Act
    const withoutRecord = isSynthCurrent(root);
    rmSync(join(root, 'cdk.out'), { recursive: true });
    const withoutCdkOut = isSynthCurrent(root);

    // Assess
    expect(withoutRecord).toBe(false);
    expect(withoutCdkOut).toBe(false);
  });
});

describe('synthInputsDigest', () => {
  it('changes with the account or region the stack is synthesized for', () => {
    // Prepare
    synthesizedProject();

    // Act
    const digests = new Set([
      synthInputsDigest(root, {}),
      synthInputsDigest(root, { CDK_DEFAULT_REGION: 'eu-west-1' }),
      synthInputsDigest(root, { CDK_DEFAULT_ACCOUNT: '111122223333' }),
      synthInputsDigest(root, { AWS_PROFILE: 'prod' }),
    ]);

    // Assess
    expect(digests.size).toBe(4);
  });
});
