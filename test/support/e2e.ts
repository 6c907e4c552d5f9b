import { type KinesisClient, PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { STREAM_NAMES } from '../../lib/local/runtime.ts';
import { TestClient } from './ws-client.ts';

/**
 * The set-up every end-to-end test against `npm start`'s runtime repeats: JSON calls to the REST API, WebSockets
 * closed after the test, agent events written into the agent-event stream. The assertions stay in the tests.
 */

/**
 * One JSON request to the REST API at `base` with a bearer token: the answer's status and its parsed JSON body
 * (undefined when the body is empty).
 */
export async function callApi(
  base: string,
  bearer: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Opens a WebSocket and adds it to `open`, which the test's `afterAll` closes with `closeSockets`. */
export async function openSocket(open: TestClient[], url: string, token: string): Promise<TestClient> {
  const client = await TestClient.connect(url, token);
  open.push(client);
  return client;
}

export async function closeSockets(open: readonly TestClient[]): Promise<void> {
  await Promise.all(open.map((c) => c.close()));
}

/** Writes Connect agent-event records into the local agent-event stream, partitioned by agent as Connect does. */
export function writeAgentEvents(
  kinesis: KinesisClient,
  records: ReadonlyArray<Record<string, unknown>>,
): Promise<PutRecordsCommandOutput> {
  return kinesis.send(
    new PutRecordsCommand({
      StreamName: STREAM_NAMES.agentEvents,
      Records: records.map((r) => ({ Data: Buffer.from(JSON.stringify(r)), PartitionKey: String(r.AgentARN) })),
    }),
  );
}
