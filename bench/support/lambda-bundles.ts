// The Lambda bundles of the synthesized stack (cdk.out), as the cold-start benchmarks need them:
// the bundle file, the environment its handler reads at module load, and the esbuild options that
// rebuild it (the same functionBuildOptions the CDK construct uses).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { functionBuildOptions } from '../../lib/constructs/function-bundle.js';
import { loadAssembly } from '../../local/deploy/cdk-out.js';
import { PROJECT_ROOT, synthesizeIfChanged } from '../../scripts/synth.js';

export const BUNDLE_LIMIT_KB = 250;

export interface DeployedBundle {
  /** The folder under functions/, e.g. `create-role`. */
  name: string;
  logicalId: string;
  /** Absolute path of the deployed index.mjs. */
  file: string;
  /** The handler's source entry point. */
  entry: string;
  /** The function's environment from the template, intrinsics replaced by plausible values. */
  environment: Record<string, string>;
}

const ACCOUNT_ID = '123456789012';
const REGION = 'us-east-1';

/** Ref / Fn::GetAtt / Fn::Join as they appear in the functions' environments. */
function placeholder(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if (typeof intrinsic.Ref === 'string') {
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT_ID, 'AWS::Region': REGION };
    return pseudo[intrinsic.Ref] ?? intrinsic.Ref;
  }
  if (Array.isArray(intrinsic['Fn::GetAtt'])) return `arn:aws:placeholder:${REGION}:${ACCOUNT_ID}:${String(intrinsic['Fn::GetAtt'][0])}`;
  if (Array.isArray(intrinsic['Fn::Join'])) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(placeholder).join(separator);
  }
  throw new Error(`No placeholder for ${JSON.stringify(value)}`);
}

/** What Lambda itself sets in every execution environment. */
function lambdaRuntimeEnvironment(functionName: string): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_ACCESS_KEY_ID: 'ASIAPLACEHOLDER',
    AWS_SECRET_ACCESS_KEY: 'placeholder',
    AWS_SESSION_TOKEN: 'placeholder',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    // Lambda runs Node 22; on an older local Node the SDK would print its upgrade notice.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** `CapaProviderOnboarding/OnboardingWorkflow/CreateRole/Function/Resource` → `create-role`. */
function functionFolder(cdkPath: string): string {
  const segments = cdkPath.split('/');
  const construct = segments[segments.lastIndexOf('Function') - 1] ?? '';
  return construct.replace(/(?<=[a-z0-9])([A-Z])/g, '-$1').toLowerCase();
}

/** Every function bundle of the stack, synthesizing cdk.out first if a source changed. */
export function deployedBundles(): DeployedBundle[] {
  synthesizeIfChanged(PROJECT_ROOT);
  const assembly = loadAssembly(join(PROJECT_ROOT, 'cdk.out'));
  return Object.entries(assembly.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const metadata = (resource.Metadata ?? {}) as Record<string, string>;
      const name = functionFolder(metadata['aws:cdk:path'] ?? '');
      const entry = join(PROJECT_ROOT, 'functions', name, 'handler.ts');
      if (!existsSync(entry)) throw new Error(`${logicalId}: no handler at functions/${name}/handler.ts`);
      const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
      return {
        name,
        logicalId,
        file: join(PROJECT_ROOT, 'cdk.out', metadata['aws:asset:path'] ?? 'missing', 'index.mjs'),
        entry,
        environment: {
          ...lambdaRuntimeEnvironment(name),
          ...Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, placeholder(value)])),
        },
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * esbuild options of a function's bundle (what the CDK construct builds it with).
 * `sdk: 'runtime'` is the alternative: @aws-sdk/* and @smithy/* left to the Lambda runtime's copy.
 */
export function esbuildOptions(entry: string, sdk: 'bundled' | 'runtime' = 'bundled'): BuildOptions {
  return functionBuildOptions(PROJECT_ROOT, entry, sdk);
}
