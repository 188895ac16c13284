// One way to build every Lambda of the product: same runtime, architecture, tracing, logging and
// ESM bundle, so the local cloud (which runs the bundles from cdk.out) and AWS run the same code.
import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { readCapaPolicyConfig } from '../policy-config.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const SERVICE_NAME = 'capa-provider-onboarding';

/** Pinned on purpose: the bundles target node22 and the local cloud runs them on the same major. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

// ESM bundles cannot `require`, but some CommonJS dependencies do; give them one.
const CJS_IN_ESM_BANNER = "import { createRequire as __cjsCreateRequire } from 'node:module'; const require = __cjsCreateRequire(import.meta.url);";

/**
 * How every function is bundled. bench/bundles.ts rebuilds the bundles with these same options to
 * list what each one is made of.
 */
export const FUNCTION_BUNDLING = {
  format: OutputFormat.ESM,
  minify: true,
  target: 'node22',
  sourceMap: false,
  // The bundle carries the SDK version the code was tested with, not the runtime's; it also starts
  // faster than the runtime's unbundled SDK (README, "Cold start").
  bundleAwsSDK: true,
  mainFields: ['module', 'main'],
  banner: CJS_IN_ESM_BANNER,
  esbuildArgs: {
    // Lambda's credentials are always in the environment: leave the rest of the SDK's provider chain out.
    '--alias:@aws-sdk/credential-provider-node': `${PROJECT_ROOT}functions/shared/runtime/lambda-credentials.ts`,
    // No call the functions make streams events: leave the event-stream codec out.
    '--alias:@smithy/core/event-streams': `${PROJECT_ROOT}functions/shared/runtime/no-event-streams.ts`,
  },
} satisfies BundlingOptions;

/**
 * FUNCTION_BUNDLING with the deployment's CAPA policy document in place of the shipped one: the
 * functions import it as `#capa-policy`, and esbuild resolves that name to `policyFile`.
 */
export function functionBundling(policyFile: string): BundlingOptions {
  return { ...FUNCTION_BUNDLING, esbuildArgs: { ...FUNCTION_BUNDLING.esbuildArgs, '--alias:#capa-policy': policyFile } };
}

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
 * A NodejsFunction with its own role and log group. The role starts empty except for writing to
 * that one log group (instead of AWSLambdaBasicExecutionRole, which may write any log group), so
 * each caller adds exactly the statements its function needs.
 */
export class OnboardingFunction extends Construct {
  readonly function: NodejsFunction;
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

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}functions/${props.name}/handler.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
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
      bundling: functionBundling(readCapaPolicyConfig(this.node).file),
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
