import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { connect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { renew, type CertPolicy } from './cert-plan.ts';
import { reloadServingCertificate, secureContextOptions, servingCertificateFromFiles, type ServingTlsConfig } from './serving-tls.ts';

const config: ServingTlsConfig = { EXTERNAL_METRICS_CLIENT_AUTH: 'none', EXTERNAL_METRICS_TLS_CERT_FILE: undefined, EXTERNAL_METRICS_TLS_KEY_FILE: undefined, EXTERNAL_METRICS_CLIENT_CA_FILE: undefined };
const policy: CertPolicy = { dnsNames: ['m.ns.svc'], caValidityMs: 3_600_000, caRenewBeforeMs: 600_000, certValidityMs: 1_800_000, certRenewBeforeMs: 60_000 };
let server: Server | undefined;

afterEach(() => server?.close());

async function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'm.ns.svc', rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(socket.getPeerX509Certificate()!.raw).fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('serving TLS', () => {
  it('swaps the certificate of a listening server for new handshakes', async () => {
    const first = await renew(undefined, { action: 'new-ca', why: 'test' }, policy, new Date());
    const second = await renew(first, { action: 'new-cert', why: 'test' }, policy, new Date());
    server = createServer(secureContextOptions(config, first), (_req, res) => res.end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await servedFingerprint(port)).toBe(new X509Certificate(first.cert).fingerprint256);
    reloadServingCertificate(server, config, second);
    expect(await servedFingerprint(port)).toBe(new X509Certificate(second.cert).fingerprint256);
  });

  it('needs the certificate files or rotation, and the client CA when clients are checked', () => {
    expect(() => servingCertificateFromFiles(config)).toThrow(/EXTERNAL_METRICS_CERT_ROTATION=true/);
    expect(() => secureContextOptions({ ...config, EXTERNAL_METRICS_CLIENT_AUTH: 'certificate' }, { cert: '', key: '' })).toThrow(/EXTERNAL_METRICS_CLIENT_CA_FILE/);
  });
});
