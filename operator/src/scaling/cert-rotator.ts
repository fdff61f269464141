import type { Logger } from '@orderflow/logging';
import type { EventRecorder } from '../controller/event-recorder.ts';
import { ApiServiceMissing, CertPolicyInvalid, CertSecretForeign, KubeConflict } from '../errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { EVENT } from '../names.ts';
import { caBundlePem, decide, decodeMaterial, encodeMaterial, expiresAt, policyProblem, type CertMaterial, type CertPolicy } from './cert-plan.ts';
import { renewInChildProcess } from './renew-in-child.ts';

/** The label that marks a Secret as the operator's to write; any other Secret of that name is refused. */
export const CERT_SECRET_LABEL = { key: 'orderflow.dev/managed-certificate', value: 'external-metrics' } as const;

interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  type?: string;
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

interface ApiService {
  spec: { caBundle?: string; insecureSkipTLSVerify?: boolean };
}

/** Where the certificate lives and how it is renewed. */
export interface CertRotatorOptions {
  namespace: string;
  secretName: string;
  /** The APIService whose spec.caBundle follows the Secret's CA bundle; none when unset. */
  apiServiceName: string | undefined;
  policy: CertPolicy;
  checkIntervalMs: number;
  /**
   * Whether this replica may renew and patch (the leader). Any replica creates a missing
   * Secret (a lost create race reads the winner's), so that a standby can serve at start.
   */
  canWrite: () => boolean;
}

/** What the rotator talks to and tells. */
export interface CertRotatorDeps {
  kube: KubeClient;
  log: Logger;
  metrics: Pick<OperatorMetrics, 'certExpiry' | 'certRotations'>;
  events: EventRecorder | undefined;
  /** Called with the material to serve whenever the serving certificate changes after start(). */
  onChange: (material: CertMaterial) => void;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Keeps the external metrics serving certificate in a Secret current, as KEDA's
 * `--enable-cert-rotation` does: on start and every check it reads the Secret, lets the leader
 * replace the CA or the certificate before they expire (writes guarded by resourceVersion, so
 * replicas converge on one certificate), keeps the APIService's caBundle equal to the
 * Secret's, and hands a changed certificate to the server, which reloads it without a restart.
 */
export class CertRotator {
  readonly #options: CertRotatorOptions;
  readonly #deps: CertRotatorDeps;
  #current: CertMaterial | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: CertRotatorOptions, deps: CertRotatorDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  /** The material served now. */
  get current(): CertMaterial | undefined {
    return this.#current;
  }

  get #secretPath(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.#options.namespace)}/secrets/${encodeURIComponent(this.#options.secretName)}`;
  }

