// One way to build every Lambda of the product: same runtime, architecture, tracing, logging and
// ESM bundle (function-bundle.ts), so the local cloud (which runs the bundles from cdk.out) and AWS
// run the same code.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Aws, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { readCapaPolicyConfig } from '../policy-config.js';
import { FunctionBundling } from './function-bundle.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const SERVICE_NAME = 'capa-provider-onboarding';

/** Pinned on purpose: the bundles target node22 and the local cloud runs them on the same major. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Bundles reused across synths, per function (lib/constructs/function-bundle.ts); git ignores node_modules. */
export const BUNDLE_CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'function-bundles');

export interface OnboardingFunctionProps {
  /** Directory under functions/, e.g. `create-role`. */
  readonly name: string;
  readonly description: string;
  readonly timeout: Duration;
  /** Function-specific variables (docs/CONTRACTS.md); the service-wide ones are added here. */
  readonly environment: Record<string, string>;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A function with its own role and log group. The role starts empty except for writing to
 * that one log group (instead of AWSLambdaBasicExecutionRole, which may write any log group), so
 * each caller adds exactly the statements its function needs.
 */
export class OnboardingFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OnboardingFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Logs outlive a stack deletion: they are the audit trail of what the service did.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function (${SERVICE_NAME})`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group's Arn attribute ends in ":*", which covers its log streams.
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const entry = join(PROJECT_ROOT, 'functions', props.name, 'handler.ts');
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(join(PROJECT_ROOT, 'functions', props.name), {
        // The asset is the bundle: its hash is the bundle's, whatever checkout built it.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // The deployment's CAPA policy document is bundled as `#capa-policy` (lib/policy-config.ts).
          local: new FunctionBundling(PROJECT_ROOT, entry, BUNDLE_CACHE_DIR, readCapaPolicyConfig(this.node).file),
          // Never used: esbuild is a dependency of the project, so the local bundling always runs.
          image: DockerImage.fromRegistry('dummy'),
        },
      }),
      // The bundle is index.mjs (function-bundle.ts), exporting `handler`.
      handler: 'index.handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // The one source of the partition for every ARN a function builds.
        PARTITION: Aws.PARTITION,
        ...props.environment,
      },
    });
  }

  /** `arn:<partition>:lambda:...` of this function, for policies and substitutions. */
  get functionArn(): string {
    return this.function.functionArn;
  }

  addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }
}
