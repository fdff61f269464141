import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createCa, issueServingCert, type KeyPairPem } from './cert-issuer.ts';

/** Keys of the certificate Secret's data (the tls.* pair is what kubernetes.io/tls Secrets hold). */
export const CERT_SECRET_KEYS = {
  /** Every CA a client should trust, PEM, the signing CA first: the APIService's caBundle. */
  caBundle: 'ca.crt',
  /** The signing CA's private key. */
  caKey: 'ca.key',
  cert: 'tls.crt',
  key: 'tls.key',
} as const;

/** What the certificate Secret holds, decoded. */
export interface CertMaterial {
  /** PEM certificates; the first is the CA that signs the serving certificate. */
  caBundle: string[];
  caKey: string;
  cert: string;
  key: string;
}

/** How long certificates live and when they are renewed. */
export interface CertPolicy {
  /** Names of the Service the API server dials (`<service>.<namespace>.svc`, …); the first is the CN. */
  dnsNames: readonly string[];
  caValidityMs: number;
  /** A new CA is made this long before the current one expires; the old stays in the bundle until then. */
  caRenewBeforeMs: number;
  certValidityMs: number;
  certRenewBeforeMs: number;
}

/** What one check decided. */
export type CertDecision =
  | { action: 'keep' }
  | { action: 'new-ca'; why: string }
  | { action: 'new-cert'; why: string };

// Issued a little in the past so that a client whose clock runs behind still accepts it.
const BACKDATE_MS = 60_000;

/**
 * Checks the policy's durations against each other. A renewal window as long as the validity
 * would renew on every check; a CA renewed later than its certificates would cap each new
 * certificate inside the certificate window and renew it on every check too.
 */
export function policyProblem(policy: CertPolicy): string | undefined {
  if (policy.certRenewBeforeMs >= policy.certValidityMs) return 'the certificate renew-before must be shorter than its validity';
  if (policy.caRenewBeforeMs >= policy.caValidityMs) return 'the CA renew-before must be shorter than its validity';
  if (policy.caRenewBeforeMs <= policy.certRenewBeforeMs) return 'the CA renew-before must be longer than the certificate renew-before';
  return undefined;
}

/** Splits concatenated PEM certificates. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)?.map((pem) => `${pem}\n`) ?? [];
}

/** Decodes a Secret's base64 data; `undefined` when a key is missing or holds no certificate. */
export function decodeMaterial(data: Record<string, string> | undefined): CertMaterial | undefined {
  const get = (key: string): string | undefined => (data?.[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  const bundle = get(CERT_SECRET_KEYS.caBundle);
  const caKey = get(CERT_SECRET_KEYS.caKey);
  const cert = get(CERT_SECRET_KEYS.cert);
  const key = get(CERT_SECRET_KEYS.key);
  if (bundle === undefined || caKey === undefined || cert === undefined || key === undefined) return undefined;
  const caBundle = splitPem(bundle);
  return caBundle.length === 0 ? undefined : { caBundle, caKey, cert, key };
}

/** The Secret data (base64) of `material`. */
export function encodeMaterial(material: CertMaterial): Record<string, string> {
  const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  return {
    [CERT_SECRET_KEYS.caBundle]: b64(material.caBundle.join('')),
    [CERT_SECRET_KEYS.caKey]: b64(material.caKey),
    [CERT_SECRET_KEYS.cert]: b64(material.cert),
    [CERT_SECRET_KEYS.key]: b64(material.key),
  };
}

/** When a PEM certificate expires. */
export function expiresAt(pem: string): Date {
  return new Date(new X509Certificate(pem).validTo);
}

/** The PEM caBundle an APIService should carry for `material`. */
export function caBundlePem(material: CertMaterial): string {
  return material.caBundle.join('');
}

/** Decides whether the CA or the serving certificate must be replaced at `now`. Pure. */
export function decide(material: CertMaterial | undefined, policy: CertPolicy, now: Date): CertDecision {
  if (material === undefined) return { action: 'new-ca', why: 'no certificate yet' };
  let ca: X509Certificate;
  let cert: X509Certificate;
  try {
    ca = new X509Certificate(material.caBundle[0]!);
    cert = new X509Certificate(material.cert);
    if (!ca.checkPrivateKey(createPrivateKey(material.caKey))) return { action: 'new-ca', why: 'the CA key does not match the CA certificate' };
    if (!cert.checkPrivateKey(createPrivateKey(material.key))) return { action: 'new-cert', why: 'the key does not match the certificate' };
  } catch (err) {
    return { action: 'new-ca', why: `unreadable: ${err instanceof Error ? err.message : String(err)}` };
  }
  const left = (c: X509Certificate): number => new Date(c.validTo).getTime() - now.getTime();
  if (left(ca) <= policy.caRenewBeforeMs) return { action: 'new-ca', why: `the CA expires at ${ca.validTo}` };
  if (!cert.verify(ca.publicKey)) return { action: 'new-cert', why: 'the certificate is not signed by the current CA' };
  const missing = policy.dnsNames.find((name) => cert.checkHost(name) === undefined);
  if (missing !== undefined) return { action: 'new-cert', why: `the certificate does not name ${missing}` };
  if (left(cert) <= policy.certRenewBeforeMs) return { action: 'new-cert', why: `the certificate expires at ${cert.validTo}` };
  return { action: 'keep' };
}

/**
 * Carries out a decision: a new serving certificate from the current CA, or a new CA (kept
 * first in the bundle, with the previous CAs that have not expired yet, so clients that
 * still see a certificate from the old CA keep trusting it) and a certificate from it.
 */
export async function renew(material: CertMaterial | undefined, decision: CertDecision, policy: CertPolicy, now: Date): Promise<CertMaterial> {
  if (decision.action === 'keep' && material !== undefined) return material;
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const stillValid = (material?.caBundle ?? []).filter((pem) => expiresAt(pem).getTime() > now.getTime());
  let ca: KeyPairPem;
  let caBundle: string[];
  if (decision.action === 'new-ca' || material === undefined) {
    // A name of its own for each CA, so that a client holding two in the bundle never confuses them.
    ca = await createCa({ commonName: `${policy.dnsNames[0]}-ca-${Math.floor(now.getTime() / 1000)}`, notBefore, notAfter: new Date(now.getTime() + policy.caValidityMs) });
    caBundle = [ca.cert, ...stillValid];
  } else {
    ca = { cert: material.caBundle[0]!, key: material.caKey };
    caBundle = stillValid[0] === ca.cert ? stillValid : [ca.cert, ...stillValid];
  }
  // Never past the CA: a certificate its issuer outlives would fail verification first.
  const notAfter = new Date(Math.min(now.getTime() + policy.certValidityMs, expiresAt(ca.cert).getTime()));
  const serving = await issueServingCert(ca, { dnsNames: policy.dnsNames, notBefore, notAfter });
  // One PEM layout (a newline after each certificate) so that bundles compare as text.
  return { caBundle: splitPem(caBundle.join('\n')), caKey: ca.key, cert: serving.cert, key: serving.key };
}
