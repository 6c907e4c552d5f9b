import type { App, Environment } from 'aws-cdk-lib';
import { loadConfig, type StageConfig } from './config.ts';
import { registerNag } from './nag.ts';
import type { HandlerDefinition } from './registry/types.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';

export interface BuiltApp {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly api: ApiStack;
}

export interface BuildAppOptions {
  /** @default the CLI's account/region (CDK_DEFAULT_*), or environment-agnostic when absent (offline synth) */
  readonly env?: Environment;
  /** @default HANDLERS */
  readonly handlers?: readonly HandlerDefinition[];
  /** Register cdk-nag's AwsSolutions checks. @default true */
  readonly nag?: boolean;
}

/**
 * Builds the whole app into `app`: the stage config from context, the stateful and the API stacks, cdk-nag. Shared by
 * bin/app.ts and the infra tests, so the tests check exactly what `cdk synth` produces.
 */
export function buildApp(app: App, options: BuildAppOptions = {}): BuiltApp {
  const config = loadConfig(app.node);
  const env = options.env ?? defaultEnv();
  const prefix = `AgentMessenger-${config.stage}`;
  const tags = { app: 'agent-messenger', stage: config.stage };

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    config,
    env,
    description: `Agent messenger (${config.stage}): tables, users, agent event stream`,
    terminationProtection: config.stage === 'prod',
    tags,
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    config,
    env,
    description: `Agent messenger (${config.stage}): functions, WebSocket and HTTP APIs, schedules`,
    tables: stateful.tables,
    streams: stateful.streams,
    extraStreamSources: { agentEvents: stateful.extraAgentEventStreams },
    userPool: stateful.userPool,
    userPoolClient: stateful.userPoolClient,
    handlers: options.handlers,
    tags,
  });

  if (options.nag ?? true) registerNag(app);
  return { config, stateful, api };
}

function defaultEnv(): Environment | undefined {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  return account || region ? { account, region } : undefined;
}
