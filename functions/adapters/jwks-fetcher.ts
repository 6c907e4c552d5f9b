import type { Fetcher } from 'aws-jwt-verify/https';

/**
 * A JWKS fetcher on the runtime's built-in `fetch`. aws-jwt-verify's default fetcher speaks only `https:`; this one
 * follows the URI's scheme, so the same verifier reads Cognito's JWKS in the cloud and the local issuer's
 * (http://127.0.0.1) in the local runtime. Kept tiny: the library still does caching, key selection and verification.
 */
export class GlobalFetchJwksFetcher implements Fetcher {
  constructor(private readonly timeoutMs = 3000) {}

  async fetch(uri: string): Promise<ArrayBuffer> {
    const response = await fetch(uri, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (response.status !== 200) throw new Error(`JWKS fetch from ${uri} answered ${response.status}`);
    return response.arrayBuffer();
  }
}
