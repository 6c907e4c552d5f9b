/**
 * `npm run ws -- <token> [url]`: a tiny interactive WebSocket client for trying the protocol by hand. Each line you
 * type is sent as a frame (e.g. {"action":"ping"}); every frame received is printed. Pings every 30 s, as clients must.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const [token, url = `ws://127.0.0.1:${process.env.WS_PORT ?? '3001'}`] = process.argv.slice(2);
if (!token) {
  process.stderr.write(
    'usage: npm run ws -- <token> [ws://127.0.0.1:3001]\n  (get a token with: npm run -s token -- --tenant demo --user alice --role agent)\n',
  );
  process.exit(2);
}
const socket = new WebSocket(`${url}/?token=${encodeURIComponent(token)}`);
socket.on('unexpected-response', (_req, res) => {
  process.stderr.write(`refused: HTTP ${res.statusCode}\n`);
  process.exit(1);
});
socket.on('error', (error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});
socket.on('open', () => {
  process.stderr.write(`connected to ${url}; type frames such as {"action":"sync"} (Ctrl+D to quit)\n`);
  const keepAlive = setInterval(() => socket.send('{"action":"ping"}'), 30_000);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim()) socket.send(line.trim());
  });
  lines.on('close', () => {
    clearInterval(keepAlive);
    socket.close();
  });
});
socket.on('message', (data) => process.stdout.write(`${String(data)}\n`));
socket.on('close', (code) => {
  process.stderr.write(`closed (${code})\n`);
  process.exit(0);
});
