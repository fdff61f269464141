import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@orderflow/testkit';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { splitPem } from '../src/scaling/cert-plan.ts';
import { CERT_SECRET_LABEL } from '../src/scaling/cert-rotator.ts';
import { createNamespace, deleteNamespace, ensureCrd, eventsFor, freePort, kubeClient, operatorMetrics, startOperator, type OperatorProcess } from './harness.ts';

// The operator makes the external metrics serving certificate itself (KEDA's
// --enable-cert-rotation): a CA and a certificate in a Secret, the APIService's caBundle, and
// a hot reload of the HTTPS server when the leader renews it. Validities of seconds make the
// renewals happen while the test watches. The APIService is the test's own (an unused group),
// so the shared v1beta1.external.metrics.k8s.io that hack/run registers is left alone.
const kube: KubeClient = kubeClient();
const group = `${uniqueName('test')}.orderflow.dev`;
const apiServiceName = `v1beta1.${group}`;
const apiServicePath = `/apis/apiregistration.k8s.io/v1/apiservices/${apiServiceName}`;
const secretName = 'orderflow-external-metrics-cert';
const service = 'orderflow-external-metrics';
let ns = '';
let leader: OperatorProcess;
let standby: OperatorProcess | undefined;
let leaderPort = 0;

interface Secret {
  metadata: { labels?: Record<string, string> };
  data: Record<string, string>;
}

function rotatingEnv(port: number): Record<string, string> {
  return {
    EXTERNAL_METRICS_PORT: String(port),
    EXTERNAL_METRICS_CLIENT_AUTH: 'none',
    EXTERNAL_METRICS_HOST: '127.0.0.1',
    EXTERNAL_METRICS_CERT_ROTATION: 'true',
    EXTERNAL_METRICS_NAMESPACE: ns,
    EXTERNAL_METRICS_SERVICE: service,
    EXTERNAL_METRICS_APISERVICE: apiServiceName,
    // A certificate renewed about every 4 s, a CA about every 20 s (kept 20 s in the bundle).
    EXTERNAL_METRICS_CERT_VALIDITY_MS: '8000',
    EXTERNAL_METRICS_CERT_RENEW_BEFORE_MS: '4000',
    EXTERNAL_METRICS_CA_VALIDITY_MS: '40000',
    EXTERNAL_METRICS_CA_RENEW_BEFORE_MS: '20000',
    EXTERNAL_METRICS_CERT_CHECK_MS: '500',
  };
}

async function secret(): Promise<Secret | undefined> {
  return kube.get<Secret>(`/api/v1/namespaces/${ns}/secrets/${secretName}`);
}

function decoded(data: Record<string, string>, key: string): string {
  return Buffer.from(data[key] ?? '', 'base64').toString('utf8');
}

async function apiServiceBundle(): Promise<{ pem: string; insecure: boolean | undefined }> {
  const got = await kube.get<{ spec: { caBundle?: string; insecureSkipTLSVerify?: boolean } }>(apiServicePath);
  return { pem: Buffer.from(got?.spec.caBundle ?? '', 'base64').toString('utf8'), insecure: got?.spec.insecureSkipTLSVerify };
}

/**
 * Handshakes with the server as the API server does (the Service's DNS name, `ca` trusted
 * when given) and returns the certificate it served. With `ca`, an untrusted certificate fails.
 */
