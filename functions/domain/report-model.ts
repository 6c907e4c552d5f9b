import { createHash, randomUUID } from 'node:crypto';
import { AppError } from './errors.ts';
import type { ServerEvent } from './notifier.ts';

/**
 * Issue reports: an agent tells the contact centre that something went wrong (the softphone, the sound, a call that
 * dropped), at any time or from an alert. This module holds the model, its ports and its pure rules; the use cases
 * are in reports.ts, the wire schemas in report-schemas.ts, the CSV export in report-csv.ts.
 */

/** Category codes are stable (they go into keys, filters and exports); labels are what people read. */
export const REPORT_CATEGORY_LABELS = {
  'softphone-not-working': 'Softphone would not work',
  'poor-sound-quality': 'Poor sound quality',
  'conversation-delay': 'Delay in the conversation',
  'call-disconnected': 'Call disconnected',
  'customer-could-not-hear-me': 'Customer could not hear me',
  'could-not-hear-customer': 'Could not hear the customer',
  'missed-call': 'Missed call (the softphone did not ring)',
  'something-else': 'Something else',
} as const;
export type ReportCategory = keyof typeof REPORT_CATEGORY_LABELS;
export const REPORT_CATEGORIES = Object.keys(REPORT_CATEGORY_LABELS) as [ReportCategory, ...ReportCategory[]];

export const REPORT_SEVERITY_LABELS = { terrible: 'Terrible', difficult: 'Difficult', minor: 'Minor' } as const;
export type ReportSeverity = keyof typeof REPORT_SEVERITY_LABELS;
export const REPORT_SEVERITIES = Object.keys(REPORT_SEVERITY_LABELS) as [ReportSeverity, ...ReportSeverity[]];

/** Size limits, shared by the schemas and the CSV export's page budget. */
export const REPORT_LIMITS = {
  notes: 2000,
  errorShown: 500,
  /** An agent may report a problem up to this long after it happened. */
  occurredMaxAgeDays: 30,
  /** Clock skew tolerated between the agent's machine and the server. */
  occurredMaxSkewMs: 5 * 60 * 1000,
} as const;

/** What the caller says (validated by report-schemas.ts); everything else is established by the server. */
export interface ReportInput {
  readonly category: ReportCategory;
  readonly severity: ReportSeverity;
  readonly notes?: string | undefined;
  /** ISO 8601; defaults to the time of the report. */
  readonly occurredAt?: string | undefined;
  /** The Connect contact the problem happened on. */
  readonly contactId?: string | undefined;
  /** The error message the softphone or the widget showed the agent. */
  readonly errorShown?: string | undefined;
  /** Set when the report was started from an alert's flag: the alert and what it pre-filled. */
  readonly alertId?: string | undefined;
  readonly alertType?: string | undefined;
  /** Utilisation of the agent's machine in percent, as the browser extension measured it. */
  readonly cpuPercent?: number | undefined;
  readonly memoryPercent?: number | undefined;
  readonly browserName?: string | undefined;
  readonly browserVersion?: string | undefined;
  readonly extensionVersion?: string | undefined;
  /** A client-generated id (UUID): a retried report with the same id is not stored twice. */
  readonly clientReportId?: string | undefined;
}

/** The agent's status when the problem occurred (or when it was reported, if the log knows nothing older). */
export interface StatusAtTime {
  readonly code: string;
  readonly label: string;
}

/** What a stored report keeps of the caller's input as it was given. */
type KeptInput = Pick<
  ReportInput,
  | 'category'
  | 'severity'
  | 'notes'
  | 'cpuPercent'
  | 'memoryPercent'
  | 'browserName'
  | 'browserVersion'
  | 'extensionVersion'
  | 'clientReportId'
>;

/** A stored report. */
export interface IssueReport extends KeptInput {
  readonly tenant: string;
  /** 32 hexadecimal characters. */
  readonly id: string;
  readonly agent: string;
  readonly agentName?: string | undefined;
  /** ISO 8601, from the client (bounded). */
  readonly occurredAt: string;
  /** ISO 8601, set by the server; the period filters of lists and exports apply to it. */
  readonly reportedAt: string;
  /** The client's, or the alert's when the alert store knows the alert (see applyAlertPrefill). */
  readonly contactId?: string | undefined;
  readonly errorShown?: string | undefined;
  /** The alert the report was flagged from; `verified` when its fields came from the alert store, not the client. */
  readonly alert?: { readonly id: string; readonly type?: string | undefined; readonly verified: boolean } | undefined;
  /** From the directory when the report was stored (never from the client). */
  readonly team?: string | undefined;
  readonly queues: readonly string[];
  /** From the status store / status log (never from the client). */
  readonly status?: StatusAtTime | undefined;
  /** Hash of the caller's input: a retry with the same key must carry the same report. */
  readonly requestHash: string;
  /** Epoch seconds: `reportedAt` + the tenant's `reports.retentionDays`. */
  readonly expiresAt: number;
}

