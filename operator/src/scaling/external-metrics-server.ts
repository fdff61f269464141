import type { TLSSocket } from 'node:tls';
import Fastify, { LogController } from 'fastify';
import type { Logger } from '@orderflow/logging';
import { CodedError } from '@orderflow/errors';
import type { OrderPipeline } from '../api/order-pipeline.ts';
import type { Informer } from '../controller/informer.ts';
import { MetricNotFound, MetricSelectorInvalid, MetricUnauthorized } from '../errors.ts';
import type { KafkaAdminSession } from '../kafka/admin-session.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { pipelinePath } from '../kube/paths.ts';
import { EXTERNAL_METRIC_NAME, LABELS } from '../names.ts';
import type { ManagementClient } from '../rabbitmq/management-client.ts';
import { measureLag } from './lag.ts';
import { secureContextOptions, servingCertificateFromFiles, type ServingCertificate, type ServingTlsConfig } from './serving-tls.ts';

/** The API group and version the HPA reads external metrics from. */
export const EXTERNAL_METRICS_GROUP_VERSION = 'external.metrics.k8s.io/v1beta1';

/** Parses the equality terms of a label selector (`a=b,c==d`); other terms are ignored. */
export function parseSelector(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of selector.split(',')) {
    const m = /^\s*([^=!\s]+)\s*==?\s*([^=\s]*)\s*$/.exec(term);
    if (m !== null) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Dependencies of the external metrics server. */
export interface ExternalMetricsDeps {
  kube: KubeClient;
  rabbit: ManagementClient | undefined;
  kafka: KafkaAdminSession | undefined;
  pipelines: Informer<OrderPipeline>;
  logger: Logger;
  /** The certificate to serve first (rotated by the operator); the TLS files when unset. */
  serving?: ServingCertificate;
}

/**
 * The `external.metrics.k8s.io` API, served to the API server's aggregation layer as KEDA's
 * metrics server does: the HPA asks for `orderflow_consumer_lag` with the pipeline and
 * consumer labels, and gets the lag measured on the broker at that moment. Never listens.
 */
export function buildExternalMetricsServer(config: ServingTlsConfig, deps: ExternalMetricsDeps) {
  const verifyClients = config.EXTERNAL_METRICS_CLIENT_AUTH === 'certificate';
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    https: {
      ...secureContextOptions(config, deps.serving ?? servingCertificateFromFiles(config)),
      ...(verifyClients ? { requestCert: true, rejectUnauthorized: false } : {}),
    },
  });

  app.addHook('onRequest', (req, _reply, done) => {
    done(verifyClients && !(req.raw.socket as TLSSocket).authorized ? new MetricUnauthorized([]) : undefined);
  });
  app.setErrorHandler((err, _req, reply) => {
    const coded = err instanceof CodedError ? err : undefined;
    const code = coded?.statusCode ?? 500;
    if (coded === undefined) deps.logger.warn({ err }, 'external metric request failed');
    // Kubernetes clients expect a Status object.
    return reply.code(code).send({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: coded?.code ?? 'InternalError', message: err instanceof Error ? err.message : String(err) });
  });

  app.get(`/apis/${EXTERNAL_METRICS_GROUP_VERSION}`, () => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: EXTERNAL_METRICS_GROUP_VERSION,
    resources: [{ name: EXTERNAL_METRIC_NAME, singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }],
  }));

  app.get<{ Params: { namespace: string; metric: string }; Querystring: { labelSelector?: string } }>(
    `/apis/${EXTERNAL_METRICS_GROUP_VERSION}/namespaces/:namespace/:metric`,
    async (req) => {
      const { namespace, metric } = req.params;
      if (metric !== EXTERNAL_METRIC_NAME) throw new MetricNotFound([metric]);
      const selector = parseSelector(req.query.labelSelector ?? '');
      const pipelineName = selector[LABELS.pipeline];
      const consumerName = selector[LABELS.consumer];
      if (pipelineName === undefined || consumerName === undefined) throw new MetricSelectorInvalid([req.query.labelSelector ?? '']);
      // A standby replica has no cache; it reads the pipeline itself.
      const p = deps.pipelines.cache.get(`${namespace}/${pipelineName}`) ?? (await deps.kube.get<OrderPipeline>(pipelinePath(namespace, pipelineName)));
      const consumer = p?.spec.consumers.find((c) => c.name === consumerName);
      if (p === undefined || consumer === undefined) throw new MetricNotFound([`${metric} for ${namespace}/${pipelineName} consumer ${consumerName}`]);
      const lag = await measureLag({ rabbit: deps.rabbit, kafka: deps.kafka }, p, consumer);
      return {
        kind: 'ExternalMetricValueList',
        apiVersion: EXTERNAL_METRICS_GROUP_VERSION,
        metadata: {},
        items: [{ metricName: metric, metricLabels: { [LABELS.pipeline]: pipelineName, [LABELS.consumer]: consumerName }, timestamp: new Date().toISOString(), value: String(lag) }],
      };
    },
  );
  return app;
}
