// How every function is bundled, and the bundling step CDK runs for each function's asset. esbuild
// runs inside the synth's own process (one service for all functions, not one CLI process each),
// and a function whose inputs did not change since its last bundle reuses that bundle: esbuild's
// metafile lists every file a bundle was built from, so a restart after editing one function's
// source rebuilds only the bundles that file is part of. The cache is a local speed-up only: the
// asset hash is still the hash of the bundle itself, the same on every checkout.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ILocalBundling } from 'aws-cdk-lib';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';

/** The bundle file, and so the handler `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

// ESM bundles cannot `require`, but some CommonJS dependencies do; give them one.
const CJS_IN_ESM_BANNER = "import { createRequire as __cjsCreateRequire } from 'node:module'; const require = __cjsCreateRequire(import.meta.url);";

/**
 * Modules the bundles take from functions/shared/runtime instead of the SDK's, for parts a Lambda
 * function of this product never uses (each stub says why, and fails loudly if ever used).
 */
const SDK_SUBSTITUTES: Record<string, string> = {
  // Lambda's credentials are always in the environment: leave the rest of the SDK's provider chain out.
  '@aws-sdk/credential-provider-node': 'lambda-credentials.ts',
  // No call the functions make streams events: leave the event-stream codec out.
  '@smithy/core/event-streams': 'no-event-streams.ts',
  // No DynamoDB call the functions make uses endpoint discovery: leave its LRU cache out.
  '@aws-sdk/endpoint-cache': 'no-endpoint-discovery.ts',
  // No call names a global endpoint (SigV4a): plain SigV4 without the multi-region wrapper.
  '@aws-sdk/signature-v4-multi-region': 'single-region-signer.ts',
};

/**
 * esbuild options of a function's bundle. `sdk: 'runtime'` is the alternative the benchmarks
 * measure: @aws-sdk/* and @smithy/* left to the copy the Lambda runtime provides. `policyFile` is
 * the CAPA policy document the functions import as `#capa-policy` (without it, package.json's
 * `imports` resolve that name to the shipped one).
 */
export function functionBuildOptions(projectRoot: string, entry: string, sdk: 'bundled' | 'runtime' = 'bundled', policyFile?: string): BuildOptions {
  const policyAlias: Record<string, string> = policyFile !== undefined ? { '#capa-policy': policyFile } : {};
  return {
    entryPoints: [entry],
    outfile: BUNDLE_FILE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Pinned with the runtime (FUNCTION_RUNTIME): the local cloud runs the bundles on the same major.
    target: 'node22',
    minify: true,
    sourcemap: false,
    // The ESM builds of the SDK and its dependencies tree-shake; their CommonJS builds do not.
    mainFields: ['module', 'main'],
    banner: { js: CJS_IN_ESM_BANNER },
    absWorkingDir: projectRoot,
    logLevel: 'warning',
    ...(sdk === 'bundled'
      ? { alias: { ...Object.fromEntries(Object.entries(SDK_SUBSTITUTES).map(([module, file]) => [module, join(projectRoot, 'functions/shared/runtime', file)])), ...policyAlias } }
      : { external: ['@aws-sdk/*', '@smithy/*'], alias: policyAlias }),
  };
}

/**
 * Read by esbuild but not listed in its metafile: the TypeScript settings, and the lock file (a
 * changed dependency tree can resolve an import to another file without changing any listed one).
 */
const UNLISTED_INPUTS = ['tsconfig.json', 'package-lock.json'];

interface CacheEntry {
  /** Digest of the options, the esbuild version and the unlisted inputs the bundle was built with. */
  options: string;
  /** Each input file (relative to the project root) and the digest of its contents. */
  inputs: Record<string, string>;
  bundle: string;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Digests of input files, by path, size and modification time: the 20 bundles share most of their inputs. */
const fileDigests = new Map<string, string>();

function fileDigest(path: string): string | undefined {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return undefined;
  }
  const key = `${path}\0${stats.size}\0${stats.mtimeMs}`;
  let digest = fileDigests.get(key);
  if (digest === undefined) {
    digest = sha256(readFileSync(path));
    fileDigests.set(key, digest);
  }
  return digest;
}

function readEntry(file: string): CacheEntry | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
}

export type BundleOutcome = 'built' | 'reused';

/**
 * Writes the bundle of `entry` into `outputDir`: the cached bundle when every input it was built
 * from is unchanged (and the options, esbuild version, tsconfig.json and lock file are the same),
 * else a fresh esbuild build.
 */
export function bundleFunction(projectRoot: string, entry: string, outputDir: string, cacheDir: string, policyFile?: string): BundleOutcome {
  const options = functionBuildOptions(projectRoot, entry, 'bundled', policyFile);
  const unlisted = UNLISTED_INPUTS.map((file) => fileDigest(join(projectRoot, file)) ?? 'absent');
  const optionsDigest = sha256(`${esbuildVersion}\0${JSON.stringify(options)}\0${unlisted.join('\0')}`);
  // One entry per function and policy document, so a synth with another policy (the demo's
  // rollout, its e2e test) does not evict the default's bundles.
  const cacheFile = join(cacheDir, `${sha256(`${relative(projectRoot, entry)}\0${policyFile ?? ''}`).slice(0, 16)}.json`);
  const cached = readEntry(cacheFile);
  if (
    cached?.options === optionsDigest &&
    Object.entries(cached.inputs).every(([input, digest]) => fileDigest(join(projectRoot, input)) === digest)
  ) {
    writeFileSync(join(outputDir, BUNDLE_FILE), cached.bundle);
    return 'reused';
  }
  mkdirSync(cacheDir, { recursive: true });
  // Written empty before the build, whole after it, then renamed: parallel synths (the infra tests)
  // never read half an entry, and its first timestamp, on the clock files are stamped with, marks
  // the build's start.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, '');
  const started = statSync(partial).mtimeMs;
  const result = buildSync({ ...options, write: false, metafile: true });
  const bundle = result.outputFiles[0]!.text;
  writeFileSync(join(outputDir, BUNDLE_FILE), bundle);
  const inputFiles = Object.keys(result.metafile.inputs).map((input) => join(projectRoot, input));
  // A file saved while esbuild ran may not be in this bundle: record nothing, the next synth rebuilds.
  if (inputFiles.some((file) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > started)) {
    rmSync(partial, { force: true });
    return 'built';
  }
  const inputs = Object.fromEntries(inputFiles.map((file) => [relative(projectRoot, file), fileDigest(file) ?? '']));
  writeFileSync(partial, JSON.stringify({ options: optionsDigest, inputs, bundle } satisfies CacheEntry));
  renameSync(partial, cacheFile);
  return 'built';
}

/** CDK's local bundling step for one function: never falls back to Docker. */
export class FunctionBundling implements ILocalBundling {
  constructor(
    private readonly projectRoot: string,
    private readonly entry: string,
    private readonly cacheDir: string,
    private readonly policyFile?: string,
  ) {}

  tryBundle(outputDir: string): boolean {
    const outcome = bundleFunction(this.projectRoot, this.entry, outputDir, this.cacheDir, this.policyFile);
    process.stderr.write(`  ${relative(this.projectRoot, this.entry)}: ${outcome === 'reused' ? 'unchanged, bundle reused' : 'bundled'}\n`);
    return true;
  }
}
