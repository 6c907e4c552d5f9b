// zod's mini API (the same core as the classic one, which the callers may use for the variables' schemas): a
// function whose only schemas are its variables', like the WebSocket authorizer, then bundles no classic API at all.
import * as z from 'zod/mini';

/**
 * Reads configuration from the environment once, at cold start, and fails fast: a function deployed without a
 * variable it needs throws at init, not halfway through a request.
 */
export function loadEnv<S extends z.core.$ZodShape>(shape: S): z.output<z.ZodMiniObject<S>> {
  const result = z.object(shape).safeParse(process.env);
  if (!result.success) {
    const missing = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid function configuration: ${missing}`);
  }
  return result.data;
}
