import { Type, env, loadConfig, type Static } from '@orderflow/config';

/** The operator's environment; each variable is documented by its schema. */
export const OperatorConfigSchema = Type.Object({
  /** Port of /healthz, /readyz and /metrics. */
  PORT: env.port(8090),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  /** Kubeconfig file; in a cluster the service account is used when unset. */
  KUBECONFIG: env.optional(env.string({ minLength: 1 })),
  /** Watch one namespace only; all namespaces when unset. */
  WATCH_NAMESPACE: env.optional(env.string({ minLength: 1 })),
  /**
   * Shards pipelines between operators: an operator with an instance name reconciles only
   * pipelines labelled orderflow.dev/operator=<name>; one without reconciles the unlabelled
   * rest. Lets a test or canary operator run beside the cluster's own.
   */
  OPERATOR_INSTANCE: env.optional(env.string({ minLength: 1, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' })),
  RABBITMQ_MANAGEMENT_URL: env.optional(env.url(['http', 'https'])),
  RABBITMQ_USER: env.optional(env.string({ minLength: 1 })),
  RABBITMQ_PASSWORD: env.optional(env.secret()),
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: env.optional(env.string({ minLength: 1 })),
  /** Keys reconciled at once. */
  CONCURRENCY: env.int({ default: 16, minimum: 1, maximum: 256 }),
  /** Every pipeline is reconciled again this often, which repairs drift on the brokers. */
  RESYNC_MS: env.int({ default: 30_000, minimum: 1_000, maximum: 86_400_000 }),
  /** A watch that sends nothing (bookmarks included) this long is restarted. */
  WATCH_IDLE_MS: env.int({ default: 120_000, minimum: 1_000, maximum: 3_600_000 }),
  /** How long deletion waits for unreachable brokers before it gives up cleanup with a warning event. */
  CLEANUP_TIMEOUT_MS: env.int({ default: 60_000, minimum: 0, maximum: 3_600_000 }),
  /**
   * DeleteIfEmpty: how long deletion waits for the pipeline's queues to drain (its consumers
   * keep running meanwhile). Past it the finalizer is removed and every queue is kept.
   */
  CLEANUP_DRAIN_TIMEOUT_MS: env.int({ default: 600_000, minimum: 0, maximum: 86_400_000 }),
  /**
   * When ConsumersReady turns True: `available` (replicas available, production) or `created`
   * (Deployment observed by the controller manager and its pods created; for control planes
   * without kubelets, where pods stay Pending).
   */
  CONSUMERS_READY_WHEN: env.oneOf(['available', 'created'] as const, 'available'),
  /**
   * Namespace of the claims that record which pipeline owns each queue, exchange and topic
   * name (one ConfigMap per name); the lease namespace when unset. Every operator that shares
   * the brokers must use the same one.
   */
  CLAIMS_NAMESPACE: env.optional(env.string({ minLength: 1 })),
  LEADER_ELECT: env.bool(true),
  LEASE_NAMESPACE: env.string({ default: 'default', minLength: 1 }),
  LEASE_NAME: env.string({ default: 'orderflow-operator', minLength: 1 }),
  LEASE_DURATION_MS: env.int({ default: 15_000, minimum: 1_000, maximum: 600_000 }),
  LEASE_RENEW_DEADLINE_MS: env.int({ default: 10_000, minimum: 500, maximum: 600_000 }),
  LEASE_RETRY_MS: env.int({ default: 2_000, minimum: 100, maximum: 60_000 }),
  /** Identity in the Lease; the pod name in a cluster. */
  POD_NAME: env.optional(env.string({ minLength: 1 })),
  /** Port of the external metrics API (HTTPS) the HPA reads through the aggregation layer; off when unset. */
  EXTERNAL_METRICS_PORT: env.optional(env.port()),
  EXTERNAL_METRICS_TLS_CERT_FILE: env.optional(env.string({ minLength: 1 })),
  EXTERNAL_METRICS_TLS_KEY_FILE: env.optional(env.string({ minLength: 1 })),
  /** CA that signs the API server's proxy client certificate (requestheader-client-ca-file). */
  EXTERNAL_METRICS_CLIENT_CA_FILE: env.optional(env.string({ minLength: 1 })),
  /**
   * `certificate`: only clients whose certificate EXTERNAL_METRICS_CLIENT_CA_FILE signed (the
   * API server's proxy client) may read metrics. `none`: anyone who reaches the port; for a
   * local control plane started without --proxy-client-cert-file, bound to loopback.
   */
  EXTERNAL_METRICS_CLIENT_AUTH: env.oneOf(['certificate', 'none'] as const, 'certificate'),
  /**
   * Address of the external metrics server: HOST when unset with certificate auth, 127.0.0.1
   * with `none` (which refuses any address that is not loopback).
   */
  EXTERNAL_METRICS_HOST: env.optional(env.string({ minLength: 1 })),
  /**
   * The operator makes and rotates the external metrics serving certificate itself (as KEDA's
   * --enable-cert-rotation): a CA and a certificate for EXTERNAL_METRICS_SERVICE in a Secret it
   * keeps, and the APIService's caBundle; the TLS files are then not read.
   */
  EXTERNAL_METRICS_CERT_ROTATION: env.bool(false),
  /** The Secret that holds the CA and the serving certificate (ca.crt, ca.key, tls.crt, tls.key). */
  EXTERNAL_METRICS_CERT_SECRET: env.string({ default: 'orderflow-external-metrics-cert', minLength: 1, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }),
  /** Namespace of the Secret and of the Service the API server dials; LEASE_NAMESPACE when unset. */
  EXTERNAL_METRICS_NAMESPACE: env.optional(env.string({ minLength: 1, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' })),
  /** The Service in front of the external metrics port: the certificate names <service>.<namespace>.svc. */
  EXTERNAL_METRICS_SERVICE: env.string({ default: 'orderflow-external-metrics', minLength: 1, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
  /** The APIService whose spec.caBundle the operator keeps current; none when unset. */
  EXTERNAL_METRICS_APISERVICE: env.optional(env.string({ minLength: 1 })),
  /** Validity of the CA (10 years) and how long before its end a new one is made (1 year, the overlap in the caBundle). */
  EXTERNAL_METRICS_CA_VALIDITY_MS: env.int({ default: 10 * 365 * 86_400_000, minimum: 2_000, maximum: 100 * 365 * 86_400_000 }),
  EXTERNAL_METRICS_CA_RENEW_BEFORE_MS: env.int({ default: 365 * 86_400_000, minimum: 1_000, maximum: 100 * 365 * 86_400_000 }),
  /** Validity of the serving certificate (1 year) and how long before its end it is issued again (30 days). */
  EXTERNAL_METRICS_CERT_VALIDITY_MS: env.int({ default: 365 * 86_400_000, minimum: 2_000, maximum: 100 * 365 * 86_400_000 }),
  EXTERNAL_METRICS_CERT_RENEW_BEFORE_MS: env.int({ default: 30 * 86_400_000, minimum: 1_000, maximum: 100 * 365 * 86_400_000 }),
  /** How often the Secret is read (standbys pick up a renewed certificate within this) and renewal is considered. */
  EXTERNAL_METRICS_CERT_CHECK_MS: env.int({ default: 60_000, minimum: 200, maximum: 86_400_000 }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 20_000, minimum: 100, maximum: 600_000 }),
  /** Local runs: write a Prometheus file_sd target for /metrics here (removed on shutdown). */
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  /** Address Prometheus should scrape, default `127.0.0.1:<PORT>`. */
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
});

export type OperatorConfig = Readonly<Static<typeof OperatorConfigSchema>>;

/** Parses the operator's environment once; a bad value fails naming the variable. */
export function loadOperatorConfig(source: Record<string, string | undefined> = process.env): OperatorConfig {
  return loadConfig(OperatorConfigSchema, source);
}
