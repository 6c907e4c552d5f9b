import type { DomainEvent, DomainEvents, StatusFeed } from '#domain/status-ports.ts';
import { logger } from '#shared/powertools.ts';

export type DomainEventHandler = (event: DomainEvent) => Promise<void>;

/**
 * In-process domain events: publishers call `publish`, capabilities `subscribe` at module scope (the alerts
 * capability will). Until then every event is logged and pushed to the tenant status feed as
 * `{type:'agent-event', event}` so supervisors' consoles see contact offers and session ends.
 * A failing subscriber fails the publish: the stream record is retried, so subscribers must be idempotent.
 */
export class InProcessDomainEvents implements DomainEvents {
  private readonly handlers: DomainEventHandler[] = [];

  constructor(private readonly feed?: StatusFeed) {}

  subscribe(handler: DomainEventHandler): void {
    this.handlers.push(handler);
  }

  async publish(event: DomainEvent): Promise<void> {
    logger.info('Domain event', { domainEvent: event.type, tenant: event.tenant, agent: event.agent });
    await Promise.all(this.handlers.map((h) => h(event)));
    if (this.feed) {
      const { tenant: _t, ...payload } = event;
      await this.feed.publish(event.tenant, { type: 'agent-event', event: payload });
    }
  }
}
