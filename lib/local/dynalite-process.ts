/**
 * Runs dynalite in a process of its own (forked by lib/local/dynamodb.ts), so that the database does not share one
 * JavaScript thread with the gateways and the functions it serves: on a multi-core machine the two run in parallel.
 * Reads its options from argv as JSON and reports the port it listens on over IPC.
 */
import dynalite from 'dynalite';
import { addTransactions } from './dynamo-transactions.ts';
import { guardEmulator } from './emulator-guard.ts';
import { closeServerGracefully } from './http-util.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as { port: number; host: string; path?: string };
const server = addTransactions(
  dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  }),
);
guardEmulator(server);
server.listen(options.port, options.host, () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : options.port });
});
server.on('error', (error) => {
  process.send?.({ error: String(error) });
  process.exit(1);
});
// Ctrl+C in a terminal signals the whole process group: the parent decides when the database stops (it closes the
// channel), so that it can finish what is in flight first.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The parent going away (even by SIGKILL) closes the IPC channel: leave with it. Requests in flight get a moment to
// finish; a client that keeps its connection busy past that (it would keep it open for good) does not hold the exit.
process.on('disconnect', () => {
  void closeServerGracefully(server).finally(() => process.exit(0));
});
