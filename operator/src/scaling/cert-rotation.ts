import type { Server } from 'node:https';
import type { Logger } from '@orderflow/logging';
import type { OperatorConfig } from '../config.ts';
import { EventRecorder } from '../controller/event-recorder.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { OperatorMetrics } from '../metrics.ts';
import type { CertPolicy } from './cert-plan.ts';
import { CertRotator } from './cert-rotator.ts';
import { reloadServingCertificate } from './serving-tls.ts';

/** The names the serving certificate must carry: how the API server dials the Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}`, service];
}

/** The rotation policy the configuration describes. */
export function certPolicy(config: OperatorConfig): CertPolicy {
  return {
    dnsNames: serviceDnsNames(config.EXTERNAL_METRICS_SERVICE, config.EXTERNAL_METRICS_NAMESPACE ?? config.LEASE_NAMESPACE),
    caValidityMs: config.EXTERNAL_METRICS_CA_VALIDITY_MS,
    caRenewBeforeMs: config.EXTERNAL_METRICS_CA_RENEW_BEFORE_MS,
    certValidityMs: config.EXTERNAL_METRICS_CERT_VALIDITY_MS,
    certRenewBeforeMs: config.EXTERNAL_METRICS_CERT_RENEW_BEFORE_MS,
  };
}

/**
 * The rotator main.ts starts when EXTERNAL_METRICS_CERT_ROTATION is on. `server` is read on
 * every later change, so the rotator can fetch the first certificate before the server that
 * serves it exists.
 */
export function createCertRotator(
  config: OperatorConfig,
  deps: { kube: KubeClient; log: Logger; metrics: OperatorMetrics; identity: string; canWrite: () => boolean; server: () => Server | undefined },
): CertRotator {
  return new CertRotator(
    {
      namespace: config.EXTERNAL_METRICS_NAMESPACE ?? config.LEASE_NAMESPACE,
      secretName: config.EXTERNAL_METRICS_CERT_SECRET,
      apiServiceName: config.EXTERNAL_METRICS_APISERVICE,
      policy: certPolicy(config),
      checkIntervalMs: config.EXTERNAL_METRICS_CERT_CHECK_MS,
      canWrite: deps.canWrite,
    },
    {
      kube: deps.kube,
      log: deps.log,
      metrics: deps.metrics,
      events: new EventRecorder(deps.kube, deps.log, deps.identity),
      onChange: (material) => {
        const server = deps.server();
        if (server !== undefined) reloadServingCertificate(server, config, material);
      },
    },
  );
}
