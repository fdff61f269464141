import { isIP } from 'node:net';
import type { OperatorConfig } from '../config.ts';
import { ExternalMetricsExposed } from '../errors.ts';

/** Whether a listen address is loopback only (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * The address the external metrics server listens on. Without client certificates anyone who
 * reaches the port reads every pipeline's lag, so that mode binds loopback by default and
 * refuses anything else with a config error; with certificates it follows HOST.
 */
export function externalMetricsListenHost(config: Pick<OperatorConfig, 'HOST' | 'EXTERNAL_METRICS_HOST' | 'EXTERNAL_METRICS_CLIENT_AUTH'>): string {
  if (config.EXTERNAL_METRICS_CLIENT_AUTH === 'certificate') return config.EXTERNAL_METRICS_HOST ?? config.HOST;
  const host = config.EXTERNAL_METRICS_HOST ?? '127.0.0.1';
  if (!isLoopback(host)) throw new ExternalMetricsExposed([host]);
  return host;
}
