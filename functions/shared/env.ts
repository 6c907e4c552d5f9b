import * as z from 'zod';

/**
 * Reads configuration from the environment once, at cold start, and fails fast: a function deployed without a
 * variable it needs throws at init, not halfway through a request.
 */
export function loadEnv<S extends z.ZodRawShape>(shape: S): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(process.env);
  if (!result.success) {
    const missing = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid function configuration: ${missing}`);
  }
  return result.data;
}
