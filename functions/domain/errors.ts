/**
 * Typed errors. An error with a `statusCode` below 500 is a caller mistake: its code and message are shown to the
 * caller (middy's `expose` contract). Anything else is logged and answered with a generic 500.
 */
export class AppError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;

  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }

  get expose(): boolean {
    return this.statusCode < 500;
  }
}

/** A field-level problem, as zod reports it: `path` is the dotted field path. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super(400, 'VALIDATION_FAILED', message, { issues });
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid token is required') {
    super(401, 'UNAUTHORIZED', message);
  }
}

/**
 * A WebSocket connection whose token has expired: it may no longer act. The client reconnects with a fresh token and
 * `sync`s from its cursor; nothing is lost.
 */
export class TokenExpiredError extends AppError {
  constructor() {
    super(
      401,
      'TOKEN_EXPIRED',
      'The token of this connection has expired: reconnect with a fresh token, then sync from your cursor',
    );
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code = 'FORBIDDEN') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, code = 'NOT_FOUND') {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT', details?: unknown) {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, 'PAYLOAD_TOO_LARGE', message);
  }
}

/** The JSON body of every error answer (HTTP) and the fields of every error frame (WebSocket). */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** Maps any thrown value to a status and a body that is safe to show the caller. */
export function toErrorResponse(error: unknown): { statusCode: number; body: ErrorBody } {
  if (error instanceof AppError && error.expose) {
    const body: ErrorBody =
      error.details === undefined
        ? { code: error.code, message: error.message }
        : { code: error.code, message: error.message, details: error.details };
    return { statusCode: error.statusCode, body };
  }
  return { statusCode: 500, body: { code: 'INTERNAL', message: 'Internal error' } };
}
