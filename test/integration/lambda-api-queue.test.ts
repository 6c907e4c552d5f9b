import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeAsync } from '../../functions/adapters/lambda-invoke.ts';
import type { LambdaHandler } from '../../lib/local/lambda.ts';
import { startLambdaApi } from '../../lib/local/lambda-api.ts';

/**
 * The local Lambda Invoke emulator keeps accepted async events in the data directory until they have run, as Lambda's
 * own queue would: a runtime killed mid-work finds them again on restart (issue 12). And it refuses `text/plain`
 * bodies — what a web page can POST cross-site without a preflight (issue 7).
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lambda-queue-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const client = (endpoint: string) =>
  new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

describe('local async invoke queue', () => {
  it('runs after a restart what a killed runtime had accepted, and forgets what has run', async () => {
    // Prepare: a worker that never finishes (the process "dies" with it running) and one still queued behind it.
    const hung: LambdaHandler = () => new Promise(() => undefined);
    const first = await startLambdaApi({
      port: 0,
      functions: new Map([['Worker', hung]]),
      asyncConcurrency: 1,
      queueDir: dir,
    });
    const sdk = client(first.endpoint);
    await invokeAsync(sdk, 'Worker', { n: 1 });
    await invokeAsync(sdk, 'Worker', { n: 2 });
    sdk.destroy();
    await first.close();
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toHaveLength(2);

    // Act: a new runtime on the same directory.
    const seen: unknown[] = [];
    const worker: LambdaHandler = async (event) => {
      seen.push(event);
      return null;
    };
    const second = await startLambdaApi({ port: 0, functions: new Map([['Worker', worker]]), queueDir: dir });
    expect(await second.resume()).toBe(2);
    await second.idle();

    // Assess: both ran, in the order they were accepted, and nothing is left to run again.
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await readdir(dir)).toEqual([]);
    await second.close();
  });

  it('refuses a text/plain or form body with 415 and runs nothing; the SDK and JSON are accepted', async () => {
    let runs = 0;
    const api = await startLambdaApi({
      port: 0,
      functions: new Map<string, LambdaHandler>([
        [
          'Worker',
          async () => {
            runs++;
            return null;
          },
        ],
      ]),
    });
    const url = `${api.endpoint}/2015-03-31/functions/Worker/invocations`;
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': type, 'x-amz-invocation-type': 'Event' },
        body: '{}',
      });
      expect(res.status, type).toBe(415);
    }
    await api.idle();
    expect(runs).toBe(0);
    const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(200);
    const sdk = client(api.endpoint);
    await invokeAsync(sdk, 'Worker', {});
    sdk.destroy();
    await api.idle();
    expect(runs).toBe(2);
    await api.close();
  });

  it('tells an async invocation still running at close that its time is up, and keeps its event for the next start', async () => {
    // Prepare: a worker that loops while it has time, as the Connect sync worker and the fan-out do.
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let ended: number | undefined;
    const looping: LambdaHandler = async (_event, context) => {
      started();
      while (context.getRemainingTimeInMillis() > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      ended = Date.now();
      throw new Error('out of time');
    };
    const queueDir = await mkdtemp(join(tmpdir(), 'lambda-queue-close-'));
    const api = await startLambdaApi({ port: 0, functions: new Map([['Worker', looping]]), queueDir });
    const sdk = client(api.endpoint);
    await invokeAsync(sdk, 'Worker', { n: 1 });
    sdk.destroy();
    await running;

    // Act
    await api.close();

    // Assess: the loop ended within seconds, not at its 15-minute timeout; the event waits for a restart.
    await expect.poll(() => ended, { timeout: 5_000 }).toBeDefined();
    expect((await readdir(queueDir)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    await rm(queueDir, { recursive: true, force: true });
  });
});
