export { codedErrorHandler, toCodedError } from './error-handler.ts';
export { BadRequest, BodyTooLarge, ClientClosedRequest, InternalError, MalformedJson, MethodNotAllowed, NotReady, RouteNotFound, UnsupportedMediaType, ValidationFailed } from './errors.ts';
export { healthRoutes } from './health.ts';
export type { HealthOptions, ReadinessCheck } from './health.ts';
export { metricsRoutes } from './metrics.ts';
export type { HttpMetricsOptions } from './metrics.ts';
export { writePrometheusTarget } from './prometheus-target.ts';
