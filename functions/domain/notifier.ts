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

/** Pushes events to users' open connections. Delivery is best effort: persisted state is the source of truth. */
export interface Notifier {
  toUser(tenant: string, user: string, event: ServerEvent): Promise<DeliveryReport>;
  toUsers(tenant: string, users: readonly string[], event: ServerEvent): Promise<DeliveryReport>;
}
