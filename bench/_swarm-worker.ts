/**
 * A process of benchmark WebSocket clients (one process holds a few thousand sockets: a process may keep 20,000 files
 * open, and the runtime needs its own). Driven over IPC by bench/_swarm.ts; reports every frame it receives.
 */
import WebSocket from 'ws';

interface Connect {
  readonly cmd: 'connect';
  readonly url: string;
  readonly clients: ReadonlyArray<{ user: string; token: string }>;
  readonly concurrency: number;
}
interface Send {
  readonly cmd: 'send';
  readonly users: readonly string[];
  readonly frame: unknown;
}
interface Drop {
  readonly cmd: 'drop';
  readonly users: readonly string[];
}
interface Close {
  readonly cmd: 'close';
}
interface Arrivals {
  readonly cmd: 'arrivals';
  readonly messageId: string;
}
type Command = (Connect | Send | Drop | Close | Arrivals) & { readonly rid: number };

const sockets = new Map<string, WebSocket>();
let url = '';
/** `--no-forward`: frames are not sent to the parent (IPC costs the parent CPU); message arrivals are kept here. */
const forward = !process.argv.includes('--no-forward');
/** Arrival time of each `message` frame, by message id and user (the first one per user). */
const arrivals = new Map<string, Map<string, number>>();
const MESSAGE_PREFIX = '{"type":"message","message":{"id":"';
const reply = (message: unknown) => process.send?.(message);
/** Answers one command: replies carry the command's id, since commands of different lengths overlap. */
const answer: (rid: number, message: Record<string, unknown>) => void = (rid, message) => reply({ ...message, rid });

function open(user: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/?token=${encodeURIComponent(token)}`);
    socket.once('open', () => {
      sockets.set(user, socket);
      resolve();
    });
    socket.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    socket.once('error', reject);
    socket.on('message', (data) => {
      const at = Date.now();
      const text = String(data);
      if (text.startsWith(MESSAGE_PREFIX)) {
        const id = text.slice(MESSAGE_PREFIX.length, text.indexOf('"', MESSAGE_PREFIX.length));
        const byUser = arrivals.get(id) ?? new Map<string, number>();
        arrivals.set(id, byUser);
        if (!byUser.has(user)) byUser.set(user, at);
      }
      if (forward) reply({ event: 'frame', user, at, text });
    });
    socket.on('close', () => {
      if (sockets.get(user) === socket) sockets.delete(user);
    });
  });
}

process.on('message', async (command: Command) => {
  const respond = (message: Record<string, unknown>) => answer(command.rid, message);
  try {
    if (command.cmd === 'connect') {
      url = command.url;
      let next = 0;
      let failed = 0;
      const worker = async () => {
        while (next < command.clients.length) {
          const c = command.clients[next++];
          if (!c) break;
          await open(c.user, c.token).catch(() => {
            failed++;
          });
        }
      };
      await Promise.all(Array.from({ length: command.concurrency }, worker));
      respond({ event: 'connected', count: sockets.size, failed });
    } else if (command.cmd === 'send') {
      for (const user of command.users) sockets.get(user)?.send(JSON.stringify(command.frame));
      respond({ event: 'sent' });
    } else if (command.cmd === 'drop') {
      await Promise.all(
        command.users.map(
          (user) =>
            new Promise<void>((resolve) => {
              const socket = sockets.get(user);
              if (!socket) return resolve();
              socket.once('close', () => resolve());
              socket.terminate();
            }),
        ),
      );
      respond({ event: 'dropped' });
    } else if (command.cmd === 'arrivals') {
      respond({ event: 'arrivals', arrivals: [...(arrivals.get(command.messageId) ?? new Map()).entries()] });
    } else if (command.cmd === 'close') {
      for (const socket of sockets.values()) socket.terminate();
      respond({ event: 'closed' });
      process.exit(0);
    }
  } catch (error) {
    respond({ event: 'error', message: String(error) });
  }
});
reply({ event: 'ready' });
