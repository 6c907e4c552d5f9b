import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorRefusal } from '../../lib/local/emulator-guard.ts';
import { optionsFromEnv } from '../../lib/local/runtime.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';

/**
 * What the local runtime's emulator endpoints trust (README, Security): this machine only — loopback peers and
 * loopback host names (no DNS rebinding) — and never a browser acting for a web page (`Origin`, `Sec-Fetch-Site`).
 */
function call(base: string, path: string, method: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, setHost: false });
    req.setHeader('host', url.host);
    for (const [k, v] of Object.entries(headers)) req.setHeader(k, v);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('emulator endpoints of the local runtime', () => {
  let rt: RuntimeProcess;
  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  const endpoints = () => ({
    dynamodb: { base: rt.dynamodb, path: '/', method: 'POST' },
    kinesis: { base: rt.kinesis, path: '/', method: 'POST' },
    lambda: { base: rt.lambda, path: '/2015-03-31/functions/MessageFanOut/invocations', method: 'POST' },
    scheduler: { base: rt.scheduler, path: '/schedules', method: 'GET' },
    connect: { base: rt.connect, path: '/_local/calls', method: 'GET' },
    connections: { base: rt.wsManagement, path: '/@connections/abc', method: 'GET' },
  });

  it('refuses cross-site and rebinding requests on every emulator, and serves the same request otherwise', async () => {
    const hostile: Record<string, Record<string, string>> = {
      'a web page (Origin)': { origin: 'https://evil.example' },
      'a cross-site fetch': { 'sec-fetch-site': 'cross-site' },
      'a page of another local port': { 'sec-fetch-site': 'same-site' },
      'a rebound DNS name': { host: 'evil.example:3002' },
    };
    for (const [name, e] of Object.entries(endpoints())) {
      for (const [label, headers] of Object.entries(hostile)) {
        expect(await call(e.base, e.path, e.method, headers), `${name}: ${label}`).toBe(403);
      }
      // What an SDK sends (a signature is required, not verified, by the @connections emulator).
      const sdkLike = { 'content-type': 'application/json', authorization: 'AWS4-HMAC-SHA256 Credential=local' };
      const plain = await call(e.base, e.path, e.method, sdkLike);
      expect(plain, `${name} without browser headers`).not.toBe(403);
    }
    // A URL typed into the address bar (Sec-Fetch-Site: none) may read the Connect emulator's call list.
    expect(await call(rt.connect, '/_local/calls', 'GET', { 'sec-fetch-site': 'none' })).toBe(200);
  });

  it('keeps the REST API open to browsers (it is the product edge; the functions check tokens)', async () => {
    expect(
      await call(rt.http, '/health', 'GET', { origin: 'https://widget.example', 'sec-fetch-site': 'cross-site' }),
    ).toBe(200);
  });

  it('refuses a text/plain body on the Lambda Invoke emulator (no preflight would stop a page sending one)', async () => {
    const path = '/2015-03-31/functions/MessageFanOut/invocations';
    expect(
      await call(rt.lambda, path, 'POST', { 'content-type': 'text/plain', 'x-amz-invocation-type': 'Event' }),
    ).toBe(415);
  });

  it('listens on loopback only, and refuses peers from elsewhere', () => {
    const log = () => undefined;
    expect(() => optionsFromEnv({ HOST: '0.0.0.0' }, log)).toThrow(/loopback/);
    expect(() => optionsFromEnv({ HOST: '192.168.1.10' }, log)).toThrow(/loopback/);
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(optionsFromEnv({ HOST: host }, log).host).toBe(host);
    const from = (remoteAddress: string) =>
      ({ socket: { remoteAddress }, headers: { host: '127.0.0.1:3002' } }) as unknown as IncomingMessage;
    expect(emulatorRefusal(from('10.1.2.3'))).toMatch(/this machine only/);
    expect(emulatorRefusal(from('::ffff:192.168.0.4'))).toMatch(/this machine only/);
    expect(emulatorRefusal(from('::ffff:127.0.0.1'))).toBeUndefined();
    expect(emulatorRefusal(from('::1'))).toBeUndefined();
  });
});
