/** A typed event pushed to clients. Every server-initiated frame has a `type`. */
export interface ServerEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** The outcome of pushing one event: counts of connections, and the users reached on at least one of them. */
export interface DeliveryReport {
  readonly delivered: number;
  readonly gone: number;
  readonly failed: number;
  readonly usersReached: ReadonlySet<string>;
}

/** One event for one user (a fan-out where each recipient's event differs, e.g. by its own cursor). */
export interface Delivery {
  readonly user: string;
  readonly event: ServerEvent;
  /** A connection of the user that must not get the event (the one whose request it answers already). */
  readonly exceptConnection?: string;
}

/** Pushes events to users' open connections. Delivery is best effort: persisted state is the source of truth. */
export interface Notifier {
  toUser(tenant: string, user: string, event: ServerEvent): Promise<DeliveryReport>;
  toUsers(tenant: string, users: readonly string[], event: ServerEvent): Promise<DeliveryReport>;
  /** Each user gets its own event; connections are looked up for all users at once. */
  toEach(tenant: string, deliveries: readonly Delivery[]): Promise<DeliveryReport>;
  /**
   * `toEach` in two steps: resolves once the connections are looked up, with the function that posts. A fan-out
   * starts its next write only after the lookup, so that the lookup does not queue behind that write in the table.
   */
  prepareEach?(tenant: string, deliveries: readonly Delivery[]): Promise<() => Promise<DeliveryReport>>;
}
