import { alertHandlers } from './alerts.ts';
import { dashboardHandlers } from './dashboard.ts';
import { foundationHandlers } from './foundation.ts';
import { heartbeatHandlers } from './heartbeats.ts';
import { messagingHandlers } from './messaging.ts';
import { reportHandlers } from './reports.ts';
import { statusHandlers } from './status.ts';
import type { HandlerDefinition } from './types.ts';

export * from './types.ts';

/**
 * Every function of the system. Capabilities contribute their own list (one file each) so that teams adding a
 * capability do not edit each other's entries.
 */
export const HANDLERS: readonly HandlerDefinition[] = [
  ...foundationHandlers,
  ...messagingHandlers,
  ...statusHandlers,
  ...alertHandlers,
  ...reportHandlers,
  ...heartbeatHandlers,
  ...dashboardHandlers,
];

export function handlerByName(name: string): HandlerDefinition {
  const found = HANDLERS.find((h) => h.name === name);
  if (!found) throw new Error(`No handler named ${name} in the registry`);
  return found;
}
