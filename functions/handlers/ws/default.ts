import type { APIGatewayProxyResult } from 'aws-lambda';
import { unroutedFrame } from '#shared/validation.ts';
import { errorFrame, type WsEvent } from '#shared/ws.ts';

/**
 * `$default`: API Gateway routes here every frame whose `action` matches no route — including frames that are not
 * JSON at all. Each gets an error frame that says which.
 */
export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const { error, replyId } = unroutedFrame(event.body ?? undefined);
  return errorFrame(error, replyId);
};
