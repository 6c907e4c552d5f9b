import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../lib/registry/index.ts';
import { OPERATOR_GROUP, USER_GROUPS } from '../../lib/stacks/stateful-stack.ts';
import { TABLES } from '../../lib/tables.ts';
import {
  actionsOf,
  envOf,
  logicalId,
  policyStatements,
  resourceList,
  resourcesOf,
  type SynthResult,
  statementsOfRole,
  synthApp,
} from './support.ts';

const wsRoutes = HANDLERS.flatMap((h) => (h.trigger.kind === 'ws' ? [h.trigger.route] : []));
const httpRoutes = HANDLERS.flatMap((h) => (h.trigger.kind === 'http' ? [h.trigger] : []));

describe('the app with the registry as it is (stage dev, nothing configured)', () => {
  let s: SynthResult;
  beforeAll(() => {
    s = synthApp();
  });

  it('names the stacks after the stage', () => {
    expect(s.stateful.stackName).toBe('AgentMessenger-dev-Stateful');
    expect(s.api.stackName).toBe('AgentMessenger-dev-Api');
  });

  describe('WebSocket API', () => {
    it('routes frames by their action field', () => {
      s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: '$request.body.action',
      });
    });

    it('has exactly one route per ws registry entry', () => {
      expect(wsRoutes).toEqual(expect.arrayContaining(['$connect', '$disconnect', '$default', 'ping']));
      const routeKeys = resourcesOf(s.apiTemplate, 'AWS::ApiGatewayV2::Route')
        .map(([, r]) => (r.Properties as { RouteKey: string }).RouteKey)
        .filter((k) => !/^(GET|POST|PUT|PATCH|DELETE) /.test(k));
      expect(routeKeys.sort()).toEqual([...wsRoutes].sort());
    });

    it('authorizes $connect with a REQUEST authorizer reading the token query parameter', () => {
      const [authorizerId] = resourcesOf(s.apiTemplate, 'AWS::ApiGatewayV2::Authorizer')
        .filter(([, r]) => (r.Properties as { AuthorizerType: string }).AuthorizerType === 'REQUEST')
        .map(([id]) => id);
      expect(authorizerId).toBeDefined();
      s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        IdentitySource: ['route.request.querystring.token'],
      });
      s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: '$connect',
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
    });

    it('answers message routes (two-way) but not $connect/$disconnect', () => {
      const responses = resourcesOf(s.apiTemplate, 'AWS::ApiGatewayV2::RouteResponse');
      const twoWay = wsRoutes.filter((r) => r !== '$connect' && r !== '$disconnect');
      expect(responses).toHaveLength(twoWay.length);
      for (const route of ['$connect', '$disconnect']) {
        s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: route,
          RouteResponseSelectionExpression: Match.absent(),
        });
      }
      for (const route of twoWay) {
        s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: route,
          RouteResponseSelectionExpression: '$default',
        });
      }
    });

    it('deploys a stage named after the stage, with access logs and default throttling', () => {
      s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: 'dev',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('connectionId') },
        DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      });
    });
  });

  describe('HTTP API', () => {
    it('has the registry routes, JWT-authorized or public as declared', () => {
      expect(httpRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining(['GET /health', 'GET /me']),
      );
      const [jwtId] = resourcesOf(s.apiTemplate, 'AWS::ApiGatewayV2::Authorizer')
        .filter(([, r]) => (r.Properties as { AuthorizerType: string }).AuthorizerType === 'JWT')
        .map(([id]) => id);
      for (const route of httpRoutes) {
        s.apiTemplate.hasResourceProperties(
          'AWS::ApiGatewayV2::Route',
          route.auth === 'jwt'
            ? { RouteKey: `${route.method} ${route.path}`, AuthorizationType: 'JWT', AuthorizerId: { Ref: jwtId } }
            : { RouteKey: `${route.method} ${route.path}`, AuthorizationType: 'NONE', AuthorizerId: Match.absent() },
        );
      }
    });

    it('validates Cognito ID tokens of the console client', () => {
      s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('UserPoolConsoleClient') })],
          Issuer: Match.objectLike({
            'Fn::Join': [
              '',
              Match.arrayWith([
                'https://cognito-idp.',
                Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('UserPool') }),
              ]),
            ],
          }),
        },
      });
    });

    it('logs access on the $default stage and sends no CORS headers unless origins are configured', () => {
      s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      });
      s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: Match.absent(),
      });
    });
  });

  describe('tables', () => {
    for (const def of Object.values(TABLES)) {
      it(`${def.id}: keys, indexes, TTL, on-demand, PITR, encryption as lib/tables.ts says`, () => {
        const [, table] = resourcesOf(s.statefulTemplate, 'AWS::DynamoDB::Table').find(([id]) =>
          id.startsWith(def.id),
        ) ?? ['', undefined];
        if (!table) throw new Error(`no table ${def.id}`);
        expect(table.Properties).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: def.partitionKey, KeyType: 'HASH' },
            ...('sortKey' in def ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' }] : []),
          ],
          TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
        });
        const indexes = (table.Properties as { GlobalSecondaryIndexes?: unknown[] }).GlobalSecondaryIndexes ?? [];
        expect(indexes).toEqual(
          def.indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.partitionKey, KeyType: 'HASH' },
              { AttributeName: i.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        );
        expect(table.DeletionPolicy).toBe('Delete');
      });
    }
  });

  describe('user pool', () => {
    it('is admin-provisioned, with a strong password policy, an immutable tenant and threat protection', () => {
      s.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: Match.anyValue(),
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        Schema: Match.arrayWith([Match.objectLike({ Name: 'tenant', AttributeDataType: 'String', Mutable: false })]),
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: Match.anyValue() },
      });
    });

    it('has the admin, supervisor and agent groups, and the deployment operators', () => {
      const groups = resourcesOf(s.statefulTemplate, 'AWS::Cognito::UserPoolGroup').map(
        ([, r]) => (r.Properties as { GroupName: string }).GroupName,
      );
      expect(groups.sort()).toEqual([...USER_GROUPS, OPERATOR_GROUP].sort());
      expect(USER_GROUPS).toEqual(['admin', 'supervisor', 'agent']);
    });

    it('has a public SRP client that reads the tenant and the display name but can write neither', () => {
      s.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']),
        ReadAttributes: Match.arrayWith(['custom:displayName', 'custom:tenant']),
      });
      s.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
        Schema: Match.arrayWith([
          Match.objectLike({ Name: 'displayName', AttributeDataType: 'String', Mutable: true }),
        ]),
      });
      const [[, client] = []] = resourcesOf(s.statefulTemplate, 'AWS::Cognito::UserPoolClient');
      const props = (client as { Properties: Record<string, unknown> } | undefined)?.Properties ?? {};
      // An explicit list: an absent WriteAttributes would let users write every attribute.
      expect(props.WriteAttributes).toEqual(['name']);
    });

    it('enables only the sign-in flows the consoles use: SRP and refresh, no OAuth grant, no callback URL', () => {
      const clients = resourcesOf(s.statefulTemplate, 'AWS::Cognito::UserPoolClient');
      expect(clients).toHaveLength(1);
      const props = (clients[0]?.[1] as { Properties: Record<string, unknown> } | undefined)?.Properties ?? {};
      expect([...((props.ExplicitAuthFlows as string[]) ?? [])].sort()).toEqual([
        'ALLOW_REFRESH_TOKEN_AUTH',
        'ALLOW_USER_SRP_AUTH',
      ]);
      expect(props.AllowedOAuthFlowsUserPoolClient).not.toBe(true);
      expect(props.AllowedOAuthFlows).toBeUndefined();
      expect(props.CallbackURLs).toBeUndefined();
      expect(JSON.stringify(s.statefulTemplate.toJSON())).not.toContain('example.com');
    });
  });

  it('creates an encrypted 24 h agent event stream when none is configured', () => {
    s.statefulTemplate.hasResourceProperties('AWS::Kinesis::Stream', {
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('runs every function on nodejs24.x, arm64, traced, with its own log group and the Powertools env', () => {
    const functions = resourcesOf(s.apiTemplate, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(HANDLERS.length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: 'agent-messenger',
            POWERTOOLS_LOG_LEVEL: 'INFO',
          }),
        },
      });
      // Source maps are off by default: Node would read each function's map at every cold start.
      expect((fn.Properties as { Environment: { Variables: object } }).Environment.Variables).not.toHaveProperty(
        'NODE_OPTIONS',
      );
    }
  });

  it('gives functions roles without AWS managed policies', () => {
    for (const [, role] of resourcesOf(s.apiTemplate, 'AWS::IAM::Role')) {
      expect((role.Properties as { ManagedPolicyArns?: unknown }).ManagedPolicyArns).toBeUndefined();
    }
  });

  it('has no "Resource: *" statement except the X-Ray one active tracing needs', () => {
    for (const template of [s.statefulTemplate, s.apiTemplate]) {
      for (const [id, st] of policyStatements(template).filter(([, x]) => resourceList(x).includes('*'))) {
        expect({ id, actions: actionsOf(st).sort() }).toEqual({
          id,
          actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        });
      }
    }
  });

  it('wires the registry access: table env vars with their grants, token settings for the authorizer', () => {
    for (const def of HANDLERS) {
      const fn = s.api.functions.get(def.name);
      expect(fn).toBeDefined();
      if (!fn) continue;
      const env = envOf(s.apiTemplate, logicalId(fn));
      const statements = statementsOfRole(s.apiTemplate, fn.role ? logicalId(fn.role) : '');
      const dynamoActions = statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
      for (const [key, level] of Object.entries(def.access.tables ?? {})) {
        expect(env).toHaveProperty(TABLES[key as keyof typeof TABLES].envVar);
        expect(dynamoActions).toContain('dynamodb:Query');
        if (level === 'readwrite') expect(dynamoActions).toContain('dynamodb:PutItem');
        else expect(dynamoActions).not.toContain('dynamodb:PutItem');
      }
      if (!def.access.tables) expect(dynamoActions).toEqual([]);
      if (def.access.verifiesTokens) {
        expect(Object.keys(env)).toEqual(expect.arrayContaining(['JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URI']));
        expect(JSON.stringify(env.JWKS_URI)).toContain('/.well-known/jwks.json');
      } else {
        expect(env).not.toHaveProperty('JWT_ISSUER');
      }
      if (def.access.connect) expect(env).toHaveProperty('CONNECT_INSTANCE_ARNS');
      else expect(env).not.toHaveProperty('CONNECT_INSTANCE_ARNS');
    }
  });

  it('outputs the endpoints and identifiers a client needs', () => {
    const outputs = Object.keys(s.apiTemplate.toJSON().Outputs as object);
    expect(outputs).toEqual(
      expect.arrayContaining(['WebSocketUrl', 'HttpApiUrl', 'UserPoolId', 'UserPoolClientId', 'AgentEventStreamName']),
    );
    s.apiTemplate.hasOutput('WebSocketUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['wss://', Match.stringLikeRegexp('/dev$')])] },
    });
  });
});

