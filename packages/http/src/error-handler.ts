import { CodedError } from '@orderflow/errors';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { BadRequest, BodyTooLarge, ClientClosedRequest, InternalError, MalformedJson, MethodNotAllowed, RouteNotFound, UnsupportedMediaType, ValidationFailed } from './errors.ts';
import { RouteMethods } from './route-methods.ts';

interface MethodNotAllowedAnswer {
  allow: string;
  body: ReturnType<CodedError['toJSON']>;
}

/** Maps any error a handler or fastify raises to a coded error (never throws). */
export function toCodedError(err: unknown, bodyLimit: number): CodedError {
  if (err instanceof CodedError) return err;
  const e = err as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string; params?: unknown }[] };
  if (Array.isArray(e.validation)) {
    const errors = e.validation.map((v) => ({ path: v.instancePath ?? '', message: v.message ?? 'invalid', params: v.params }));
    return new ValidationFailed([e.message ?? 'invalid request'], { details: { errors } });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLarge([bodyLimit]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MalformedJson([]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new UnsupportedMediaType([]);
    default:
      break;
  }
  // fastify's JSON parser raises a plain SyntaxError with status 400 for malformed bodies.
  if (err instanceof SyntaxError && e.statusCode === 400) return new MalformedJson([]);
  // The socket closed while the body was being read (client gave up or went away).
  if (e.code === 'ECONNRESET' || e.message === 'aborted') return new ClientClosedRequest([]);
  // Other fastify refusals carry a 4xx status of their own; keep them caller errors.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new BadRequest([e.message ?? 'refused'], { cause: err });
  return new InternalError([], { cause: err });
}

/**
 * Every error leaves as `{ code, message, statusCode, details? }` with the coded status:
 * coded errors, schema validation, malformed JSON, oversized bodies, unknown routes. A known
 * path asked with a method it does not have answers 405 `HTTP_ERR_METHOD_NOT_ALLOWED` with an
 * `Allow` header (routes registered after this plugin are known). 5xx are logged with their
 * cause; 4xx at info.
 */
export const codedErrorHandler = fp(
  (app: FastifyInstance, _opts: object, done: (err?: Error) => void) => {
    const routes = new RouteMethods();
    app.addHook('onRoute', (route) => routes.add(route.url, route.method));
    const methodNotAllowed = (method: string, url: string): MethodNotAllowedAnswer | undefined => {
      const allowed = routes.allowed(url);
      if (allowed === undefined || allowed.includes(method)) return undefined;
      const allow = allowed.join(', ');
      return { allow, body: new MethodNotAllowed([method, url, allow]).toJSON() };
    };
    app.setErrorHandler((err, request, reply) => {
      // A body method no route has (QUERY, PUT...) fails body checks before the 404 handler runs.
      const wrongMethod = request.is404 ? methodNotAllowed(request.method, request.url) : undefined;
      if (wrongMethod !== undefined) return reply.status(405).header('allow', wrongMethod.allow).send(wrongMethod.body);
      const coded = toCodedError(err, app.initialConfig.bodyLimit ?? 1_048_576);
      if (coded.statusCode >= 500) request.log.error({ err: coded.cause ?? err, code: coded.code }, coded.message);
      else request.log.info({ code: coded.code }, coded.message);
      if (coded.retriable) void reply.header('retry-after', '1');
      return reply.status(coded.statusCode).send(coded.toJSON());
    });
    app.setNotFoundHandler((request, reply) => {
      const wrongMethod = methodNotAllowed(request.method, request.url);
      if (wrongMethod !== undefined) return reply.status(405).header('allow', wrongMethod.allow).send(wrongMethod.body);
      const coded = new RouteNotFound([request.method, request.url]);
      return reply.status(404).send(coded.toJSON());
    });
    done();
  },
  { name: '@orderflow/http/coded-errors', fastify: '5.x' },
);
