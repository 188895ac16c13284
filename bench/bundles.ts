// Each Lambda bundle's minified size (the deployed index.mjs in cdk.out) beside the 250 KB goal, and
// what it is made of: the bundle is rebuilt with the same options and esbuild's metafile, grouped by
// package. The alternative with the SDK left to the Lambda runtime is measured too.
import { statSync } from 'node:fs';
import { build, type Metafile } from 'esbuild';
import type { BenchOptions, BenchResult, BenchRow } from './support/result.js';
import { BUNDLE_LIMIT_KB, deployedBundles, esbuildOptions } from './support/lambda-bundles.js';

const TOP_CONTRIBUTORS = 8;

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

/** `node_modules/@smithy/core/dist-es/...` → `@smithy/core`; `functions/shared/domain/x.ts` → `functions/shared/domain`. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match) return match[1]!;
  return input.split('/').slice(0, -1).join('/') || input;
}

function contributors(metafile: Metafile): { package: string; kb: number }[] {
  const [output] = Object.values(metafile.outputs);
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output!.inputs)) {
    bytes.set(packageOf(input), (bytes.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return [...bytes].sort((a, b) => b[1] - a[1]).map(([name, size]) => ({ package: name, kb: kb(size) }));
}

async function rebuild(entry: string, sdk: 'bundled' | 'runtime') {
  const result = await build({ ...esbuildOptions(entry, sdk), write: false, outfile: 'index.mjs', metafile: true });
  return { bytes: result.outputFiles[0]!.contents.byteLength, metafile: result.metafile };
}

export async function run(_options: BenchOptions): Promise<BenchResult> {
  const samples = [];
  for (const bundle of deployedBundles()) {
    const deployedBytes = statSync(bundle.file).size;
    const rebuilt = await rebuild(bundle.entry, 'bundled');
    const runtimeSdk = await rebuild(bundle.entry, 'runtime');
    samples.push({
      function: bundle.name,
      logicalId: bundle.logicalId,
      kb: kb(deployedBytes),
      rebuiltKb: kb(rebuilt.bytes),
      runtimeSdkKb: kb(runtimeSdk.bytes),
      contributors: contributors(rebuilt.metafile),
    });
  }
  const rows: BenchRow[] = samples.map((sample) => ({
    goal: 'cold start: bundle size',
    metric: `${sample.function} index.mjs (minified, SDK bundled)`,
    measured: sample.kb,
    target: BUNDLE_LIMIT_KB,
    unit: 'KB',
    better: 'lower',
  }));
  const mismatched = samples.filter((sample) => sample.rebuiltKb !== sample.kb).map((sample) => sample.function);
  return {
    name: 'bundles',
    title: `Lambda bundles (minified index.mjs from cdk.out, goal ≤ ${BUNDLE_LIMIT_KB} KB each)`,
    rows,
    samples,
    notes: [
      `${samples.length} bundles, ${rows.filter((row) => row.measured > BUNDLE_LIMIT_KB).length} over ${BUNDLE_LIMIT_KB} KB`,
      ...samples.map(
        (sample) =>
          `${sample.function} ${sample.kb} KB (${sample.runtimeSdkKb} KB with the runtime's SDK): ` +
          sample.contributors
            .slice(0, TOP_CONTRIBUTORS)
            .map((contributor) => `${contributor.package} ${contributor.kb}`)
            .join(', '),
      ),
      ...(mismatched.length > 0 ? [`rebuilt size differs from cdk.out for ${mismatched.join(', ')}: are the bundling options in sync?`] : []),
    ],
  };
}
