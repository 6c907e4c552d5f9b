import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import * as connect from 'aws-cdk-lib/aws-connect';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type IStream, StreamConsumer } from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisConsumerEventSource, KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { applyAccess, cognitoIssuer } from '../constructs/access.ts';
import { AppFunction, grantInvokeExact } from '../constructs/app-function.ts';
import { RuntimeScheduling } from '../constructs/runtime-scheduling.ts';
import { acknowledgeFailureQueue, acknowledgePublicHttpRoute, acknowledgeWebSocketRoute } from '../nag.ts';
import { HANDLERS, type HandlerDefinition, type StreamKey, type Trigger } from '../registry/index.ts';
import { validateHandlers } from '../registry/validate.ts';
import type { TableKey } from '../tables.ts';

/** WebSocket identity source: browsers cannot set headers on `new WebSocket()`, so the token is a query parameter. */
export const WS_IDENTITY_SOURCE = 'route.request.querystring.token';
/** Frames are routed by their `action` field; anything else goes to `$default`. */
export const WS_ROUTE_SELECTION = '$request.body.action';

/** Kinesis consumer settings shared by every `kinesis` trigger; the registry sets only batch size and window. */
export const KINESIS_CONSUMER = {
  /**
   * LATEST, not TRIM_HORIZON: agent events are a live state feed. Every record carries the agent's full snapshot and a
   * HEART_BEAT arrives every 120 s, so state heals by itself after a gap; replaying up to 24 h of history on first
   * deploy (or when the mapping is recreated) would instead push stale "contact offered" events to agents.
   */
  startingPosition: lambda.StartingPosition.LATEST,
  /** A poisoned record is isolated by bisecting, retried a bounded number of times, then sent to the failure queue. */
  retryAttempts: 5,
  /** Status older than this is no longer news; the failure queue keeps its coordinates for a replay if needed. */
  maxRecordAge: Duration.hours(1),
} as const;

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly tables: Readonly<Record<TableKey, ITable>>;
  readonly streams: Readonly<Record<StreamKey, IStream>>;
  /**
   * Further streams a `kinesis` trigger consumes besides `streams[key]`: the agent event streams of Connect instances
   * that write to a stream of their own (`connectInstances[].agentEventStreamArn`).
   * @default none
   */
  readonly extraStreamSources?: Readonly<Partial<Record<StreamKey, readonly IStream[]>>>;
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
  /**
   * The functions to deploy and wire.
   * @default HANDLERS (lib/registry) — tests pass their own definitions to exercise triggers the registry lacks yet
   */
  readonly handlers?: readonly HandlerDefinition[];
}

/**
 * The stateless part: one AppFunction per registry entry, wired generically from its `trigger` and `access`, so that a
 * new capability only adds registry entries. Everything here can be destroyed and redeployed without losing data.
 */
export class ApiStack extends Stack {
  /** Every function by registry name. */
  public readonly functions: ReadonlyMap<string, AppFunction>;
  public readonly webSocketApi?: apigw.WebSocketApi;
  public readonly webSocketStage?: apigw.WebSocketStage;
  public readonly httpApi?: apigw.HttpApi;
  public readonly httpStage?: apigw.HttpStage;
  private readonly config: StageConfig;
  private runtimeScheduling?: RuntimeScheduling;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const handlers = props.handlers ?? HANDLERS;
    validateHandlers(handlers);

    const functions = new Map<string, AppFunction>();
    for (const def of handlers) {
      functions.set(
        def.name,
        new AppFunction(this, def.name, {
          entry: def.entry,
          description: def.description,
          memorySize: def.memorySize,
          timeout: def.timeoutSeconds === undefined ? undefined : Duration.seconds(def.timeoutSeconds),
          logRetention: config.logRetention,
          logRemovalPolicy: config.removalPolicy,
          logLevel: config.logLevel,
          sourceMaps: config.sourceMaps,
        }),
      );
    }
    this.functions = functions;
    const fn = (name: string): AppFunction => {
      const found = functions.get(name);
      if (!found) throw new Error(`No function ${name}`);
      return found;
    };

    if (handlers.some((h) => h.trigger.kind === 'ws')) {
      this.webSocketApi = new apigw.WebSocketApi(this, 'WebSocketApi', {
        apiName: `${this.stackName}-ws`,
        description: `Agent messenger WebSocket API (${config.stage})`,
        routeSelectionExpression: WS_ROUTE_SELECTION,
      });
      this.webSocketStage = new apigw.WebSocketStage(this, 'WebSocketStage', {
        webSocketApi: this.webSocketApi,
        stageName: config.stage,
        autoDeploy: true,
        // Default route throttling: a runaway client cannot eat the account-wide 10,000 requests/s budget, which the
        // @connections callbacks of the fan-out share.
        throttle: { rateLimit: 1000, burstLimit: 500 },
        accessLogSettings: this.accessLogs('WebSocketAccessLogs', {
          requestId: '$context.requestId',
          eventType: '$context.eventType',
          routeKey: '$context.routeKey',
          connectionId: '$context.connectionId',
          status: '$context.status',
          requestTime: '$context.requestTime',
          sourceIp: '$context.identity.sourceIp',
          integrationLatency: '$context.integrationLatency',
          error: '$context.error.message',
          authorizerError: '$context.authorizer.error',
        }),
      });
    }

