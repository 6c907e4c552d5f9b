/**
 * Loaded with `--import` into a runtime started in a child process (bench/presence.ts sets RUNTIME_NODE_ARGS): tallies
 * the outgoing requests of the runtime by function and operation — the functions' own, reported from their worker
 * threads by bench/_request-probe.ts (FUNCTION_HOST_IMPORTS), and the emulators' thread's own (pollers' GetRecords,
 * say) as `(emulators)` — and writes the tally to REQUEST_TALLY_FILE when the bench sends the process SIGUSR2 (at the
 * start and end of a phase, to diff), never during one: a write costs the emulators' thread milliseconds here.
 * Plain JavaScript: `--import` flags given before the runtime's own `--import tsx` load before TypeScript can.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

const file = process.env.REQUEST_TALLY_FILE;
if (isMainThread && file) {
  /** @type {Record<string, number>} */
  const tally = {};
  /** `DynamoDB.GetItem`, `Kinesis.PutRecord`, `@connections POST`, `Lambda Invoke`, or the method and path's head. */
  const operation = (target, method, path) => {
    if (target) return String(target).replace(/_\d+\./, '.');
    if (path.includes('/@connections/')) return `@connections ${method}`;
    if (/^\/[\d-]+\/functions\/[^/]+\/invocations/.test(path)) return 'Lambda Invoke';
    return `${method} ${path.split('?')[0].split('/').slice(0, 2).join('/')}`;
  };
  const add = (fn, op) => {
    const key = `${fn} ${op}`;
    tally[key] = (tally[key] ?? 0) + 1;
  };
  const probe = new BroadcastChannel('agent-messenger-bench-requests');
  probe.unref();
  probe.onmessage = ({ data: e }) => {
    if (e.event === 'start') add(e.fn || '?', operation(e.target, e.method ?? 'POST', e.path));
  };
  subscribe('http.client.request.start', ({ request }) =>
    add('(emulators)', operation(request.getHeader('x-amz-target'), request.method, request.path)),
  );
  process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify(tally)));
}
