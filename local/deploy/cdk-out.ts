// Reads a cloud assembly (cdk.out): which stack to deploy, its template, and where each asset
// (bundled Lambda code, state machine definition files) sits on disk.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TemplateResource } from './intrinsics.js';

export interface CfnTemplate {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string; Description?: string; Export?: unknown }>;
}

export interface StackAssembly {
  cdkOut: string;
  stackName: string;
  /** The artifact id in manifest.json (usually equal to the stack name). */
  artifactId: string;
  templateFile: string;
  template: CfnTemplate;
  /** Asset hash → absolute path of its source (directory for zip assets, file otherwise). */
  assets: Map<string, { path: string; packaging: string; objectKeys: string[] }>;
}

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: Record<string, unknown>; dependencies?: string[]; displayName?: string }>;
}

interface AssetManifest {
  files?: Record<string, { source?: { path?: string; packaging?: string }; destinations?: Record<string, { objectKey?: string }> }>;
}

/**
 * Loads one stack of a cloud assembly. With several stacks, `stackName` must pick one (by stack
 * name, artifact id or display name); with one stack it is optional.
 */
export function loadAssembly(cdkOutDir: string, stackName?: string): StackAssembly {
  const cdkOut = resolve(cdkOutDir);
  const manifestPath = join(cdkOut, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${manifestPath} not found: run \`npx cdk synth\` first`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
  if (stacks.length === 0) throw new Error(`${manifestPath} lists no CloudFormation stack`);
  const nameOf = ([id, artifact]: (typeof stacks)[number]) => (artifact.properties?.stackName as string | undefined) ?? id;
  const chosen =
    stackName === undefined
      ? stacks.length === 1
        ? stacks[0]
        : undefined
      : stacks.find((entry) => nameOf(entry) === stackName || entry[0] === stackName || entry[1].displayName === stackName);
  if (chosen === undefined) {
    throw new Error(
      stackName === undefined
        ? `${manifestPath} has several stacks (${stacks.map(nameOf).join(', ')}); choose one`
        : `Stack ${stackName} not found in ${manifestPath} (has ${stacks.map(nameOf).join(', ')})`,
    );
  }
  const [artifactId, artifact] = chosen;
  const templateFile = join(cdkOut, String(artifact.properties?.templateFile ?? `${artifactId}.template.json`));
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as CfnTemplate;

  const assets: StackAssembly['assets'] = new Map();
  const assetArtifacts = (artifact.dependencies ?? [])
    .map((dep) => manifest.artifacts?.[dep])
    .filter((dep) => dep?.type === 'cdk:asset-manifest');
  for (const assetArtifact of assetArtifacts) {
    const file = join(cdkOut, String(assetArtifact?.properties?.file));
    if (!existsSync(file)) continue;
    const assetManifest = JSON.parse(readFileSync(file, 'utf8')) as AssetManifest;
    for (const [hash, entry] of Object.entries(assetManifest.files ?? {})) {
      if (entry.source?.path === undefined) continue;
      assets.set(hash, {
        path: join(cdkOut, entry.source.path),
        packaging: entry.source.packaging ?? 'file',
        objectKeys: Object.values(entry.destinations ?? {}).flatMap((d) => (d.objectKey ? [d.objectKey] : [])),
      });
    }
  }
  return { cdkOut, stackName: nameOf(chosen), artifactId, templateFile, template, assets };
}

/**
 * The on-disk source of an asset a resource points at: the `aws:asset:path` metadata CDK adds to
 * Lambda functions, or else the S3 object key (`<hash>.zip` / `<hash>.json`) looked up in the
 * asset manifest (state machine definition files carry no metadata).
 */
export function assetPath(assembly: StackAssembly, metadata: Record<string, unknown> | undefined, s3Key: unknown): string | undefined {
  const fromMetadata = metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') {
    const path = join(assembly.cdkOut, fromMetadata);
    if (existsSync(path)) return path;
  }
  if (typeof s3Key === 'string') {
    for (const [hash, asset] of assembly.assets) {
      if (asset.objectKeys.includes(s3Key) || s3Key.startsWith(`${hash}.`)) return asset.path;
    }
  }
  return undefined;
}
