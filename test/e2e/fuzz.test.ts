import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../lib/registry/index.ts';
import { runFuzz } from '../support/fuzz-runner.ts';
import { fuzzTargets } from '../support/fuzz-targets.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';

/**
 * A small, seeded property-based fuzz of every REST route and WebSocket action (fast-check, generated from the zod
 * schemas the handlers validate with): hostile strings and encodings, prototype-named keys, sizes at and past the
 * limits, every role, a foreign tenant, forged and expired tokens. Nothing may answer 5xx, no frame may report a
 * server error, every request gets an answer and the runtime survives. `npm run bench -- fuzz` runs ≥ 10,000 inputs.
 */
describe('fuzz: every route and action, generated from the schemas', () => {
  let rt: RuntimeProcess;

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'demo' });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('covers every HTTP route and WebSocket action of the registry', () => {
    const { http, ws } = fuzzTargets();
    // Every route and action of the registry, none skipped (a new one without fuzz schemas makes fuzzTargets throw).
    const routes = HANDLERS.flatMap((h) => (h.trigger.kind === 'http' ? [h.name] : []));
    const actions = HANDLERS.flatMap((h) =>
      h.trigger.kind === 'ws' && !h.trigger.route.startsWith('$') ? [h.trigger.route] : [],
    );
    expect(http.map((t) => t.name).sort()).toEqual(routes.sort());
    expect(ws.map((t) => t.action).sort()).toEqual(actions.sort());
    expect(actions).toContain('sendMessage');
  });

  it('answers no generated input with a server error', async () => {
    const report = await runFuzz(rt, { seed: 20261127, httpPerRoute: 16, wsConnections: 48, concurrency: 4 });
    expect(report.failures).toEqual([]);
    expect({
      status_5xx: report.status_5xx,
      ws_5xx: report.ws_5xx,
      no_answer: report.no_answer,
      crashes: report.crashes,
    }).toEqual({ status_5xx: 0, ws_5xx: 0, no_answer: 0, crashes: 0 });
    // The inputs reached the handlers, not only the authorizer: some succeed, many are refused as invalid.
    expect(report.statuses['2xx'] ?? 0).toBeGreaterThan(0);
    expect(report.statuses['4xx'] ?? 0).toBeGreaterThan(0);
    expect(report.inputs).toBeGreaterThan(250);
  }, 120_000);
});
