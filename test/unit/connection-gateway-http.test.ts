import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpConnectionGateway } from '../../functions/adapters/connection-gateway-http.ts';

/**
 * The fan-out workers post with a keep-alive HTTP client and aws4 instead of the SDK's command stack. What API Gateway
 * sees must not change: the same path encoding as the SDK's PostToConnection and a SigV4 signature equal to the one
 * the SDK's own signer computes for that request.
 */
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'token',
};

afterEach(() => {
  vi.useRealTimers();
});

describe('HttpConnectionGateway', () => {
  it('signs exactly as the SDK signer does, for any connection id and payload', async () => {
    const endpoint = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
    const gateway = new HttpConnectionGateway(endpoint, 'eu-west-1', async () => credentials);
    // Without the optional x-amz-content-sha256 header (API Gateway does not need it; aws4 does not send it).
    const sdk = new SignatureV4({
      service: 'execute-api',
      region: 'eu-west-1',
      credentials,
      sha256: Sha256,
      applyChecksum: false,
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-15T10:00:00Z'));
    await fc.assert(
      // Frames are never empty (JSON objects); ids are whatever API Gateway issued.
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 300 }),
        async (id, body) => {
          const ours = await gateway.signed(id, body);
          const reference = await sdk.sign(
            {
              method: 'POST',
              protocol: 'https:',
              hostname: 'abc123.execute-api.eu-west-1.amazonaws.com',
              path: ours.path ?? '',
              query: {},
              headers: {
                host: 'abc123.execute-api.eu-west-1.amazonaws.com',
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(body)),
              },
              body,
            },
            { signingDate: new Date('2026-06-15T10:00:00Z') },
          );
          const signature = (h: string | undefined) => /Signature=([0-9a-f]{64})/.exec(h ?? '')?.[1];
          expect(ours.path).toBe(
            `/prod/@connections/${encodeURIComponent(id).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
          );
          expect(ours.headers['X-Amz-Security-Token']).toBe('token');
          expect(signature(ours.headers.Authorization)).toBe(signature(reference.headers.authorization));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('posts the frame; 410 is gone, 429 and 5xx are retried (3 attempts), other errors thrown', async () => {
    const received: Array<{ url: string; auth: string | undefined; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ url: req.url ?? '', auth: req.headers.authorization, body });
        // `busy`: throttled on the first attempt only (the account rate); `boom`: always failing.
        const busy = req.url?.endsWith('busy') && received.filter((r) => r.url.endsWith('busy')).length === 1;
        const status = req.url?.endsWith('gone')
          ? 410
          : req.url?.endsWith('boom')
            ? 500
            : req.url?.endsWith('bad')
              ? 400
              : busy
                ? 429
                : 200;
        res.writeHead(status);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const gateway = new HttpConnectionGateway(`http://127.0.0.1:${port}`, 'us-east-1', async () => credentials);
      expect(await gateway.post('abc=', '{"type":"x"}')).toBe('sent');
      expect(await gateway.post('gone', '{}')).toBe('gone');
      await expect(gateway.post('boom', '{}')).rejects.toThrow('PostToConnection answered 500');
      expect(received.filter((r) => r.url.endsWith('boom'))).toHaveLength(3);
      expect(await gateway.post('busy', '{}')).toBe('sent');
      expect(received.filter((r) => r.url.endsWith('busy'))).toHaveLength(2);
      await expect(gateway.post('bad', '{}')).rejects.toThrow('PostToConnection answered 400');
      expect(received.filter((r) => r.url.endsWith('bad'))).toHaveLength(1);
      expect(received[0]).toMatchObject({ url: '/@connections/abc%3D', body: '{"type":"x"}' });
      expect(received[0]?.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/execute-api\//);
    } finally {
      server.close();
    }
  });
});
