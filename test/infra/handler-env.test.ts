import { afterEach, describe, expect, it, vi } from 'vitest';
import { functionEnvironment } from '../../lib/local/runtime.ts';
import { HANDLERS } from '../../lib/registry/index.ts';
import { logicalId, synthApp } from './support.ts';

/**
 * Every function starts with exactly the environment the stack gives it. Handlers validate their configuration at
 * cold start (fail fast), so a registry entry missing an access (e.g. `invokes`) would crash in the cloud on the
 * first request; here it fails the build instead. Each module is imported fresh with the template's variables only
 * (CloudFormation references become well-formed placeholders), with Connect configured as in production.
 */
const INSTANCE = 'arn:aws:connect:eu-west-2:123456789012:instance/11111111-2222-3333-4444-555555555555';
const built = synthApp({ connectInstanceArn: INSTANCE });
const resources = built.apiTemplate.toJSON().Resources as Record<
  string,
  { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }
>;

function placeholder(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  // A reference resolved at deploy time: make it the shape the variable will have.
  if (/ENDPOINT|URI|ISSUER|URL/.test(name)) return 'https://placeholder.example.com/stage';
  if (/ARN/.test(name)) return 'arn:aws:lambda:eu-west-2:123456789012:function:placeholder';
  return 'placeholder';
}

/** Every variable any function of the stack may get: cleared before each import so nothing leaks in. */
const allNames = new Set<string>();
for (const r of Object.values(resources))
  for (const k of Object.keys(r.Properties?.Environment?.Variables ?? {})) allNames.add(k);

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('function configuration', () => {
  it.each(HANDLERS.map((h) => [h.name, h] as const))(
    '%s initialises with the environment the stack gives it',
    async (name, def) => {
      const fn = built.api.functions.get(name);
      if (!fn) throw new Error(`${name} is not deployed`);
      const variables = resources[logicalId(fn)]?.Properties?.Environment?.Variables ?? {};
      for (const key of allNames) vi.stubEnv(key, undefined);
      for (const [key, value] of Object.entries(variables)) vi.stubEnv(key, placeholder(key, value));
      // Set by the Lambda service itself.
      vi.stubEnv('AWS_REGION', 'eu-west-2');
      vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', name);
      vi.resetModules();
      const mod = (await import(`../../${def.entry}`)) as { handler?: unknown };
      expect(typeof mod.handler).toBe('function');
    },
  );
});

describe('local function environments', () => {
  /** Set for every function by the Lambda service or by AppFunction, not by its registry access. */
  const PLATFORM = /^(AWS_|POWERTOOLS_|NODE_OPTIONS$|PATH$|HOME$)/;

  it.each(HANDLERS.map((h) => [h.name, h] as const))(
    '%s gets locally exactly the variables the stack gives it',
    (name, def) => {
      const fn = built.api.functions.get(name);
      if (!fn) throw new Error(`${name} is not deployed`);
      const cloud = Object.keys(resources[logicalId(fn)]?.Properties?.Environment?.Variables ?? {});
      const urls = {
        http: 'http://127.0.0.1:1',
        ws: 'ws://127.0.0.1:2',
        wsManagement: 'http://127.0.0.1:2',
        dynamodb: 'http://127.0.0.1:3',
        lambda: 'http://127.0.0.1:4',
        scheduler: 'http://127.0.0.1:5',
        connect: 'http://127.0.0.1:6',
        kinesis: 'http://127.0.0.1:7',
        jwks: 'http://127.0.0.1:1/local-issuer/.well-known/jwks.json',
      };
      const issuer = { issuer: 'http://127.0.0.1:1/local-issuer', audience: 'local', jwksUri: urls.jwks };
      const local = Object.keys(
        functionEnvironment(def, urls, issuer as Parameters<typeof functionEnvironment>[2], 'warn', [INSTANCE]),
      );
      expect(local.filter((k) => !PLATFORM.test(k)).sort()).toEqual(cloud.filter((k) => !PLATFORM.test(k)).sort());
    },
  );
});
