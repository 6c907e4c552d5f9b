import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetStaging, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLE, sourceMapOptions } from '../bundling.ts';
import { acknowledgeXRay } from '../nag.ts';

/**
 * The repository root, resolved from this file rather than from the working directory: `cdk synth` runs from the root
 * but vitest, editors and scripts may not, and entries in the registry are relative to the root.
 */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AppFunctionProps {
  /** Entry module relative to the repository root, e.g. `functions/handlers/http/health.ts`; exports `handler`. */
  readonly entry: string;
  readonly description?: string;
  /**
   * Memory in MB. 256 MB is the sweet spot for I/O-bound Node handlers: CPU scales with memory, and below 256 MB cold
   * starts of an SDK-using bundle get noticeably slower.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10) — API Gateway integrations give up at 29 s anyway; a handler needing more than 10 s
   * on a request path is a design problem, and the registry can raise it per function.
   */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_WEEK */
  readonly logRetention?: logs.RetentionDays;
  /** Removal policy of the function's log group. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** `POWERTOOLS_LOG_LEVEL`. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** `POWERTOOLS_SERVICE_NAME`: one service for the whole backend, so logs and traces group together. @default 'agent-messenger' */
  readonly serviceName?: string;
  /**
   * Source maps in the bundle and `NODE_OPTIONS=--enable-source-maps`: TypeScript lines in stack traces, paid at every
   * cold start (lib/bundling.ts). @default false
   */
  readonly sourceMaps?: boolean;
  /** Extra environment variables; prefer the `bind*` methods, which set the variable and the grant together. */
  readonly environment?: Record<string, string>;
}

/**
 * The house Lambda function. Every default lives here, documented, so a handler definition only says what is special
 * about it:
 *
 * - runtime `nodejs24.x`: the newest the CDK offers (cdk-nag AwsSolutions-L1 requires the latest);
 * - ARM64 (Graviton): about 20 % cheaper per GB-second than x86 and at least as fast for Node;
 * - active X-Ray tracing, so a WebSocket frame can be followed through Lambda, DynamoDB and the management API;
 * - an explicit log group with retention and removal policy (the implicit `/aws/lambda/...` group never expires and
 *   outlives the stack);
 * - an explicit role with no AWS managed policy: the managed `AWSLambdaBasicExecutionRole` may write to any log group
 *   in the account (cdk-nag IAM4); this role may write only to its own log group;
 * - the AWS SDK bundled, minified, as an ES module (lib/bundling.ts): shorter cold starts than the runtime's copy;
 * - source maps only when asked (`sourceMaps`): Node reads a function's map at every cold start.
 */
/**
 * A role whose grants land in one inline policy of the role itself rather than in CDK's separate `DefaultPolicy`
 * (an `AWS::IAM::Policy` resource per role). The statements and the IAM limits are the same (both are inline policies
 * of the role); the API stack saves one CloudFormation resource per function, and with ~70 functions it would
 * otherwise pass CloudFormation's 500 resources per stack (test/infra/wiring.test.ts synthesises with Connect).
 */
class InlinePolicyRole extends iam.Role {
  private readonly grantStatements: iam.PolicyDocument;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    const grants = new iam.PolicyDocument();
    super(scope, id, { ...props, inlinePolicies: { ...props.inlinePolicies, grants } });
    this.grantStatements = grants;
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.grantStatements.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }
}

export class AppFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    // The log group must exist before super() (the function references it), but `this` is unusable until then: create
    // it on the scope under an id derived from the function's.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new InlinePolicyRole(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);
    // Active tracing adds the X-Ray statement, whose Resource can only be "*".
    acknowledgeXRay(role);
    const sourceMaps = sourceMapOptions(props.sourceMaps ?? false);

    super(scope, id, {
      entry: join(REPO_ROOT, props.entry),
      // The lock file pins what esbuild resolves; its directory is also the project root the bundler mounts.
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'agent-messenger',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...(sourceMaps.nodeOptions ? { NODE_OPTIONS: sourceMaps.nodeOptions } : {}),
        ...props.environment,
      },
      // One set of esbuild options (lib/bundling.ts, each choice explained there) for the deployed functions and the
      // coldstart benchmark, so the benchmark measures what is deployed. ESM (`index.mjs`): top-level await at init,
      // tree shaking of the SDK's ES modules, and the module format the code runs in locally.
      bundling: {
        minify: BUNDLE.minify,
        sourceMap: sourceMaps.sourceMap,
        sourcesContent: BUNDLE.sourcesContent,
        format: OutputFormat.ESM,
        banner: BUNDLE.banner,
        target: BUNDLE.target,
        // The SDK is bundled: both settings say so (CDK's default for Node runtimes marks `@aws-sdk/*` external).
        bundleAwsSDK: true,
        externalModules: [...BUNDLE.externalModules],
        mainFields: [...BUNDLE.mainFields],
        // `--alias:from=to` for each; the paths are relative to the repository root, the working directory of local
        // bundling (CDK runs esbuild in the project root) and, set here, of Docker bundling (mounted at /asset-input).
        esbuildArgs: { '--alias': Object.entries(BUNDLE.alias).map(([from, to]) => `${from}=${to}`) },
        workingDirectory: AssetStaging.BUNDLING_INPUT_DIR,
      },
    });
  }

  /**
   * Grants read or read/write data access to a table. The table's variable comes from the registry's access like
   * every other (lib/registry/environment.ts), in lib/constructs/access.ts.
   */
  grantTable(table: ITable, access: 'read' | 'readwrite'): void {
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
  }
}

/** `lambda:InvokeFunction` on the unqualified function ARN only (see `AppFunction.bindInvoke`). */
export function grantInvokeExact(target: lambda.IFunction, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['lambda:InvokeFunction'],
    resourceArns: [target.functionArn],
    scope: Stack.of(target),
  });
}
