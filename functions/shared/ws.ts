import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod';
import { systemClock } from '#domain/clock.ts';
import { TokenExpiredError, toErrorResponse } from '#domain/errors.ts';
import type { Principal, Role } from '#domain/principal.ts';
import { requireRole } from '#domain/principal.ts';
import { pure } from '#domain/pure.ts';
import { identityFromConnectionContext } from './auth.ts';
import { logger } from './powertools.ts';
import { type SignOfLife, touch } from './sign-of-life.ts';
import { parseJson, parseOrThrow } from './validation.ts';

/** The part of an API Gateway WebSocket event the handlers read. */
export interface WsEvent {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly requestContext: {
    readonly routeKey: string;
    readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
    readonly connectionId: string;
    readonly domainName?: string;
    readonly stage?: string;
    readonly requestId?: string;
    readonly connectedAt?: number;
    readonly authorizer?: Record<string, unknown> | null;
  };
}

/** Every frame a client sends: an action, optionally a client-chosen id echoed in the reply. */
const envelopeSchema = /*@__PURE__*/ pure(() =>
  z.object({ action: z.string().min(1).max(64), id: z.string().max(64).optional() }).loose(),
);

/**
 * What the server sends back to the caller of an action (route response). `id` is reserved for the frame id the
 * client chose (echoed by `reply`): a reply naming some other id — a message's, a request's — uses its own field.
 */
export interface ReplyFrame {
  readonly type: string;
  readonly id?: never;
  readonly [key: string]: unknown;
}

export interface WsRequest<B> {
  readonly principal: Principal;
  /** Epoch seconds: the connection's token expires then, and with it everything the connection subscribed to. */
  readonly tokenExpiresAt: number;
  readonly connectionId: string;
  readonly body: B;
  readonly event: WsEvent;
}

function reply(frame: ReplyFrame, id: string | undefined): APIGatewayProxyResult {
  return { statusCode: 200, body: JSON.stringify(id === undefined ? frame : { ...frame, id }) };
}

/** An error frame: `{"type":"error","code":...,"message":...}`; a 5xx is logged and reported generically. */
export function errorFrame(error: unknown, id?: string): APIGatewayProxyResult {
  const { statusCode, body } = toErrorResponse(error);
  if (statusCode >= 500) logger.error('Unhandled error', { error: error as Error });
  else logger.info('Frame refused', { statusCode, code: body.code });
  return reply({ type: 'error', status: statusCode, ...body }, id);
}

/**
 * A two-way WebSocket action: the connection's verified identity (authorizer context) is the principal, the token must
 * not have expired (401 `TOKEN_EXPIRED`: the connection acts with the rights of a valid token only, so the client must
 * reconnect with a fresh one), the role is checked, the frame validated with zod; with `touch`, the caller's sign of
 * life is recorded then; the handler's result is sent back as the reply frame.
 */
export function wsAction<B extends z.ZodType>(
  spec: {
    readonly roles: readonly Role[];
    readonly action: string;
    readonly body: B;
    /** Every agent frame is a sign of life (auto-Offline). */
    readonly touch?: SignOfLife;
  },
  fn: (req: WsRequest<z.output<B>>) => Promise<ReplyFrame>,
) {
  return middy<WsEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      let id: string | undefined;
      try {
        const raw = parseJson(event.body, 'frame');
        const envelope = envelopeSchema.safeParse(raw);
        id = envelope.success ? envelope.data.id : undefined;
        const { principal, tokenExpiresAt } = identityFromConnectionContext(event.requestContext.authorizer);
        logger.appendKeys({
          tenant: principal.tenant,
          user: principal.user,
          connectionId: event.requestContext.connectionId,
        });
        if (systemClock.now() >= tokenExpiresAt * 1000) throw new TokenExpiredError();
        requireRole(principal, spec.roles, spec.action);
        const body = parseOrThrow(spec.body, raw, 'frame');
        const { connectionId } = event.requestContext;
        await touch(spec.touch, principal);
        return reply(await fn({ principal, tokenExpiresAt, connectionId, body, event }), id);
      } catch (error) {
        return errorFrame(error, id);
      }
    });
}

/**
 * `$connect`, after the authorizer: the connection's verified identity goes to the handler (which records the
 * connection); with `touch`, the caller's sign of life is recorded once that succeeded.
 */
export function wsConnect(
  spec: { readonly touch?: SignOfLife },
  fn: (req: {
    readonly principal: Principal;
    readonly tokenExpiresAt: number;
    readonly connectionId: string;
  }) => Promise<void>,
) {
  return async (event: WsEvent): Promise<APIGatewayProxyResult> => {
    const { principal, tokenExpiresAt } = identityFromConnectionContext(event.requestContext.authorizer);
    const { connectionId } = event.requestContext;
    await fn({ principal, tokenExpiresAt, connectionId });
    await touch(spec.touch, principal);
    return { statusCode: 200, body: '' };
  };
}

/**
 * The action's frame schema: `{ action: <name>, id?, ...fields }`. Strict, like every REST body: an unknown key is a
 * 400 naming it, never silently ignored (a misspelt `idempotencyKey` must not send a message twice).
 */
export function frameSchema<S extends z.ZodRawShape>(action: string, shape: S) {
  return z.strictObject({ action: z.literal(action), id: z.string().max(64).optional(), ...shape });
}
