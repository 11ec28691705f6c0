/**
 * Errors that carry an HTTP status. A status below 500 shows its message to the client;
 * anything else is answered with a generic message (see `errorToResponse`).
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

/** The bytes are not one of the allowed image formats (exact wording from the API reference). */
export class InvalidImageError extends HttpError {
  constructor(readonly reason: string = 'Invalid image format') {
    super(400, 'Invalid image format');
  }
}

export class UnauthorizedError extends HttpError {
  constructor() {
    super(401, 'Missing or invalid API key');
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Not found') {
    super(404, message);
  }
}

export class ImageNotFoundError extends NotFoundError {
  constructor() {
    super('Image not found');
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, message);
  }
}

/**
 * An accepted image whose pixels the renderer cannot decode (a file whose header every check
 * reads but whose pixel data libvips refuses, docs/transforms.md): its original stays served,
 * no variant of it can be made, and asking again will not change that.
 */
export class UntransformableImageError extends HttpError {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(422, 'Image cannot be transformed');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export class RateLimitError extends HttpError {
  constructor(retryAfterSeconds: number) {
    super(429, 'Rate limit exceeded', { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** A storage dependency (S3, DynamoDB) could not be reached; the client should retry. */
export class ServiceUnavailableError extends HttpError {
  constructor(
    readonly retryAfterSeconds = 5,
    options?: { cause?: unknown },
  ) {
    super(503, 'Service temporarily unavailable, retry later', { 'Retry-After': String(retryAfterSeconds) });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
