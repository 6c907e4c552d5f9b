import { invoke } from './lambda.ts';
import { LOCAL_ACCOUNT } from './local-aws.ts';
import { type AuthorizerContext, isRecord, jsonMessage, Refusal } from './ws-api-shapes.ts';
import type { WsRoute } from './ws-gateway.ts';

/** The `$connect` REQUEST authorizer of the local WebSocket gateway, and how API Gateway reads its answer. */

/** IAM-style wildcard match (`*` any run, `?` one character), used for policy Action and Resource. */
function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(value);
}

function anyMatches(patterns: unknown, value: string): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((p) => typeof p === 'string' && globMatches(p, value));
}

type PolicyVerdict =
  | { readonly kind: 'allow'; readonly authorizer: AuthorizerContext }
  | { readonly kind: 'deny' }
  | { readonly kind: 'invalid'; readonly why: string };

/**
 * Evaluates a REQUEST authorizer's answer like API Gateway: an explicit Deny wins, an Allow must cover
 * `execute-api:Invoke` on the method ARN. Context values must be flat; API Gateway hands them to integrations as
 * strings, so numbers and booleans are stringified here too (a handler expecting a number would break in AWS).
 */
function evaluatePolicy(result: unknown, methodArn: string): PolicyVerdict {
  if (!isRecord(result)) return { kind: 'invalid', why: 'the authorizer returned no object' };
  const { principalId, policyDocument, context } = result;
  if (typeof principalId !== 'string') return { kind: 'invalid', why: 'principalId is not a string' };
  if (!isRecord(policyDocument)) return { kind: 'invalid', why: 'policyDocument is missing' };
  const raw = policyDocument.Statement;
  const statements = Array.isArray(raw) ? raw : [raw];
  let allowed = false;
  for (const statement of statements) {
    if (!isRecord(statement)) return { kind: 'invalid', why: 'a policy statement is not an object' };
    const applies = anyMatches(statement.Action, 'execute-api:Invoke') && anyMatches(statement.Resource, methodArn);
    if (!applies) continue;
    if (statement.Effect === 'Deny') return { kind: 'deny' };
    if (statement.Effect === 'Allow') allowed = true;
  }
  if (!allowed) return { kind: 'deny' };
  const authorizer: Record<string, string> = { principalId };
  if (context !== undefined && context !== null) {
    if (!isRecord(context)) return { kind: 'invalid', why: 'context is not an object' };
    for (const [key, value] of Object.entries(context)) {
      if (typeof value === 'string') authorizer[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') authorizer[key] = String(value);
      else if (value !== undefined && value !== null)
        return { kind: 'invalid', why: `context.${key} is not a string, number or boolean` };
    }
  }
  return { kind: 'allow', authorizer };
}

/**
 * Runs the authorizer for a `$connect` and returns the context integrations get; refuses (throws `Refusal`) the way
 * API Gateway answers: 401 without a token or on `Unauthorized`, 403 on a denying or invalid policy, 500 on a throw.
 */
export async function authorizeConnect(
  route: WsRoute,
  requestParts: Record<string, unknown>,
  token: string | undefined,
  target: { readonly apiId: string; readonly stage: string },
  requestContext: () => Record<string, unknown>,
): Promise<AuthorizerContext> {
  // Identity source route.request.querystring.token: API Gateway refuses without calling the authorizer.
  if (token === undefined || token === '') {
    throw new Refusal(401, jsonMessage('Unauthorized'), 'identity source token is missing');
  }
  const methodArn = `arn:aws:execute-api:local:${LOCAL_ACCOUNT}:${target.apiId}/${target.stage}/$connect`;
  const event = {
    type: 'REQUEST',
    methodArn,
    ...requestParts,
    stageVariables: {},
    requestContext: {
      routeKey: '$connect',
      eventType: 'CONNECT',
      ...requestContext(),
    },
  };
  let result: unknown;
  try {
    result = await invoke(route.name, route.handler, event);
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') {
      throw new Refusal(401, jsonMessage('Unauthorized'), 'the authorizer answered Unauthorized');
    }
    throw new Refusal(500, jsonMessage(null), `the authorizer threw: ${String(error)}`);
  }
  const verdict = evaluatePolicy(result, methodArn);
  if (verdict.kind === 'allow') return verdict.authorizer;
  const reason = verdict.kind === 'deny' ? 'the authorizer policy denies $connect' : verdict.why;
  throw new Refusal(403, jsonMessage('Forbidden'), reason);
}
