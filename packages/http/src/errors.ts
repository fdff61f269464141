import { defineError } from '@orderflow/errors';

/** The request does not match the route's schema. `details.errors` lists what failed. */
export const ValidationFailed = defineError<[string]>({
  code: 'HTTP_ERR_VALIDATION',
  message: (why) => `request does not match the schema: ${why}`,
  statusCode: 400,
});

/** The body is not valid JSON. */
export const MalformedJson = defineError({
  code: 'HTTP_ERR_MALFORMED_JSON',
  message: 'the request body is not valid JSON',
  statusCode: 400,
});

/** The body is larger than the server accepts. */
export const BodyTooLarge = defineError<[number]>({
  code: 'HTTP_ERR_BODY_TOO_LARGE',
  message: (limit) => `the request body is larger than ${limit} bytes`,
  statusCode: 413,
});

/** The Content-Type is not one the route accepts. */
export const UnsupportedMediaType = defineError({
  code: 'HTTP_ERR_UNSUPPORTED_MEDIA_TYPE',
  message: 'unsupported Content-Type; send application/json',
  statusCode: 415,
});

/** No route matches the method and path. */
export const RouteNotFound = defineError<[string, string]>({
  code: 'HTTP_ERR_NOT_FOUND',
  message: (method, url) => `no route for ${method} ${url}`,
  statusCode: 404,
});

/** The client closed the connection before the request was read; nobody sees the answer. */
export const ClientClosedRequest = defineError({
  code: 'HTTP_ERR_CLIENT_CLOSED_REQUEST',
  message: 'the client closed the connection before the request was complete',
  statusCode: 499,
});

/** A malformed request that fastify refused before any route ran (bad headers, bad URL...). */
export const BadRequest = defineError<[string]>({
  code: 'HTTP_ERR_BAD_REQUEST',
  message: (why) => `bad request: ${why}`,
  statusCode: 400,
});

/** Anything unexpected; details stay in the logs. */
export const InternalError = defineError({
  code: 'HTTP_ERR_INTERNAL',
  message: 'internal error',
  statusCode: 500,
});

/** The service is shutting down or a dependency is down. */
export const NotReady = defineError<[string]>({
  code: 'HTTP_ERR_NOT_READY',
  message: (why) => `not ready: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** The path exists but not with this method; the `Allow` header lists the methods it has. */
export const MethodNotAllowed = defineError<[string, string, string]>({
  code: 'HTTP_ERR_METHOD_NOT_ALLOWED',
  message: (method, url, allow) => `${method} is not allowed on ${url}; allowed: ${allow}`,
  statusCode: 405,
});
