/**
 * How every AWS SDK client of the functions is configured: the one place that decides what the SDK does per request
 * beyond the request itself (the document client, which cannot take `cacheMiddleware`, builds on it in dynamo.ts).
 *
 * Measured per request (client CPU, canned answers): the SDK spends most of a request's CPU in its middleware —
 * endpoint resolution, retry bookkeeping, SigV4, user agent, (de)serialisation — and two parts of it do nothing for us:
 * - `loggerMiddleware` walks the whole input and output through the schema's sensitive-data filter on every request
 *   to hand them to `logger.info`, although no SDK logger is configured (the default `NoOpLogger` still has an `info`
 *   method, so the arguments are always built). Removed when the caller configures no logger: nothing is logged
 *   either way, errors still throw with the same shape (the middleware only logs and rethrows), and our own logging
 *   (Powertools) is untouched.
 * - resolving the middleware stack: by default the SDK concatenates, sorts and links the whole stack again on every
 *   `send`. `cacheMiddleware` resolves it once per command class. The SDK then shares one handler context between
 *   the requests of that class, which is sound here because nothing in it depends on the request's input for our
 *   clients: one region and endpoint per client, tables, streams and functions named by name (the endpoint rules read
 *   an ARN, never a plain name), no per-call options (a call with options bypasses the cache) and no middleware added
 *   after the first request (the SDK would not see it).
 */

/** The part of an SDK client this module configures. */
interface SdkClient {
  readonly middlewareStack: { remove(name: string): boolean };
}

/** Removes the SDK's logging middleware unless the caller configured a logger (see above). */
export function withoutUnusedLogging<C extends SdkClient>(client: C, config: object): C {
  if (!('logger' in config) || config.logger === undefined) client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/**
 * A client of the given SDK class with the stack resolved once per command class and no unused logging. Not for
 * DynamoDB's document client (its commands would resend the first command's input; see dynamo.ts).
 */
export function createSdkClient<C extends SdkClient, Config extends object>(
  Client: new (config: Config) => C,
  config: Config,
): C {
  return withoutUnusedLogging(new Client({ cacheMiddleware: true, ...config }), config);
}
