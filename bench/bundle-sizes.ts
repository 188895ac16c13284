// Prints each Lambda bundle's minified size from the synthesized cloud assembly (run `npm run synth` first).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const cdkOut = process.argv[2] ?? 'cdk.out';
const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
};
const stack = Object.values(manifest.artifacts).find((artifact) => artifact.type === 'aws:cloudformation:stack');
if (!stack?.properties?.templateFile) throw new Error(`No stack in ${cdkOut}; run npm run synth`);
const template = JSON.parse(readFileSync(join(cdkOut, stack.properties.templateFile), 'utf8')) as {
  Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
};

const LIMIT_KB = 250;
const rows: string[] = [];
let over = 0;
for (const [logicalId, resource] of Object.entries(template.Resources)) {
  if (resource.Type !== 'AWS::Lambda::Function') continue;
  const assetDir = resource.Metadata?.['aws:asset:path'];
  if (!assetDir) continue;
  const kb = statSync(join(cdkOut, assetDir, 'index.mjs')).size / 1024;
  if (kb > LIMIT_KB) over += 1;
  rows.push(`${logicalId.padEnd(48)} ${kb.toFixed(1).padStart(8)} KB${kb > LIMIT_KB ? '  (over target)' : ''}`);
}
console.log(`Lambda bundles (minified index.mjs, target < ${LIMIT_KB} KB each)`);
for (const row of rows.sort()) console.log(`  ${row}`);
console.log(`${rows.length} bundles, ${over} over target`);
