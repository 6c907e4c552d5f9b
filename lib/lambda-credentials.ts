import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the deployed bundles only (the esbuild alias in
 * lib/bundling.ts); tests, the local runtime and tools run the SDK's own chain.
 *
 * Every SDK client imports `defaultProvider` from that package as its `credentialDefaultProvider` and calls it once,
 * with the client's configuration, for the provider that signs its requests. The Node chain behind it tries the
 * environment first, then SSO, INI files, `credential_process`, web-identity token files and the container/instance
 * metadata services — code that esbuild bundles in full (the chain loads it through dynamic imports, with nested STS,
 * SSO and sign-in clients), 115–130 KB in every function with a client. A Lambda function never needs it: Lambda puts
 * the execution role's credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` before
 * init, and with no `AWS_PROFILE` (no function sets one) the Node chain returns exactly those, from its first link,
 * `fromEnv`. So the bundles take `fromEnv` directly: same credentials, none of the rest.
 *
 * Unlike the chain this provider is not memoized: it reads the environment at each signing, a few property reads.
 * Without the variables it fails with the SDK's own `CredentialsProviderError` ("Unable to find environment variable
 * credentials.") rather than looking elsewhere; in Lambda they are always set.
 */
export const defaultProvider = (init?: FromEnvInit): ReturnType<typeof fromEnv> => fromEnv(init);
