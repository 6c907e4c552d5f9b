import type { APIGatewayProxyResult } from 'aws-lambda';
import { BadRequestError } from '#domain/errors.ts';
import { badJson } from '#shared/validation.ts';
import { errorFrame, type WsEvent } from '#shared/ws.ts';

/**
 * `$default`: API Gateway routes here every frame whose `action` matches no route — including frames that are not
 * JSON at all. Each gets an error frame that says which.
 */
export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  let frame: unknown;
  try {
    frame = JSON.parse(event.body ?? '');
  } catch {
    return errorFrame(badJson('frame'));
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return errorFrame(new BadRequestError('BAD_FRAME', 'Frames must be JSON objects like {"action":"ping"}'));
  }
  const { action, id } = frame as { action?: unknown; id?: unknown };
  const replyId = typeof id === 'string' ? id : undefined;
  if (typeof action !== 'string' || action === '') {
    return errorFrame(new BadRequestError('MISSING_ACTION', 'The frame has no "action" field'), replyId);
  }
  return errorFrame(new BadRequestError('UNKNOWN_ACTION', `Unknown action "${action.slice(0, 64)}"`), replyId);
};
