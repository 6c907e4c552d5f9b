import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import aws4 from 'aws4';
import type { ConnectionGateway } from './connection-notifier.ts';

/** What signing needs: the SDK's own credential provider (memoised, refreshed before expiry). */
export type CredentialsProvider = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}>;

/** A post that has no answer by then is counted failed (API Gateway answers in milliseconds). */
const POST_TIMEOUT_MS = 10_000;

/**
 * `POST /@connections/{id}` with a keep-alive HTTP client and SigV4 (aws4): the one way every function posts frames
 * (composition/connections.ts), built for the fan-out's thousands of posts.
 * Why not the SDK's `PostToConnectionCommand`: measured on this project's machines, the SDK client spends ≈1 ms of CPU
 * per post in its middleware stack and signer, several times the cost of the HTTP request itself, and a fan-out
 * worker is CPU-bound on exactly that (bench `fanout`). The wire request is the same one the SDK sends — same path
 * encoding, same signature (test/unit/connection-gateway-http.test.ts checks it against the SDK's signer) — and
 * credentials and region come from the SDK client's own configuration, so nothing about identity changes.
 */
export class HttpConnectionGateway implements ConnectionGateway {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(
    endpoint: string,
    private readonly region: string | (() => Promise<string>),
    private readonly credentials: CredentialsProvider,
    /** Sockets kept open to the API (posts beyond this wait for a free socket). */
    maxSockets = 64,
  ) {
    this.url = new URL(endpoint);
    const https = this.url.protocol === 'https:';
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets })
      : new HttpAgent({ keepAlive: true, maxSockets });
    this.send = https ? httpsRequest : httpRequest;
  }

  /** Credentials and region resolved as the SDK client resolves them (environment, container, profile…). */
  static forEndpoint(endpoint: string, maxSockets?: number): HttpConnectionGateway {
    const sdk = new ApiGatewayManagementApiClient({ endpoint });
    return new HttpConnectionGateway(
      endpoint,
      () => sdk.config.region(),
      () => sdk.config.credentials(),
      maxSockets,
    );
  }

  /** The path the SDK builds: the stage path of the endpoint, then the connection id percent-encoded. */
  pathFor(connectionId: string): string {
    const base = this.url.pathname.replace(/\/+$/, '');
    return `${base}/@connections/${encodeURIComponent(connectionId).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  }

  /** The signed request options (exposed for the signature test). */
  async signed(connectionId: string, data: string): Promise<aws4.Request & { headers: Record<string, string> }> {
    const region = typeof this.region === 'string' ? this.region : await this.region();
    const credentials = await this.credentials();
    return aws4.sign(
      {
        host: this.url.host,
        path: this.pathFor(connectionId),
        method: 'POST',
        service: 'execute-api',
        region,
        headers: { 'content-type': 'application/json' },
        body: data,
      },
      credentials,
    ) as aws4.Request & { headers: Record<string, string> };
  }

  /**
   * Posts a frame. Throttling (429: the account's request rate is shared by every API and callback) and 5xx or network
   * errors are retried with exponential backoff and full jitter, as the SDK's standard retry strategy would (3
   * attempts); the request is signed again for each attempt.
   */
  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    for (let attempt = 1; ; attempt++) {
      let status: number;
      try {
        status = await this.postOnce(connectionId, data);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS) throw error;
        await backoff(attempt);
        continue;
      }
      if (status >= 200 && status < 300) return 'sent';
      if (status === 410) return 'gone';
      if (attempt >= MAX_ATTEMPTS || !(status === 429 || status >= 500))
        throw new Error(`PostToConnection answered ${status}`);
      await backoff(attempt);
    }
  }

  private async postOnce(connectionId: string, data: string): Promise<number> {
    const options = await this.signed(connectionId, data);
    return new Promise<number>((resolve, reject) => {
      const req = this.send(
        {
          agent: this.agent,
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: options.path,
          headers: options.headers,
          timeout: POST_TIMEOUT_MS,
        },
        (res: IncomingMessage) => {
          // Drain the (empty or tiny) body so the socket goes back to the pool.
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`PostToConnection timed out after ${POST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }
}

const MAX_ATTEMPTS = 3;
const BASE_DELAY_MS = 100;
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * BASE_DELAY_MS * 2 ** (attempt - 1)));
