import { previewBodySchema, recipientPreview } from '#composition/messaging.ts';
import { authedRoute } from '#shared/http.ts';

const recipients = recipientPreview();

/**
 * POST /messages/preview — resolves the selectors as a send would: `count`, the single `recipient` when there is
 * exactly one, the first recipients by id, and explicit ids that are not agents of the tenant.
 */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'preview message recipients', body: previewBodySchema },
  async ({ principal, body }) => ({ body: await recipients.preview(principal, body.to) }),
);