    if (handlers.some((h) => h.trigger.kind === 'http')) {
      const origins = config.allowedOrigins;
      this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
        apiName: `${this.stackName}-http`,
        description: `Agent messenger HTTP API (${config.stage})`,
        // The default stage is created below, with access logging (the built-in one cannot be configured).
        createDefaultStage: false,
        corsPreflight:
          origins.length > 0
            ? {
                allowOrigins: [...origins],
                allowMethods: [apigw.CorsHttpMethod.ANY],
                allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
                // The CSV export pages with these; a browser reads only headers it is allowed to.
                exposeHeaders: ['x-next-cursor', 'x-row-count', 'content-disposition'],
                maxAge: Duration.hours(1),
              }
            : undefined,
      });
      this.httpStage = new apigw.HttpStage(this, 'HttpStage', {
        httpApi: this.httpApi,
        stageName: '$default',
        autoDeploy: true,
        throttle: { rateLimit: 500, burstLimit: 250 },
        accessLogSettings: this.accessLogs('HttpAccessLogs', {
          requestId: '$context.requestId',
          routeKey: '$context.routeKey',
          status: '$context.status',
          requestTime: '$context.requestTime',
          sourceIp: '$context.identity.sourceIp',
          responseLatency: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
          authorizerError: '$context.authorizer.error',
        }),
      });
    }

    const issuer = cognitoIssuer(props.userPool.userPoolId);
    for (const def of handlers) {
      applyAccess(fn(def.name), def, {
        tables: props.tables,
        streams: props.streams,
        functions,
        tokens: { issuer, audience: props.userPoolClient.userPoolClientId },
        webSocketStage: this.webSocketStage,
        scheduling: () => {
          this.runtimeScheduling ??= new RuntimeScheduling(this, 'RuntimeSchedules', {
            removalPolicy: config.removalPolicy,
          });
          return this.runtimeScheduling;
        },
        connectInstanceArns: config.connectInstances.map((i) => i.instanceArn),
        heartbeatLines: config.heartbeatLines,
      });
    }

    // The authorizer must exist before the $connect route that uses it.
    const authorizerDef = handlers.find((h) => h.trigger.kind === 'ws-authorizer');
    const wsAuthorizer = authorizerDef
      ? new WebSocketLambdaAuthorizer('TokenAuthorizer', fn(authorizerDef.name), {
          identitySource: [WS_IDENTITY_SOURCE],
        })
      : undefined;
    const jwtAuthorizer = new HttpJwtAuthorizer('CognitoJwt', issuer, {
      jwtAudience: [props.userPoolClient.userPoolClientId],
    });

    for (const def of handlers) {
      this.wireTrigger(def, def.trigger, fn(def.name), {
        wsAuthorizer,
        jwtAuthorizer,
        streams: props.streams,
        extraStreams: props.extraStreamSources ?? {},
      });
    }

    if (this.webSocketStage) {
      new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketStage.url, description: 'wss:// URL for clients' });
      new CfnOutput(this, 'WebSocketCallbackUrl', {
        value: this.webSocketStage.callbackUrl,
        description: '@connections management endpoint (WS_ENDPOINT)',
      });
    }
    if (this.httpStage) {
      new CfnOutput(this, 'HttpApiUrl', { value: this.httpStage.url, description: 'Base URL of the HTTP API' });
    }
    new CfnOutput(this, 'UserPoolId', { value: props.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: props.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'JwtIssuer', { value: issuer });
    new CfnOutput(this, 'AgentEventStreamName', { value: props.streams.agentEvents.streamName });
  }

  /** The runtime schedule group and its grants; present when some function `schedulesTargets`. */
  public get scheduling(): RuntimeScheduling | undefined {
    return this.runtimeScheduling;
  }

  private wireTrigger(
    def: HandlerDefinition,
    trigger: Trigger,
    fn: AppFunction,
    ctx: {
      wsAuthorizer?: WebSocketLambdaAuthorizer;
      jwtAuthorizer: HttpJwtAuthorizer;
      streams: Readonly<Record<StreamKey, IStream>>;
      extraStreams: Readonly<Partial<Record<StreamKey, readonly IStream[]>>>;
    },
  ): void {
    switch (trigger.kind) {
      case 'ws-authorizer':
      case 'invoke':
        // The authorizer is attached to $connect; `invoke` functions are reached through others' access.
        return;
      case 'connect-flow':
        this.allowContactFlows(def, fn);
        return;
      case 'ws': {
        const api = this.webSocketApi;
        if (!api) throw new Error('unreachable: ws trigger without a WebSocket API');
        const isConnect = trigger.route === '$connect';
        const route = api.addRoute(trigger.route, {
          integration: new WebSocketLambdaIntegration(`${def.name}Integration`, fn),
          authorizer: isConnect ? ctx.wsAuthorizer : undefined,
          // Two-way for message routes: the handler's `body` is sent back as the reply frame. $connect/$disconnect
          // replies are not frames (the handshake status is all a client sees).
          returnResponse: !isConnect && trigger.route !== '$disconnect',
        });
        if (!isConnect) acknowledgeWebSocketRoute(route);
        return;
      }
      case 'http': {
        const api = this.httpApi;
        if (!api) throw new Error('unreachable: http trigger without an HTTP API');
        const routes = api.addRoutes({
          path: trigger.path,
          methods: [apigw.HttpMethod[trigger.method]],
          integration: new HttpLambdaIntegration(`${def.name}Integration`, fn),
          authorizer: trigger.auth === 'jwt' ? ctx.jwtAuthorizer : new apigw.HttpNoneAuthorizer(),
        });
        if (trigger.auth === 'none') for (const route of routes) acknowledgePublicHttpRoute(route);
        return;
      }
      case 'kinesis': {
        const failures = new sqs.Queue(this, `${def.name}Failures`, {
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: this.config.failureRetention,
        });
        acknowledgeFailureQueue(failures);
        for (const [n, stream] of [
          ctx.streams[trigger.stream],
          ...(ctx.extraStreams[trigger.stream] ?? []),
        ].entries()) {
          const props = {
            ...KINESIS_CONSUMER,
            batchSize: trigger.batchSize,
            maxBatchingWindow:
              trigger.maxBatchingWindowSeconds === undefined
                ? undefined
                : Duration.seconds(trigger.maxBatchingWindowSeconds),
            // The handler reports failed records (Powertools BatchProcessor); only those are retried.
            reportBatchItemFailures: true,
            bisectBatchOnError: true,
            // Kinesis failure records carry the shard and sequence numbers, not the data: within the stream's
            // retention the batch can be re-read from there.
            onFailure: new SqsDlq(failures),
          };
          fn.addEventSource(
            trigger.enhancedFanOut
              ? // A dedicated consumer: records are pushed to the function (≈70 ms) instead of polled per shard.
                new KinesisConsumerEventSource(
                  new StreamConsumer(this, `${def.name}Consumer${n === 0 ? '' : n}`, {
                    stream,
                    streamConsumerName: `${this.stackName}-${def.name}${n === 0 ? '' : n}`,
                  }),
                  props,
                )
              : new KinesisEventSource(stream, props),
          );
        }
        return;
      }
      case 'schedule': {
        new scheduler.Schedule(this, `${def.name}Schedule`, {
          description: def.description,
          schedule: scheduler.ScheduleExpression.expression(trigger.expression),
          target: new ExactLambdaInvoke(fn, {
            input: trigger.input ? scheduler.ScheduleTargetInput.fromObject(trigger.input) : undefined,
            // A missed tick is superseded by the next one: retry briefly, never pile up.
            retryAttempts: 2,
            maxEventAge: Duration.minutes(5),
          }),
        });
        return;
      }
    }
  }

  /**
   * Lets the configured Connect instances' contact flows invoke `fn`: per instance, a resource policy for the Connect
   * service principal limited to that instance and this account (confused-deputy guard), and the instance's
   * association with the function, so its flows can pick it in their "Invoke AWS Lambda function" block. No other
   * instance of the account can invoke it.
   */
  private allowContactFlows(def: HandlerDefinition, fn: AppFunction): void {
    for (const { instanceArn } of this.config.connectInstances) {
      const instanceId = instanceArn.slice(instanceArn.lastIndexOf('/') + 1);
      fn.addPermission(`${def.name}ConnectInvoke-${instanceId}`, {
        principal: new iam.ServicePrincipal('connect.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceArn: instanceArn,
        sourceAccount: this.account,
      });
      new connect.CfnIntegrationAssociation(this, `${def.name}ConnectAssociation-${instanceId}`, {
        instanceId: instanceArn,
        integrationType: 'LAMBDA_FUNCTION',
        integrationArn: fn.functionArn,
      });
    }
  }

  private accessLogs(id: string, fields: Record<string, string>): apigw.IAccessLogSettings {
    const logGroup = new logs.LogGroup(this, id, {
      retention: this.config.logRetention,
      removalPolicy: this.config.removalPolicy,
    });
    return {
      destination: new apigw.LogGroupLogDestination(logGroup),
      // JSON lines, one per request, queryable with CloudWatch Logs Insights.
      format: AccessLogFormat.custom(JSON.stringify(fields)),
    };
  }
}

/**
 * The scheduler target for deploy-time schedules. `LambdaInvoke` grants `lambda:InvokeFunction` on `<arn>` and
 * `<arn>:*` (all versions); a schedule invokes the unqualified function only, so grant exactly that.
 */
class ExactLambdaInvoke extends LambdaInvoke {
  private readonly target: lambda.IFunction;

  constructor(target: lambda.IFunction, props: ConstructorParameters<typeof LambdaInvoke>[1]) {
    super(target, props);
    this.target = target;
  }

  protected override addTargetActionToRole(role: IRole): void {
    grantInvokeExact(this.target, role);
  }
}