  /** First check (which must succeed: without a certificate nothing can be served), then one every interval. */
  async start(): Promise<CertMaterial> {
    const problem = policyProblem(this.#options.policy);
    if (problem !== undefined) throw new CertPolicyInvalid([problem]);
    const material = await this.check();
    this.#timer = setInterval(() => {
      // Checks never overlap: a slow API server delays the next one rather than racing it.
      if (this.#running !== undefined) return;
      this.#running = this.check()
        .then(() => undefined)
        .catch((err: unknown) => this.#deps.log.warn({ err }, 'external metrics certificate check failed; serving the current one'))
        .finally(() => (this.#running = undefined));
    }, this.#options.checkIntervalMs);
    this.#timer.unref();
    return material;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass: read, renew if due and allowed, align the APIService, hand over a change. */
  async check(): Promise<CertMaterial> {
    const material = await this.#ensureSecret();
    if (this.#options.canWrite()) {
      // A missing or unwritable APIService must not stop the server from serving its certificate.
      await this.#alignApiService(material).catch((err: unknown) => this.#deps.log.warn({ err }, 'could not update the APIService caBundle'));
    }
    if (this.#current?.cert !== material.cert) {
      const first = this.#current === undefined;
      this.#current = material;
      this.#deps.metrics.certExpiry.set({ certificate: 'serving' }, expiresAt(material.cert).getTime() / 1000);
      this.#deps.metrics.certExpiry.set({ certificate: 'ca' }, expiresAt(material.caBundle[0]!).getTime() / 1000);
      this.#deps.log.info({ secret: this.#options.secretName, expires: expiresAt(material.cert).toISOString() }, first ? 'external metrics certificate loaded' : 'external metrics certificate changed; reloading');
      // The first certificate is start()'s result, served from the beginning.
      if (!first) this.#deps.onChange(material);
    }
    return material;
  }

  async #ensureSecret(): Promise<CertMaterial> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#renewOnce();
      } catch (err) {
        // Another replica wrote first: read what it wrote and decide again.
        if (!(err instanceof KubeConflict) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        this.#deps.log.info({ secret: this.#options.secretName }, 'certificate Secret changed under us; reading it again');
      }
    }
  }

  async #renewOnce(): Promise<CertMaterial> {
    const { kube } = this.#deps;
    const { namespace, secretName, policy } = this.#options;
    const existing = await kube.get<Secret>(this.#secretPath);
    if (existing !== undefined && existing.metadata.labels?.[CERT_SECRET_LABEL.key] !== CERT_SECRET_LABEL.value) {
      throw new CertSecretForeign([`${namespace}/${secretName}`, `${CERT_SECRET_LABEL.key}=${CERT_SECRET_LABEL.value}`]);
    }
    const material = decodeMaterial(existing?.data);
    const now = new Date();
    const decision = decide(material, policy, now);
    if (decision.action === 'keep') return material!;
    // A standby serves what is there; the leader renews it (a Secret nobody filled yet is the exception).
    if (material !== undefined && !this.#options.canWrite()) return material;
    const next = await renewInChildProcess(material, decision, policy, now);
    const what = decision.action === 'new-ca' ? 'ca' : 'serving';
    // The APIService learns a new CA before any replica serves a certificate from it. A first
    // certificate is patched in after the write instead: nothing is served before it, and a
    // replica that loses the create race must not leave its own CA in the caBundle.
    if (material !== undefined && caBundlePem(next) !== caBundlePem(material)) await this.#alignApiService(next);
    const body: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: existing?.type ?? 'Opaque',
      metadata: {
        name: secretName,
        namespace,
        labels: { ...existing?.metadata.labels, [CERT_SECRET_LABEL.key]: CERT_SECRET_LABEL.value },
        ...(existing?.metadata.resourceVersion === undefined ? {} : { resourceVersion: existing.metadata.resourceVersion }),
      },
      data: { ...existing?.data, ...encodeMaterial(next) },
    };
    const written =
      existing === undefined
        ? await kube.request<Secret>('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, { body })
        : await kube.request<Secret>('PUT', this.#secretPath, { body });
    this.#deps.metrics.certRotations.inc({ certificate: what });
    if (material === undefined) await this.#alignApiService(next, { creating: true }).catch((err: unknown) => this.#deps.log.warn({ err }, 'could not set the APIService caBundle'));
    const message = `${what === 'ca' ? 'new CA and serving certificate' : 'new serving certificate'} in Secret ${secretName}, valid until ${expiresAt(next.cert).toISOString()}: ${decision.why}`;
    this.#deps.log.info({ secret: secretName, why: decision.why }, message);
    if (written?.metadata.uid !== undefined) {
      await this.#deps.events?.record(
        { apiVersion: 'v1', kind: 'Secret', name: secretName, namespace, uid: written.metadata.uid },
        { type: 'Normal', reason: what === 'ca' ? EVENT.caRotated : EVENT.certificateRotated, message },
      );
    }
    return next;
  }

  /** Sets the APIService's caBundle to the Secret's (and TLS verification on) when it differs. */
  async #alignApiService(material: CertMaterial, options: { creating?: boolean } = {}): Promise<void> {
    const name = this.#options.apiServiceName;
    if (name === undefined) return;
    const path = `/apis/apiregistration.k8s.io/v1/apiservices/${encodeURIComponent(name)}`;
    const caBundle = Buffer.from(caBundlePem(material), 'utf8').toString('base64');
    const current = await this.#deps.kube.get<ApiService>(path);
    if (current === undefined) {
      // At the first certificate the APIService may not be installed yet either.
      if (options.creating === true) return;
      throw new ApiServiceMissing([name]);
    }
    if (current.spec.caBundle === caBundle && current.spec.insecureSkipTLSVerify !== true) return;
    await this.#deps.kube.mergePatch(path, { spec: { caBundle, insecureSkipTLSVerify: false } });
    this.#deps.log.info({ apiService: name }, 'APIService caBundle updated');
  }
}
