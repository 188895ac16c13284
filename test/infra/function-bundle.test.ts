// A function's bundle is rebuilt when a file it is built from changed, and reused otherwise, so a
// restart after editing one function rebuilds only the bundles that file is part of.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../lib/constructs/function-bundle.js';

describe('bundleFunction', () => {
  let root: string;
  let cacheDir: string;

  const bundle = (name: string) => {
    const outputDir = mkdtempSync(join(root, 'out-'));
    const outcome = bundleFunction(root, join(root, 'functions', name, 'handler.ts'), outputDir, cacheDir);
    return { outcome, code: readFileSync(join(outputDir, 'index.mjs'), 'utf8') };
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'function-bundle-'));
    cacheDir = join(root, 'cache');
    mkdirSync(join(root, 'functions', 'shared'), { recursive: true });
    for (const name of ['first', 'second']) {
      mkdirSync(join(root, 'functions', name));
      writeFileSync(join(root, 'functions', name, 'handler.ts'), `import { greeting } from '../shared/greeting.js';\nexport const handler = () => greeting('${name}');\n`);
    }
    writeFileSync(join(root, 'functions', 'shared', 'greeting.ts'), "export const greeting = (name: string) => `hello ${name}`;\n");
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('reuses a bundle whose inputs are unchanged, and rebuilds only the bundles an edited file is part of', () => {
    // Prepare
    const firstBuilds = [bundle('first').outcome, bundle('second').outcome];

    // Act
    const unchanged = [bundle('first').outcome, bundle('second').outcome];
    writeFileSync(join(root, 'functions', 'first', 'handler.ts'), "export const handler = () => 'edited';\n");
    const afterEdit = [bundle('first'), bundle('second')];

    // Assess
    expect(firstBuilds).toEqual(['built', 'built']);
    expect(unchanged).toEqual(['reused', 'reused']);
    expect(afterEdit.map((result) => result.outcome)).toEqual(['built', 'reused']);
    expect(afterEdit[0]!.code).toContain('"edited"');
  });

  it('rebuilds every bundle a shared file is part of, and the reused bundle equals a fresh one', () => {
    // Prepare
    const fresh = bundle('second').code;
    const reused = bundle('second');

    // Act
    writeFileSync(join(root, 'functions', 'shared', 'greeting.ts'), "export const greeting = (name: string) => `hi ${name}`;\n");
    const afterEdit = [bundle('first'), bundle('second')];

    // Assess
    expect(reused).toEqual({ outcome: 'reused', code: fresh });
    expect(afterEdit.map((result) => result.outcome)).toEqual(['built', 'built']);
    expect(afterEdit[1]!.code).toContain('hi ');
  });

  it('rebuilds every bundle when the lock file changes, which esbuild reads without listing it', () => {
    // Prepare
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
    const before = [bundle('first').outcome, bundle('second').outcome];

    // Act
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
    const after = [bundle('first').outcome, bundle('second').outcome];

    // Assess
    expect(before).toEqual(['built', 'built']);
    expect(after).toEqual(['built', 'built']);
  });

  it('records nothing for a bundle whose input was saved after its build started, so the next synth rebuilds it', () => {
    // Prepare: a save stamped after the build's start, as one made while esbuild runs would be
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'functions', 'first', 'handler.ts'), later, later);

    // Act
    const outcomes = [bundle('first').outcome, bundle('first').outcome];

    // Assess
    expect(outcomes).toEqual(['built', 'built']);
  });
});
