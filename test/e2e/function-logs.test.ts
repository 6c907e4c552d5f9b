import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { TestClient } from '../support/ws-client.ts';

/**
 * What `npm start` logs for the demo: each function under its own name (no logger shared between functions), and no
 * Connect warning for a tenant that simply has no instance bound.
 */
describe('function logs in the local runtime', () => {
  let rt: RuntimeProcess;

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'demo', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  const logLines = () =>
    rt
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('logs each function under its own name and does not warn about Connect in the demo', {
    timeout: 60_000,
  }, async () => {
    const alice = await TestClient.connect(rt.ws, await rt.token({ tenant: 'demo', user: 'alice', role: 'agent' }));
    try {
      // WsStatusSet logs a refused frame under its name; then the inactivity sweep (no middleware) logs its run.
      expect(await alice.request({ action: 'setStatus', status: 'lunch' })).toMatchObject({ type: 'error' });
      expect((await alice.request({ action: 'setStatus', status: 'available' })).type).toBe('status-set');
      const res = await fetch(`${rt.http}/me/status`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await rt.token({ tenant: 'demo', user: 'bob', role: 'agent' })}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ status: 'away' }),
      });
      expect(res.status).toBe(200);
      const lambda = new LambdaClient({
        endpoint: rt.lambda,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      // Asynchronously, as its schedule invokes it: one run keeps sweeping for two minutes.
      await lambda.send(
        new InvokeCommand({
          FunctionName: 'ScheduleStatusInactivity',
          InvocationType: 'Event',
          Payload: new TextEncoder().encode('{}'),
        }),
      );
      lambda.destroy();
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await alice.close();
    }

    const lines = logLines();
    const refused = lines.find((l) => l.message === 'Frame refused');
    expect(refused?.function_name).toBe('WsStatusSet');
    const sweep = lines.find((l) => l.message === 'Inactivity sweep');
    expect(sweep).toBeDefined();
    // It has no Lambda context of its own to log; it must never carry another function's.
    expect(sweep?.function_name === undefined || sweep.function_name === 'ScheduleStatusInactivity').toBe(true);
    expect(rt.output()).not.toMatch(/Status not synced to Connect/);
    expect(lines.filter((l) => l.level === 'WARN')).toEqual([]);
  });
});