describe('configured variants', () => {
  it('prod retains tables, the user pool and the stream', () => {
    const s = synthApp({ stage: 'prod' });

    expect(s.stateful.stackName).toBe('AgentMessenger-prod-Stateful');
    for (const type of ['AWS::DynamoDB::Table', 'AWS::Cognito::UserPool', 'AWS::Kinesis::Stream']) {
      const resources = resourcesOf(s.statefulTemplate, type);
      expect(resources.length).toBeGreaterThan(0);
      for (const [, r] of resources) expect({ type, policy: r.DeletionPolicy }).toEqual({ type, policy: 'Retain' });
    }
    s.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
    s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'prod' });
  });

  it('imports an existing agent event stream instead of creating one', () => {
    const arn = 'arn:aws:kinesis:eu-west-2:123456789012:stream/connect-agent-events';
    const s = synthApp({ agentEventStreamArn: arn });

    // Only the telemetry and status feed streams (always created: nothing outside the app writes to them).
    expect(resourcesOf(s.statefulTemplate, 'AWS::Kinesis::Stream').map(([id]) => id)).toEqual([
      expect.stringMatching(/^Telemetry/),
      expect.stringMatching(/^StatusFeed/),
    ]);
    s.apiTemplate.hasOutput('AgentEventStreamName', { Value: 'connect-agent-events' });
  });

  it('configures CORS for the given origins', () => {
    const s = synthApp({ allowedOrigins: 'https://console.example.com,http://localhost:5173' });

    s.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://console.example.com', 'http://localhost:5173'],
        AllowHeaders: Match.arrayWith(['authorization']),
        ExposeHeaders: Match.arrayWith(['x-next-cursor']),
      }),
    });
  });

  it('runs every function with source maps when the context asks for them', () => {
    const s = synthApp({ sourceMaps: 'true' });

    const functions = resourcesOf(s.apiTemplate, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(HANDLERS.length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
    }
  });

  it('fails the synth with a clear message on invalid context', () => {
    expect(() => synthApp({ stage: 'qa' })).toThrow(/stage/);
  });
});
