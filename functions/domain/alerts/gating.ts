import { CONNECTED_STATES } from '../agent-events.ts';
import type { AgentStatus } from '../status.ts';

const CONNECTED = new Set<string>(CONNECTED_STATES);

/**
 * The contact the agent is actively on (connected or on hold: not ringing, not in after-contact work), or undefined.
 *
 * With a Connect instance bound to the tenant, the agent's status record — which the agent-event consumer derives from
 * Connect's agent events — is the only source: what the client claims is ignored. Without Connect there are no agent
 * events; the client's `contactId` is then taken as long as the agent has a session (is not Offline): the softphone
 * library produces stats only during a call, so a widget forwarding them is on one.
 */
export function activeContact(
  status: Pick<AgentStatus, 'status' | 'currentContact'> | undefined,
  connectBound: boolean,
  claimedContactId: string | undefined,
): string | undefined {
  if (connectBound) {
    const contact = status?.currentContact;
    return contact && CONNECTED.has(contact.state) ? contact.contactId : undefined;
  }
  if (!status || status.status === 'offline') return undefined;
  return claimedContactId;
}
