// Each Lambda bundle's minified size, read from the synthesized cloud assembly (run `npm run synth` first).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions, BenchResult, BenchRow } from './support/result.js';

const LIMIT_KB = 250;

/** The stack template's Lambda functions with their bundle's size in KB. */
function bundles(cdkOut: string): { logicalId: string; kb: number }[] {
  const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stack = Object.values(manifest.artifacts).find((artifact) => artifact.type === 'aws:cloudformation:stack');
  if (!stack?.properties?.templateFile) throw new Error(`No stack in ${cdkOut}; run npm run synth`);
  const template = JSON.parse(readFileSync(join(cdkOut, stack.properties.templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['aws:asset:path'])
    .map(([logicalId, resource]) => ({
      logicalId,
      kb: statSync(join(cdkOut, resource.Metadata!['aws:asset:path']!, 'index.mjs')).size / 1024,
    }))
    .sort((a, b) => a.logicalId.localeCompare(b.logicalId));
}

export async function run(_options: BenchOptions): Promise<BenchResult> {
  const samples = bundles('cdk.out');
  const rows: BenchRow[] = samples.map(({ logicalId, kb }) => ({
    goal: 'cold start: bundle size',
    metric: `${logicalId} index.mjs (minified)`,
    measured: Math.round(kb * 10) / 10,
    target: LIMIT_KB,
    unit: 'KB',
    better: 'lower',
  }));
  return {
    name: 'bundle-sizes',
    title: `Lambda bundles (minified index.mjs from cdk.out, target ≤ ${LIMIT_KB} KB each)`,
    rows,
    samples,
    notes: [`${samples.length} bundles, ${rows.filter((row) => row.measured > LIMIT_KB).length} over target`],
  };
}
