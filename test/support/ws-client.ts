import WebSocket from 'ws';

export interface Frame {
  readonly type?: string;
  readonly [key: string]: unknown;
}

/** A WebSocket test client that records every frame and can wait for one that matches. */
export class TestClient {
  readonly frames: Frame[] = [];
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  /** Connects with `?token=`; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string, token: string | undefined): Promise<TestClient> {
    const target = token === undefined ? url : `${url}/?token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(target);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new RefusedError(res.statusCode ?? 0)));
      socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (already received or future) that matches. */
  waitFor(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`No matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** The events of every `feed` frame received so far, in order (the status feed's batches, flattened). */
  feedEvents(): Frame[] {
    return this.frames.flatMap((f) => (f.type === 'feed' && Array.isArray(f.events) ? (f.events as Frame[]) : []));
  }

  /** Resolves with the first event (already received or future) of a `feed` frame that matches. */
  async waitForFeedEvent(match: (e: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const inFrame = (f: Frame) => (f.type === 'feed' && Array.isArray(f.events) ? (f.events as Frame[]) : []);
    const frame = await this.waitFor((f) => inFrame(f).some(match), timeoutMs);
    return inFrame(frame).find(match) as Frame;
  }

  /** Sends a frame with a fresh `id` and waits for the reply carrying that id. */
  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    const id = `r${Math.random().toString(36).slice(2)}`;
    this.send({ ...frame, id });
    return this.waitFor((f) => f.id === id, timeoutMs);
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export class RefusedError extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade refused with HTTP ${status}`);
  }
}