/** Filters of the supervisors' list and export; every one optional, combinable. */
export interface ReportFilter {
  readonly agent?: string | undefined;
  readonly team?: string | undefined;
  readonly category?: ReportCategory | undefined;
  readonly severity?: ReportSeverity | undefined;
  /** ISO 8601 bounds on `reportedAt`, inclusive. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface ReportPage {
  readonly items: IssueReport[];
  readonly cursor?: string | undefined;
}

/** Where reports live. Lists are newest first and never cross the tenant. */
export interface ReportRepository {
  /**
   * Stores the report once per id. When a report with this id exists (a retry), nothing is written and the stored
   * one is returned instead.
   */
  create(report: IssueReport): Promise<IssueReport | undefined>;
  list(tenant: string, filter: ReportFilter, page: { cursor?: string | undefined; limit: number }): Promise<ReportPage>;
}

/**
 * What an alert tells a report flagged from it: the composition passes the alert store here, and the alert's own
 * contact id and type (its rule) replace what the client sent; alerts keep no error text, so `error` stays the client's.
 */
export interface AlertFacts {
  readonly contactId?: string;
  readonly type: string;
  readonly error?: string;
}
export interface AlertLookup {
  /** The alert of `agent` in `tenant`, or undefined when there is none (another agent's alerts never resolve). */
  get(tenant: string, agent: string, alertId: string): Promise<AlertFacts | undefined>;
}

/** Pushes to the tenant's live supervision feed (the connections that sent `subscribeStatus`). */
export interface ReportFeed {
  publish(tenant: string, event: ServerEvent): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Pure rules
// ---------------------------------------------------------------------------------------------------------------

export class ReportKeyReusedError extends AppError {
  constructor() {
    super(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'This idempotency key (or client report id) was already used for a different report; use a new one',
    );
  }
}

/**
 * A retried report with the same key maps to the same id. Tenant and agent are part of the key's scope, so one
 * agent's key (or a client report id copied from someone else) can never reach another agent's report.
 */
export function reportIdFor(tenant: string, agent: string, key: string | undefined): string {
  if (key === undefined) return randomUUID().replaceAll('-', '');
  return createHash('sha256').update(`report\n${tenant}\n${agent}\n${key}`).digest('hex').slice(0, 32);
}

/** The caller's input in a canonical form (keys sorted), so that the same report in another order is the same. */
export function reportRequestHash(input: ReportInput): string {
  const entries = Object.entries(input)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

/**
 * Pre-fill from an alert: when the alert store knows the alert, its contact id, type and error win over what the
 * client sent (a widget cannot attribute a report to a contact the alert was not about); otherwise the client's
 * fields are kept as they are and the alert reference is marked unverified.
 */
export function applyAlertPrefill(
  input: ReportInput,
  alert: AlertFacts | undefined,
): Pick<IssueReport, 'contactId' | 'errorShown' | 'alert'> {
  if (input.alertId === undefined)
    return {
      ...(input.contactId ? { contactId: input.contactId } : {}),
      ...(input.errorShown ? { errorShown: input.errorShown } : {}),
    };
  const contactId = alert?.contactId ?? input.contactId;
  const errorShown = alert?.error ?? input.errorShown;
  const type = alert?.type ?? input.alertType;
  return {
    ...(contactId ? { contactId } : {}),
    ...(errorShown ? { errorShown } : {}),
    alert: { id: input.alertId, ...(type ? { type } : {}), verified: alert !== undefined },
  };
}

/** What APIs, feeds and exports show of a report: labels next to codes; bookkeeping (hash, tenant) stays inside. */
export function reportView(report: IssueReport) {
  return {
    id: report.id,
    agent: report.agent,
    agentName: report.agentName ?? null,
    category: report.category,
    categoryLabel: REPORT_CATEGORY_LABELS[report.category],
    severity: report.severity,
    severityLabel: REPORT_SEVERITY_LABELS[report.severity],
    notes: report.notes ?? null,
    occurredAt: report.occurredAt,
    reportedAt: report.reportedAt,
    contactId: report.contactId ?? null,
    errorShown: report.errorShown ?? null,
    alert: report.alert ?? null,
    system: { cpuPercent: report.cpuPercent ?? null, memoryPercent: report.memoryPercent ?? null },
    client: {
      browserName: report.browserName ?? null,
      browserVersion: report.browserVersion ?? null,
      extensionVersion: report.extensionVersion ?? null,
    },
    clientReportId: report.clientReportId ?? null,
    team: report.team ?? null,
    queues: report.queues,
    status: report.status ?? null,
  };
}
export type ReportView = ReturnType<typeof reportView>;
