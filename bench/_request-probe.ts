/**
 * Loaded in each function thread of the local runtime (FUNCTION_HOST_IMPORTS, see lib/local/function-host-worker.ts)
 * by bench/fanout.ts, bench/presence.ts and bench/resync.ts: reports every outgoing HTTP request's start and finish, with the function
 * whose invocation made it (its `AWS_LAMBDA_FUNCTION_NAME`, as the function sees it), on a BroadcastChannel the bench
 * (or, for a runtime in a child process, bench/_request-tally.mjs) listens to. The functions run in these threads, so
 * Node's HTTP diagnostics channels of the bench's own thread no longer see them.
 */

import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { BroadcastChannel, threadId } from 'node:worker_threads';

export const REQUEST_PROBE_CHANNEL = 'agent-messenger-bench-requests';

/** One request event: `key` is unique per request across threads. */
export interface ProbeEvent {
  readonly event: 'start' | 'finish';
  readonly key: string;
  readonly fn: string;
  readonly target: string;
  readonly method: string;
  readonly path: string;
  readonly at: number;
}

const channel = new BroadcastChannel(REQUEST_PROBE_CHANNEL);
channel.unref();
const keys = new WeakMap<ClientRequest, string>();
let next = 0;

subscribe('http.client.request.start', (message) => {
  const req = (message as { request: ClientRequest }).request;
  const key = `${threadId}:${next++}`;
  keys.set(req, key);
  channel.postMessage({
    event: 'start',
    key,
    fn: process.env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    target: String(req.getHeader('x-amz-target') ?? ''),
    method: req.method,
    path: req.path,
    at: Date.now(),
  } satisfies ProbeEvent);
});
subscribe('http.client.response.finish', (message) => {
  const req = (message as { request: ClientRequest }).request;
  const key = keys.get(req);
  if (key === undefined) return;
  channel.postMessage({
    event: 'finish',
    key,
    fn: '',
    target: '',
    method: '',
    path: '',
    at: Date.now(),
  } satisfies ProbeEvent);
});
