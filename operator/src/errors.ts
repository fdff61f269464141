import { defineError } from '@orderflow/errors';

/** RabbitMQ's management API could not be reached (connection refused, timeout, open breaker). */
export const RabbitUnreachable = defineError<[string]>({
  code: 'OPERATOR_ERR_RABBITMQ_UNREACHABLE',
  message: (detail) => `RabbitMQ management API unreachable: ${detail}`,
  statusCode: 503,
  retriable: true,
});

/** RabbitMQ's management API answered a request with an error status. */
export const RabbitRequestFailed = defineError<[string, number, string]>({
  code: 'OPERATOR_ERR_RABBITMQ_REQUEST',
  message: (what, status, body) => `RabbitMQ ${what} failed with HTTP ${status}: ${body}`,
  statusCode: 502,
  retriable: true,
});

/** RabbitMQ refused a request (4xx: inequivalent arguments, bad names); retrying will not help. */
export const RabbitRequestRejected = defineError<[string, number, string]>({
  code: 'OPERATOR_ERR_RABBITMQ_REJECTED',
  message: (what, status, body) => `RabbitMQ refused ${what} with HTTP ${status}: ${body}`,
  statusCode: 422,
  retriable: false,
});

/** The Kafka admin client failed. */
export const KafkaAdminFailed = defineError<[string, string]>({
  code: 'OPERATOR_ERR_KAFKA_ADMIN',
  message: (what, detail) => `Kafka ${what} failed: ${detail}`,
  statusCode: 502,
  retriable: true,
});

/** The Kubernetes API server answered with an error status. */
export const KubeRequestFailed = defineError<[string, number, string]>({
  code: 'OPERATOR_ERR_KUBE_REQUEST',
  message: (what, status, body) => `Kubernetes ${what} failed with HTTP ${status}: ${body}`,
  statusCode: 502,
  retriable: true,
});

/** A write lost an optimistic-concurrency race (HTTP 409): requeue, not an error. */
export const KubeConflict = defineError<[string]>({
  code: 'OPERATOR_ERR_KUBE_CONFLICT',
  message: (what) => `Kubernetes ${what}: conflict (the object changed); requeued`,
  statusCode: 409,
  retriable: true,
});

/** The Kubernetes API server could not be reached. */
export const KubeUnreachable = defineError<[string]>({
  code: 'OPERATOR_ERR_KUBE_UNREACHABLE',
  message: (detail) => `Kubernetes API server unreachable: ${detail}`,
  statusCode: 503,
  retriable: true,
});

/** An external metric was asked for that the operator does not serve. */
export const MetricNotFound = defineError<[string]>({
  code: 'OPERATOR_ERR_METRIC_NOT_FOUND',
  message: (what) => `no external metric ${what}`,
  statusCode: 404,
  retriable: false,
});

/** An external metric request lacked the pipeline and consumer labels. */
export const MetricSelectorInvalid = defineError<[string]>({
  code: 'OPERATOR_ERR_METRIC_SELECTOR',
  message: (selector) => `external metric selector must name orderflow.dev/pipeline and orderflow.dev/consumer, got "${selector}"`,
  statusCode: 400,
  retriable: false,
});

/** A client of the external metrics API did not present a trusted certificate. */
export const MetricUnauthorized = defineError({
  code: 'OPERATOR_ERR_METRIC_UNAUTHORIZED',
  message: 'external metrics are served only to the API server (client certificate required)',
  statusCode: 401,
  retriable: false,
});

/** The unauthenticated external metrics server was asked to listen beyond loopback. */
export const ExternalMetricsExposed = defineError<[string]>({
  code: 'OPERATOR_ERR_EXTERNAL_METRICS_EXPOSED',
  message: (host) =>
    `EXTERNAL_METRICS_CLIENT_AUTH=none serves consumer lag to anyone who connects, so it listens on loopback only; EXTERNAL_METRICS_HOST=${host} is not a loopback address (use 127.0.0.1, or EXTERNAL_METRICS_CLIENT_AUTH=certificate with EXTERNAL_METRICS_CLIENT_CA_FILE)`,
  statusCode: 500,
  retriable: false,
});

/** The external metrics certificate Secret exists but the operator does not manage it; it is never overwritten. */
export const CertSecretForeign = defineError<[string, string]>({
  code: 'OPERATOR_ERR_CERT_SECRET_FOREIGN',
  message: (secret, label) =>
    `Secret ${secret} exists without the label ${label}; the operator does not overwrite a Secret it does not manage (delete it, label it, or set EXTERNAL_METRICS_CERT_SECRET to another name)`,
  statusCode: 409,
  retriable: false,
});

/** The APIService whose caBundle the operator keeps current does not exist. */
export const ApiServiceMissing = defineError<[string]>({
  code: 'OPERATOR_ERR_APISERVICE_MISSING',
  message: (name) => `APIService ${name} does not exist, so its caBundle cannot be set (install it, or unset EXTERNAL_METRICS_APISERVICE)`,
  statusCode: 404,
  retriable: true,
});

/** The external metrics certificate durations contradict each other. */
export const CertPolicyInvalid = defineError<[string]>({
  code: 'OPERATOR_ERR_CERT_POLICY',
  message: (problem) => `external metrics certificate rotation: ${problem} (EXTERNAL_METRICS_CA_VALIDITY_MS, EXTERNAL_METRICS_CA_RENEW_BEFORE_MS, EXTERNAL_METRICS_CERT_VALIDITY_MS, EXTERNAL_METRICS_CERT_RENEW_BEFORE_MS)`,
  statusCode: 500,
  retriable: false,
});
