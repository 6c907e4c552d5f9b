import {
  acknowledgeAlert as acknowledgeAlertUseCase,
  myAlerts as myAlertsUseCase,
  queryAlerts as queryAlertsUseCase,
} from '#domain/alerts/lifecycle.ts';
import { agentAlertsDeps, lifecycleDeps, queryDeps } from './alerts.ts';
import { wire } from './once.ts';

export { alertView } from '#domain/alerts/model.ts';
export { alertIdSchema, alertParamsSchema, alertQuerySchema } from '#domain/alerts/schemas.ts';

/**
 * The alert routes' use cases, wired (kept apart from alerts.ts, which every status function imports to clear alerts:
 * those load neither these use cases nor the alert request schemas).
 */
export const acknowledgeAlert = /*@__PURE__*/ wire(lifecycleDeps, acknowledgeAlertUseCase);
export const myAlerts = /*@__PURE__*/ wire(agentAlertsDeps, myAlertsUseCase);
export const queryAlerts = /*@__PURE__*/ wire(queryDeps, queryAlertsUseCase);
