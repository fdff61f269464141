import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { OperatorConfig } from '../config.ts';

/** The external metrics server's certificate and key (PEM). */
export interface ServingCertificate {
  cert: string | Buffer;
  key: string | Buffer;
}

/** The TLS settings the external metrics server reads. */
export type ServingTlsConfig = Pick<OperatorConfig, 'EXTERNAL_METRICS_TLS_CERT_FILE' | 'EXTERNAL_METRICS_TLS_KEY_FILE' | 'EXTERNAL_METRICS_CLIENT_CA_FILE' | 'EXTERNAL_METRICS_CLIENT_AUTH'>;

/** The certificate from EXTERNAL_METRICS_TLS_CERT_FILE/KEY_FILE (mounted by Helm or cert-manager). */
export function servingCertificateFromFiles(config: ServingTlsConfig): ServingCertificate {
  if (config.EXTERNAL_METRICS_TLS_CERT_FILE === undefined || config.EXTERNAL_METRICS_TLS_KEY_FILE === undefined) {
    throw new TypeError('EXTERNAL_METRICS_PORT needs EXTERNAL_METRICS_TLS_CERT_FILE and EXTERNAL_METRICS_TLS_KEY_FILE, or EXTERNAL_METRICS_CERT_ROTATION=true (the API server only proxies over TLS)');
  }
  return { cert: readFileSync(config.EXTERNAL_METRICS_TLS_CERT_FILE), key: readFileSync(config.EXTERNAL_METRICS_TLS_KEY_FILE) };
}

/** The secure context: the serving certificate, and the client CA when clients must present a certificate. */
export function secureContextOptions(config: ServingTlsConfig, serving: ServingCertificate): SecureContextOptions {
  const verifyClients = config.EXTERNAL_METRICS_CLIENT_AUTH === 'certificate';
  if (verifyClients && config.EXTERNAL_METRICS_CLIENT_CA_FILE === undefined) {
    throw new TypeError('EXTERNAL_METRICS_CLIENT_AUTH=certificate needs EXTERNAL_METRICS_CLIENT_CA_FILE (the API server requestheader client CA)');
  }
  return { cert: serving.cert, key: serving.key, ...(verifyClients ? { ca: readFileSync(config.EXTERNAL_METRICS_CLIENT_CA_FILE!) } : {}) };
}

/**
 * Swaps the certificate of a listening HTTPS server: new handshakes get it, open connections
 * keep theirs, nothing restarts (Node's `server.setSecureContext`).
 */
export function reloadServingCertificate(server: Server, config: ServingTlsConfig, serving: ServingCertificate): void {
  server.setSecureContext(secureContextOptions(config, serving));
}
