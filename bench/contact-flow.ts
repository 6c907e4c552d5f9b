/**
 * contact-flow: the contact-flow Lambda (the deployed handler module) answering Connect's `route` and `outcome` steps
 * for N heartbeats, plus a retry of each outcome, on dynalite. Reports reply latency per step and DynamoDB requests
 * per step. Goal: every reply far below Connect's 8 s block timeout (p99 ≤ 100 ms here), a constant few requests per
 * step, and a retry that writes nothing. Options: --heartbeats N (default 200).
 */
import { parseArgs } from 'node:util';
import { DynamoConnectBindingStore } from '../functions/adapters/connect-binding-repository.ts';
import { DynamoHeartbeatStore } from '../functions/adapters/heartbeat-repository.ts';
import { DynamoStatusStore } from '../functions/adapters/status-repository.ts';
import { HEARTBEAT_TIMEOUT_MS, type Heartbeat, newHeartbeatId } from '../functions/domain/heartbeat-model.ts';
import { lambdaContext } from '../lib/local/lambda.ts';
import { startTestDynamo } from '../test/support/dynalite.ts';
import { log, ms } from './_setup.ts';

const TENANT = 'bench';
const INSTANCE_ID = '0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b';
const INSTANCE_ARN = `arn:aws:connect:us-east-1:000000000000:instance/${INSTANCE_ID}`;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({ args, options: { heartbeats: { type: 'string', default: '200' } } });
  const count = Number(values.heartbeats);
  const db = await startTestDynamo();
  try {
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_DYNAMODB: db.dynamo.endpoint,
      TABLE_NAME: db.table,
      // No agent has a connection: the notifier looks them up and posts nothing.
      WS_ENDPOINT: 'http://127.0.0.1:9/local',
      CONNECT_INSTANCE_ARNS: INSTANCE_ARN,
    });
    const clock = { now: () => Date.now() };
    // What the operator's binding route does.
    await new DynamoConnectBindingStore(db.client, db.table).bind(TENANT, INSTANCE_ARN);
    const store = new DynamoHeartbeatStore(
      db.client,
      db.table,
      new DynamoStatusStore(db.client, db.table, clock),
      clock,
    );
    const heartbeats: Heartbeat[] = [];
    for (let i = 0; i < count; i++) {
      const now = Date.now();
      const h: Heartbeat = {
        tenant: TENANT,
        id: newHeartbeatId(now, `b${i}`),
        agent: `agent-${i}`,
        state: 'started',
        startedAt: new Date(now).toISOString(),
        deadline: now + HEARTBEAT_TIMEOUT_MS,
      };
      if (!(await store.claim(h, now))) throw new Error('claim failed');
      heartbeats.push(h);
    }

    const { handler } = (await import('../functions/handlers/connect/contact-flow.ts')) as {
      handler: (event: unknown, context: unknown) => Promise<Record<string, string>>;
    };
    const { documentClient } = await import('../functions/composition/core.ts');
    const client = documentClient();
    const send = client.send.bind(client) as (...a: unknown[]) => Promise<unknown>;
    let requests = 0;
    (client as unknown as { send: (...a: unknown[]) => Promise<unknown> }).send = (c: unknown, ...rest: unknown[]) => {
      requests++;
      return send(c, ...rest);
    };

    const event = (h: Heartbeat, parameters: Record<string, string>) => ({
      Name: 'ContactFlowEvent',
      Details: {
        ContactData: {
          Attributes: { hbTenant: TENANT, hbAgent: h.agent, hbId: h.id },
          Channel: 'VOICE',
          ContactId: `contact-${h.id}`,
          InitiationMethod: 'OUTBOUND',
          InstanceARN: INSTANCE_ARN,
        },
        Parameters: parameters,
      },
    });
    const steps = {
      route: { params: { step: 'route' }, latencies: [] as number[], requests: 0 },
      outcome: { params: { step: 'outcome', result: 'answered', mos: '4.2' }, latencies: [] as number[], requests: 0 },
      retry: { params: { step: 'outcome', result: 'answered', mos: '4.2' }, latencies: [] as number[], requests: 0 },
    };
    for (const [name, step] of Object.entries(steps)) {
      const before = requests;
      for (const h of heartbeats) {
        const t0 = performance.now();
        const reply = await handler(event(h, step.params), lambdaContext('ConnectHeartbeatFlow', 8000));
        step.latencies.push(performance.now() - t0);
        if (reply.ok !== 'true') throw new Error(`${name}: ${JSON.stringify(reply)}`);
      }
      step.requests = (requests - before) / count;
      step.latencies.sort((a, b) => a - b);
    }
    const figures: Record<string, unknown> = { heartbeats: count };
    log(`contact-flow: ${count} heartbeats, route → outcome → outcome retry (dynalite, in process)`);
    for (const [name, step] of Object.entries(steps)) {
      const p50 = pct(step.latencies, 0.5);
      const p99 = pct(step.latencies, 0.99);
      log(`  ${name.padEnd(8)} p50 ${ms(p50)}, p99 ${ms(p99)}, ${step.requests.toFixed(1)} DynamoDB requests per step`);
      figures[name] = { p50Ms: Math.round(p50), p99Ms: Math.round(p99), requestsPerStep: step.requests };
    }
    return figures;
  } finally {
    await db.close();
  }
}
