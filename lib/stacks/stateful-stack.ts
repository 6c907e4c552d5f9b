import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { acknowledgeDevUserPoolMfa } from '../nag.ts';
import type { StreamKey } from '../registry/types.ts';
import { TABLES, type TableDefinition, type TableKey } from '../tables.ts';

/** The roles a user can hold; Cognito groups of the same names put them into the `cognito:groups` claim. */
export const USER_GROUPS = ['admin', 'supervisor', 'agent'] as const;
/** The deployment's operators (functions/domain/connect-binding.ts checks the same name). */
export const OPERATOR_GROUP = 'operator';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Everything that holds data or identities: tables, users, the agent event stream. Kept apart from the functions and
 * APIs so that the stateless stack can be destroyed and redeployed freely, and so that a refactoring there can never
 * replace a table.
 */
export class StatefulStack extends Stack {
  public readonly tables: Readonly<Record<TableKey, dynamodb.Table>>;
  public readonly userPool: cognito.UserPool;
  /** The consoles' app client: public (no secret), SRP sign-in. Its id is the JWT audience. */
  public readonly userPoolClient: cognito.UserPoolClient;
  /** Kinesis streams by registry key. `agentEvents` is imported when `agentEventStreamArn` is configured. */
  public readonly streams: Readonly<Record<StreamKey, kinesis.IStream>>;
  /** Agent event streams of Connect instances that write to a stream of their own (imported, never created). */
  public readonly extraAgentEventStreams: readonly kinesis.IStream[];

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.tables = {
      main: createTable(this, TABLES.main, config),
      idempotency: createTable(this, TABLES.idempotency, config),
    };

    const prod = config.stage === 'prod';
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Users are provisioned by admins (tenant onboarding), never by strangers.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      customAttributes: {
        // Immutable: a user cannot move between tenants; every authorization decision keys on it.
        tenant: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
        // The name agents see as a message's sender. Mutable for administrators (AdminUpdateUserAttributes) but not
        // writable through the app client below, unlike the standard `name` that users may edit themselves.
        displayName: new cognito.StringAttribute({ minLen: 1, maxLen: 200, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Prod requires TOTP; dev keeps it optional so test users can sign in from scripts (acknowledged below).
      mfa: prod ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Plus tier: threat protection (compromised credentials, adaptive authentication). Enforced in prod; audit only in
      // dev, where scripted sign-ins from CI would otherwise look like an attack.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: prod
        ? cognito.StandardThreatProtectionMode.FULL_FUNCTION
        : cognito.StandardThreatProtectionMode.AUDIT_ONLY,
      deletionProtection: prod,
      removalPolicy: config.removalPolicy,
    });
    if (!prod) acknowledgeDevUserPoolMfa(this.userPool);

    USER_GROUPS.forEach((group, precedence) => {
      // Lower precedence wins when a user is in several groups (admin over supervisor over agent).
      this.userPool.addGroup(`Group-${group}`, {
        groupName: group,
        precedence,
        description: `Users with the ${group} role`,
      });
    });

    // Deployment staff, not tenant users: they bind the deployment's Connect instances to tenants (the operator routes).
    // Its members are added by whoever administers the user pool in AWS; no route of the app can add one.
    this.userPool.addGroup('Group-operator', {
      groupName: OPERATOR_GROUP,
      description: "Operators of the deployment: bind Connect instances to tenants (no tenant's role)",
    });

    const readable = new cognito.ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
      .withCustomAttributes('tenant', 'displayName');
    this.userPoolClient = this.userPool.addClient('ConsoleClient', {
      // A browser app cannot keep a secret.
      generateSecret: false,
      // SRP: the password never leaves the browser. No USER_PASSWORD_AUTH, no custom auth.
      authFlows: { userSrp: true },
      // The consoles sign in with SRP only: no hosted UI, so no OAuth flow at all (CDK's default would enable the
      // implicit and code grants with the placeholder callback https://example.com). A hosted-UI client would set
      // `oAuth: { flows: { authorizationCodeGrant: true }, callbackUrls: [<the console's real URL>] }` instead.
      disableOAuth: true,
      // ID tokens carry custom:tenant, custom:displayName, cognito:groups and cognito:username.
      readAttributes: readable,
      // Users may edit their own `name` (which nothing trusts), never their tenant nor the display name agents see.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    const agentEvents = config.agentEventStreamArn
      ? kinesis.Stream.fromStreamArn(this, 'AgentEvents', config.agentEventStreamArn)
      : new kinesis.Stream(this, 'AgentEvents', {
          // Connect Agent Event Stream records. Encrypted with the AWS managed key (aws/kinesis): no key policy to
          // manage, Connect's service-linked role can use it, and cdk-nag KDS3 prefers it over a CMK.
          encryption: kinesis.StreamEncryption.MANAGED,
          retentionPeriod: Duration.hours(24),
          // One provisioned shard (1 MB/s, 1,000 records/s in) carries a heartbeat per agent every 2 minutes plus
          // state changes for thousands of agents, at a third of the cost of on-demand mode.
          streamMode: kinesis.StreamMode.PROVISIONED,
          shardCount: 1,
          removalPolicy: config.removalPolicy,
        });

    // Agent telemetry (alerts): partitioned by tenant + agent, so each agent's batches stay in order on one shard.
    // One provisioned shard takes 1,000 records/s: 5,000 agents at one batch per 5 s (README: cadence and cost).
    // Telemetry is worth seconds, not days: the 24 h minimum retention is plenty for retries and replays.
    const telemetry = new kinesis.Stream(this, 'Telemetry', {
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: 1,
      removalPolicy: config.removalPolicy,
    });
    // Status feed (status changes and agent events on their way to consoles): partitioned by tenant, so a tenant's
    // changes keep their order and its consumer run sees them together. One shard takes 1,000 records/s — a floor of
    // thousands of agents changing several times a minute; add shards for more tenants (tenants spread by key).
    // Worth seconds: the 24 h minimum retention is plenty for retries.
    const statusFeed = new kinesis.Stream(this, 'StatusFeed', {
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: 1,
      removalPolicy: config.removalPolicy,
    });
    this.streams = { agentEvents, telemetry, statusFeed };

    const own = new Set(
      config.connectInstances
        .map((i) => i.agentEventStreamArn)
        .filter((arn): arn is string => arn !== undefined && arn !== config.agentEventStreamArn),
    );
    this.extraAgentEventStreams = [...own].map((arn, n) =>
      kinesis.Stream.fromStreamArn(this, `ConnectAgentEvents${n + 1}`, arn),
    );

    new CfnOutput(this, 'AgentEventStreamArn', {
      value: agentEvents.streamArn,
      description: 'Point the Amazon Connect instance\u2019s Agent Event Stream (Data storage) at this stream',
    });
  }
}

function createTable(scope: Construct, def: TableDefinition, config: StageConfig): dynamodb.Table {
  const table = new dynamodb.Table(scope, def.id, {
    partitionKey: { name: def.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: def.sortKey ? { name: def.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
    // Traffic follows shifts and bursts with campaigns: on-demand costs nothing idle and needs no capacity planning.
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // AWS managed key (aws/dynamodb): key use is visible in CloudTrail, nothing to rotate or grant. A customer managed
    // key would add a key policy and per-request KMS cost for no access boundary this app needs (only its own roles
    // read the tables).
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: def.ttlAttribute,
    deletionProtection: config.stage === 'prod',
    removalPolicy: config.removalPolicy,
  });
  for (const index of def.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}