async function served(port: number, ca?: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: `${service}.${ns}.svc`, ...(ca === undefined ? { rejectUnauthorized: false } : { ca, rejectUnauthorized: true }) }, () => {
      const cert = new X509Certificate(socket.getPeerX509Certificate()!.raw);
      socket.end();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

/** An HTTPS request trusting only `ca`, as the aggregation layer does with the caBundle. */
async function discovery(port: number, ca: string): Promise<number> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/apis/external.metrics.k8s.io/v1beta1', servername: `${service}.${ns}.svc`, ca, rejectUnauthorized: true }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

/** Whether `cert` chains to one of the CAs in `bundle` and names the Service. */
function trustedBy(cert: X509Certificate, bundle: string): boolean {
  return cert.checkHost(`${service}.${ns}.svc`) !== undefined && splitPem(bundle).some((ca) => cert.checkIssued(new X509Certificate(ca)) && cert.verify(new X509Certificate(ca).publicKey));
}

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-certs');
  leaderPort = await freePort();
  // Registered as KEDA's chart does before its certificate exists: TLS verification off until
  // the operator sets the caBundle (which must turn it on).
  await kube.request('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
    body: {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: apiServiceName, labels: { 'orderflow.dev/test': 'operator' } },
      spec: { group, version: 'v1beta1', groupPriorityMinimum: 10, versionPriority: 10, insecureSkipTLSVerify: true, service: { namespace: ns, name: service, port: leaderPort } },
    },
  });
  leader = await startOperator(ns, rotatingEnv(leaderPort));
  await waitFor(async () => (await leader.readyz()).body.leader === true, { what: 'the first operator to lead', timeoutMs: 60_000, intervalMs: 200 });
}, 120_000);

afterAll(async () => {
  await kube.request('DELETE', apiServicePath, { allowNotFound: true });
  await standby?.stop();
  await leader?.stop();
  if (ns !== '') await deleteNamespace(kube, ns);
  kube.close();
});

