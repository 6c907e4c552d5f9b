/**
 * Entry of the function host's worker thread (lib/local/function-host.ts). Node 20 does not carry the parent's
 * `--import tsx` loader into a worker before its entry loads, so the entry registers it itself, then loads the worker
 * proper, which is TypeScript like the rest of the project.
 */
import { register } from 'tsx/esm/api';

register();
await import('./function-host-worker.ts');
