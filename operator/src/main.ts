// First: tracing must patch node:http before anything loads it.
import './instrument.ts';
import type { Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createLogger } from '@orderflow/logging';
import { writePrometheusTarget } from '@orderflow/http';
import { createMetricsRegistry } from './metrics.ts';
import { loadOperatorConfig } from './config.ts';
import { Controller } from './controller/controller.ts';
import { LeaderElector } from './controller/leader-election.ts';
import { KafkaAdminSession } from './kafka/admin-session.ts';
import { KubeClient } from './kube/kube-client.ts';
import { inClusterConnection, loadKubeconfig } from './kube/kube-config.ts';
import { createOperatorMetrics } from './metrics.ts';
import { ManagementClient } from './rabbitmq/management-client.ts';
import { createCertRotator } from './scaling/cert-rotation.ts';
import { buildExternalMetricsServer } from './scaling/external-metrics-server.ts';
import { externalMetricsListenHost } from './scaling/listen-host.ts';
import { buildServer } from './server.ts';

const config = loadOperatorConfig();
const log = createLogger('orderflow-operator', { level: config.LOG_LEVEL });
let externalMetricsHost: string | undefined;
try {
  // Checked before anything connects or listens: a bad address is a config error at start.
  externalMetricsHost = config.EXTERNAL_METRICS_PORT === undefined ? undefined : externalMetricsListenHost(config);
} catch (err) {
  log.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
}
const registry = createMetricsRegistry({ defaultLabels: { service: 'orderflow-operator' } });
const metrics = createOperatorMetrics(registry);

const kube = new KubeClient(config.KUBECONFIG !== undefined ? loadKubeconfig(config.KUBECONFIG) : inClusterConnection());
kube.onRequest = (verb, status) => metrics.kubeRequests.inc({ verb, code: String(status) });

let rabbit: ManagementClient | undefined;
if (config.RABBITMQ_MANAGEMENT_URL !== undefined) {
  if (config.RABBITMQ_USER === undefined || config.RABBITMQ_PASSWORD === undefined) {
    log.fatal('RABBITMQ_MANAGEMENT_URL needs RABBITMQ_USER and RABBITMQ_PASSWORD (or RABBITMQ_PASSWORD_FILE)');
    process.exit(1);
  }
  rabbit = new ManagementClient({ url: config.RABBITMQ_MANAGEMENT_URL, user: config.RABBITMQ_USER, password: config.RABBITMQ_PASSWORD });
}
const kafkaAdmin = config.KAFKA_BROKERS === undefined ? undefined : new KafkaAdminSession({ clientId: 'orderflow-operator', brokers: config.KAFKA_BROKERS.split(',') });

const identity = config.POD_NAME ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
const controller = new Controller(
  {
    namespace: config.WATCH_NAMESPACE,
    identity,
    instance: config.OPERATOR_INSTANCE,
    concurrency: config.CONCURRENCY,
    resyncMs: config.RESYNC_MS,
    watchIdleMs: config.WATCH_IDLE_MS,
    cleanupTimeoutMs: config.CLEANUP_TIMEOUT_MS,
    cleanupDrainTimeoutMs: config.CLEANUP_DRAIN_TIMEOUT_MS,
    claimsNamespace: config.CLAIMS_NAMESPACE ?? config.LEASE_NAMESPACE,
    consumersReadyWhen: config.CONSUMERS_READY_WHEN,
  },
  { kube, rabbit, kafka: kafkaAdmin, metrics, log },
);

const elector = config.LEADER_ELECT
  ? new LeaderElector({
      namespace: config.LEASE_NAMESPACE,
      name: config.LEASE_NAME,
      identity,
      leaseDurationMs: config.LEASE_DURATION_MS,
      renewDeadlineMs: config.LEASE_RENEW_DEADLINE_MS,
      retryPeriodMs: config.LEASE_RETRY_MS,
      log,
    })
  : undefined;

let closing = false;
let lostLeadership = false;
const app = buildServer({
  registry,
  logger: log,
  health: {
    live: () => !lostLeadership,
    ready: () => {
      const leader = elector?.isLeader ?? true;
      // A standby is ready: it serves metrics and waits for the lease.
      const ready = !closing && !lostLeadership && (!leader || controller.started);
      return { ready, detail: { identity, leader, started: controller.started, lostLeadership } };
    },
  },
});

const certRotator =
  config.EXTERNAL_METRICS_PORT !== undefined && config.EXTERNAL_METRICS_CERT_ROTATION
    ? createCertRotator(config, { kube, log, metrics, identity, canWrite: () => elector?.isLeader ?? true, server: (): HttpsServer | undefined => externalMetrics?.server })
    : undefined;
const serving = await certRotator?.start().catch((err: unknown) => {
  log.fatal({ err }, 'external metrics certificate rotation could not start');
  process.exit(1);
});
const externalMetrics =
  config.EXTERNAL_METRICS_PORT === undefined
    ? undefined
    : buildExternalMetricsServer(config, { kube, rabbit, kafka: kafkaAdmin, pipelines: controller.pipelines, logger: log, serving: serving ?? undefined });

async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'shutting down');
  const timer = setTimeout(() => {
    log.error('shutdown timed out');
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  try {
    await controller.stop();
    if (elector !== undefined) await elector.stop(kube);
    await certRotator?.stop();
    await externalMetrics?.close();
    await app.close();
    await removeTarget?.();
    await kafkaAdmin?.close();
    kube.close();
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ port: config.PORT, host: config.HOST });
if (externalMetrics !== undefined) await externalMetrics.listen({ port: config.EXTERNAL_METRICS_PORT!, host: externalMetricsHost });
const removeTarget =
  config.PROMETHEUS_TARGETS_DIR === undefined
    ? undefined
    : await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'orderflow-operator', config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`);
log.info({ identity, port: config.PORT, externalMetricsPort: config.EXTERNAL_METRICS_PORT, externalMetricsHost, leaderElection: config.LEADER_ELECT }, 'operator listening');

const startController = (): void => {
  metrics.leader.set(1);
  controller.start().catch((err: unknown) => {
    log.fatal({ err }, 'controller failed to start');
    process.exit(1);
  });
};
if (elector === undefined) startController();
else {
  void elector.run(kube, {
    onStartedLeading: startController,
    onStoppedLeading: () => {
      metrics.leader.set(0);
      if (closing) return;
      // A standby may take the lease once it expires: stop at once (reconciles in flight die
      // with the process, so nothing more is written) and let the restart campaign again.
      lostLeadership = true;
      log.error('leadership lost; stopped reconciling, exiting so a restart starts clean');
      process.exit(1);
    },
  });
}