describe('the operator generates and rotates its external metrics certificate', () => {
  it('creates the Secret it manages and sets the APIService caBundle, with TLS verification on', async () => {
    const s = await waitFor(secret, { what: `Secret ${secretName}`, timeoutMs: 30_000 });
    expect(s.metadata.labels?.[CERT_SECRET_LABEL.key]).toBe(CERT_SECRET_LABEL.value);
    for (const key of ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']) expect(decoded(s.data, key)).toMatch(/-----BEGIN /);
    const cert = new X509Certificate(decoded(s.data, 'tls.crt'));
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    for (const name of [`${service}.${ns}.svc`, `${service}.${ns}.svc.cluster.local`]) expect(cert.checkHost(name)).toBe(name);
    const bundle = await waitFor(async () => {
      const b = await apiServiceBundle();
      return b.pem !== '' && b.insecure !== true ? b : undefined;
    }, { what: 'the APIService caBundle', timeoutMs: 30_000 });
    expect(trustedBy(cert, bundle.pem)).toBe(true);
  });

  it('serves a certificate that an HTTPS client trusting only the caBundle accepts', async () => {
    const bundle = await apiServiceBundle();
    expect(await discovery(leaderPort, bundle.pem)).toBe(200);
  });

  it('renews the certificate and then the CA; the running server serves each new one and the caBundle verifies it', async () => {
    const pid = leader.child.pid;
    const first = await served(leaderPort);
    // A renewed certificate, served by the same process on the same port.
    const renewed = await waitFor(async () => {
      const now = await served(leaderPort);
      return now.fingerprint256 !== first.fingerprint256 ? now : undefined;
    }, { what: 'the server to serve a renewed certificate', timeoutMs: 60_000, intervalMs: 250 });
    expect(trustedBy(renewed, (await apiServiceBundle()).pem)).toBe(true);
    // A new CA: the bundle then holds the new and the old CA, and the served certificate is the new CA's.
    const firstCa = splitPem((await apiServiceBundle()).pem)[0]!;
    await waitFor(async () => {
      const b = splitPem((await apiServiceBundle()).pem);
      return b.length === 2 && b[1] === firstCa;
    }, { what: 'a new CA in the caBundle beside the old one', timeoutMs: 90_000, intervalMs: 250 });
    const fromNewCa = await waitFor(async () => {
      const now = await served(leaderPort);
      return now.verify(new X509Certificate(firstCa).publicKey) ? undefined : now;
    }, { what: 'a certificate from the new CA', timeoutMs: 30_000, intervalMs: 250 });
    expect(trustedBy(fromNewCa, (await apiServiceBundle()).pem)).toBe(true);
    // Verified by TLS itself, trusting only what the APIService carries.
    expect(await discovery(leaderPort, (await apiServiceBundle()).pem)).toBe(200);
    expect(leader.child.pid).toBe(pid);
    expect(leader.child.exitCode).toBeNull();
    const metrics = await operatorMetrics(leader);
    expect(metrics).toMatch(/orderflow_operator_external_metrics_cert_rotations_total\{[^}]*certificate="ca"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/orderflow_operator_external_metrics_cert_rotations_total\{[^}]*certificate="serving"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/orderflow_operator_external_metrics_cert_expiry_timestamp_seconds\{[^}]*certificate="serving"[^}]*\} \d/);
    const reasons = new Set((await eventsFor(kube, ns, secretName)).map((e) => e.reason));
    expect(reasons).toContain('CertificateRotated');
    expect(reasons).toContain('CARotated');
  }, 200_000);

  it('a standby replica serves the Secret the leader renews, without writing it', async () => {
    const port = await freePort();
    standby = await startOperator(ns, rotatingEnv(port));
    expect((await standby.readyz()).body.leader).toBe(false);
    const pid = standby.child.pid;
    const matchesSecret = async (): Promise<X509Certificate | undefined> => {
      const s = await secret();
      const now = await served(port);
      return s !== undefined && now.fingerprint256 === new X509Certificate(decoded(s.data, 'tls.crt')).fingerprint256 ? now : undefined;
    };
    const before = await waitFor(matchesSecret, { what: 'the standby to serve the Secret\'s certificate', timeoutMs: 30_000, intervalMs: 250 });
    const after = await waitFor(async () => {
      const now = await matchesSecret();
      return now !== undefined && now.fingerprint256 !== before.fingerprint256 ? now : undefined;
    }, { what: 'the standby to reload the certificate the leader renewed', timeoutMs: 60_000, intervalMs: 250 });
    expect(trustedBy(after, (await apiServiceBundle()).pem)).toBe(true);
    expect(standby.child.pid).toBe(pid);
    expect(standby.child.exitCode).toBeNull();
    expect(await operatorMetrics(standby)).not.toMatch(/orderflow_operator_external_metrics_cert_rotations_total\{[^}]*\} [1-9]/);
  }, 120_000);

  it('fills a Secret made empty in advance (the chart\'s operator mode) and needs no APIService', async () => {
    const name = 'chart-made-cert';
    await kube.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace: ns, labels: { [CERT_SECRET_LABEL.key]: CERT_SECRET_LABEL.value } } },
    });
    const port = await freePort();
    const op = await startOperator(ns, { ...rotatingEnv(port), EXTERNAL_METRICS_CERT_SECRET: name, EXTERNAL_METRICS_APISERVICE: '', LEASE_NAME: 'chart-made' });
    try {
      const filled = await kube.get<Secret>(`/api/v1/namespaces/${ns}/secrets/${name}`);
      const cert = new X509Certificate(decoded(filled?.data ?? {}, 'tls.crt'));
      expect((await served(port)).fingerprint256).toBe(cert.fingerprint256);
      expect(trustedBy(cert, decoded(filled?.data ?? {}, 'ca.crt'))).toBe(true);
    } finally {
      await op.stop();
    }
  }, 90_000);

  it('refuses to overwrite a Secret it does not manage, with a coded error, and leaves it as it was', async () => {
    const name = 'someone-elses';
    await kube.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace: ns }, data: { 'tls.crt': Buffer.from('theirs').toString('base64') } },
    });
    const started = startOperator(ns, { ...rotatingEnv(await freePort()), EXTERNAL_METRICS_CERT_SECRET: name, LEASE_NAME: 'foreign' });
    const err = await started.then(
      async (op) => {
        await op.stop();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/to be ready \(log: (.+)\)/);
    const logFile = /\(log: (.+)\)/.exec(err!.message)![1]!;
    expect(readFileSync(logFile, 'utf8')).toContain('OPERATOR_ERR_CERT_SECRET_FOREIGN');
    const after = await kube.get<Secret>(`/api/v1/namespaces/${ns}/secrets/${name}`);
    expect(after?.data).toEqual({ 'tls.crt': Buffer.from('theirs').toString('base64') });
  }, 90_000);
});
