import type { Principal } from '#domain/principal.ts';
import { logger } from './powertools.ts';

/**
 * Records that a verified caller is alive (presence: an agent active here is not set Offline for inactivity; a
 * supervisor joins the roster that receives approval requests live). Handlers name the capability's recorder in their
 * route or action options (`touch`) instead of calling it themselves.
 */
export type SignOfLife = (principal: Principal) => Promise<void>;

/** Runs the sign of life, if the route has one; never fails the request it rides on (presence is best effort). */
export async function touch(signOfLife: SignOfLife | undefined, principal: Principal): Promise<void> {
  if (!signOfLife) return;
  try {
    await signOfLife(principal);
  } catch (error) {
    logger.warn('Recording activity failed', { error: error as Error });
  }
}
