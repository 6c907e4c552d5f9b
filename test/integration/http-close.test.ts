import { Agent, createServer, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeServerGracefully, listen } from '../../lib/local/http-util.ts';

/**
 * The database emulator stops with a grace period: requests in flight finish, but a client that keeps its keep-alive
 * connection busy (a function still looping when the runtime stops) cannot hold the stop — it once held `npm test`'s
 * runtime shutdown for minutes.
 */
describe('closeServerGracefully', () => {
  it('lets a request in flight finish, and closes a connection that a client keeps busy', async () => {
    // Prepare: a server whose answers take 50 ms, and a client that sends request after request on one connection.
    const server = createServer((_req, res) => {
      setTimeout(() => res.end('ok'), 50);
    });
    const port = await listen(server, 0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, agent, path: '/' }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () => resolve(body));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    const answers: string[] = [];
    let failure: unknown;
    const busy = (async () => {
      try {
        for (;;) answers.push(await get());
      } catch (error) {
        failure = error;
      }
    })();
    await expect.poll(() => answers.length).toBeGreaterThan(0);
    const answeredBefore = answers.length;

    // Act: a plain close() would wait for that connection to go idle, which it never does.
    await closeServerGracefully(server, 300);
    await busy;

    // Assess: requests kept being answered during the grace period, then the connection was closed under the client.
    expect(answers.length).toBeGreaterThan(answeredBefore);
    expect(answers.every((a) => a === 'ok')).toBe(true);
    expect(failure).toBeInstanceOf(Error);
    agent.destroy();
  });
});
