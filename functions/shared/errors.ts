/**
 * Errors the API answers with. Each has a status, a stable machine `code` the apps translate,
 * and `expose`: whether its message may reach the caller. Anything else becomes a generic 500.
 */
export class HttpError extends Error {
  readonly expose: boolean = true;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends HttpError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(400, 'invalid_request', `${field}: ${reason}`, { field, reason });
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'A valid bearer token is required') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(code = 'forbidden', message = 'Not allowed for this user', details?: Record<string, unknown>) {
    super(403, code, message, details);
  }
}

export class NotFoundError extends HttpError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

export class ConflictError extends HttpError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(409, code, message, details);
  }
}

/** Something this request depends on is unavailable for a moment; nothing was done, retrying later may work. */
export class ServiceUnavailableError extends HttpError {
  constructor(code: string, message: string) {
    super(503, code, message);
  }
}

export const childNotFound = (): NotFoundError => new NotFoundError('child_not_found', 'No such child');
