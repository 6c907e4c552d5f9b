import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/**
 * The local stand-in for the Cognito user pool: an RS256 key pair (generated on first start and kept in the data
 * directory), a JWKS document, and ID tokens shaped like Cognito's (`custom:tenant`, `custom:displayName`,
 * `cognito:groups`, `cognito:username`, `token_use: id`, `aud` = the app client id). The handlers verify them with the same code that
 * verifies Cognito's tokens in the cloud — there is no bypass.
 */
export const LOCAL_CLIENT_ID = 'local-app-client';

export interface TokenRequest {
  readonly tenant: string;
  readonly user: string;
  readonly role: 'agent' | 'supervisor' | 'admin';
  /** The display name agents see as the sender: the admin-kept `custom:displayName` attribute, as in the cloud. */
  readonly name?: string;
  /** @default 3600 */
  readonly ttlSeconds?: number;
  /** Overrides the `cognito:groups` claim (default: `[role]`), e.g. to test a user in no group. */
  readonly groups?: readonly string[];
  /** Extra or overriding claims, e.g. `{token_use: 'access'}` or a user-editable `name`, to test what is refused. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface LocalIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  jwks(): { keys: JWK[] };
  sign(request: TokenRequest): Promise<string>;
}

interface StoredKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

async function loadOrCreateKey(keyFile: string | undefined): Promise<StoredKey> {
  if (keyFile) {
    try {
      return JSON.parse(await readFile(keyFile, 'utf8')) as StoredKey;
    } catch {
      // First start (or an unreadable file): make a new key below.
    }
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const stored: StoredKey = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
  if (keyFile) {
    await mkdir(dirname(keyFile), { recursive: true });
    await writeFile(keyFile, JSON.stringify(stored), { mode: 0o600 });
  }
  return stored;
}

/**
 * @param issuer the `iss` claim and base of the JWKS URL, e.g. `http://127.0.0.1:3000/local-issuer`
 * @param keyFile where the key pair is kept; undefined keeps it in memory (a restart then invalidates old tokens)
 */
export async function createLocalIssuer(issuer: string, keyFile: string | undefined): Promise<LocalIssuer> {
  const key = await loadOrCreateKey(keyFile);
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    audience: LOCAL_CLIENT_ID,
    jwks: () => ({ keys: [key.publicJwk] }),
    sign: async (request) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        'cognito:username': request.user,
        'cognito:groups': request.groups ?? [request.role],
        'custom:tenant': request.tenant,
        ...(request.name ? { 'custom:displayName': request.name } : {}),
        token_use: 'id',
        auth_time: now,
        ...request.claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(LOCAL_CLIENT_ID)
        .setSubject(`${request.tenant}:${request.user}`)
        .setIssuedAt(now)
        .setExpirationTime(now + (request.ttlSeconds ?? 3600))
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}
