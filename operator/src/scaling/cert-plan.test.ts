import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { caBundlePem, decide, decodeMaterial, encodeMaterial, expiresAt, policyProblem, renew, type CertPolicy } from './cert-plan.ts';

const policy: CertPolicy = {
  dnsNames: ['metrics.ns.svc', 'metrics.ns.svc.cluster.local'],
  caValidityMs: 100_000,
  caRenewBeforeMs: 40_000,
  certValidityMs: 30_000,
  certRenewBeforeMs: 10_000,
};
const at = (ms: number): Date => new Date(Date.UTC(2030, 0, 1) + ms);

describe('certificate plan', () => {
  it('makes a CA and an ECDSA P-256 certificate for the Service names, signed by it', async () => {
    expect(decide(undefined, policy, at(0))).toEqual({ action: 'new-ca', why: 'no certificate yet' });
    const m = await renew(undefined, decide(undefined, policy, at(0)), policy, at(0));
    const ca = new X509Certificate(m.caBundle[0]!);
    const cert = new X509Certificate(m.cert);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    for (const name of policy.dnsNames) expect(cert.checkHost(name)).toBe(name);
    expect(decide(m, policy, at(0))).toEqual({ action: 'keep' });
    expect(decodeMaterial(encodeMaterial(m))).toEqual(m);
  });

  it('issues a new certificate from the same CA before the certificate expires', async () => {
    const m = await renew(undefined, { action: 'new-ca', why: 'test' }, policy, at(0));
    const d = decide(m, policy, at(25_000));
    expect(d.action).toBe('new-cert');
    const next = await renew(m, d, policy, at(25_000));
    expect(next.caBundle).toEqual(m.caBundle);
    expect(next.cert).not.toBe(m.cert);
    expect(new X509Certificate(next.cert).verify(new X509Certificate(m.caBundle[0]!).publicKey)).toBe(true);
  });

  it('makes a new CA before the old one expires and keeps the old one in the bundle until then', async () => {
    const m = await renew(undefined, { action: 'new-ca', why: 'test' }, policy, at(0));
    const d = decide(m, policy, at(65_000));
    expect(d.action).toBe('new-ca');
    const next = await renew(m, d, policy, at(65_000));
    expect(next.caBundle).toHaveLength(2);
    expect(next.caBundle[1]).toBe(m.caBundle[0]);
    expect(caBundlePem(next)).toContain(m.caBundle[0]);
    expect(new X509Certificate(next.cert).verify(new X509Certificate(next.caBundle[0]!).publicKey)).toBe(true);
    // Once the old CA has expired it leaves the bundle.
    const later = await renew(next, { action: 'new-cert', why: 'test' }, policy, at(101_000));
    expect(later.caBundle).toEqual([next.caBundle[0]]);
  });

  it('never issues a certificate that outlives its CA', async () => {
    const m = await renew(undefined, { action: 'new-ca', why: 'test' }, { ...policy, caValidityMs: 20_000 }, at(0));
    expect(expiresAt(m.cert).getTime()).toBeLessThanOrEqual(expiresAt(m.caBundle[0]!).getTime());
  });

  it('reissues a certificate that does not name the Service', async () => {
    const m = await renew(undefined, { action: 'new-ca', why: 'test' }, policy, at(0));
    expect(decide(m, { ...policy, dnsNames: ['other.ns.svc'] }, at(0))).toMatchObject({ action: 'new-cert' });
  });

  it('refuses durations that would renew on every check', () => {
    expect(policyProblem(policy)).toBeUndefined();
    expect(policyProblem({ ...policy, certRenewBeforeMs: 30_000 })).toMatch(/certificate renew-before/);
    expect(policyProblem({ ...policy, caRenewBeforeMs: 5_000 })).toMatch(/CA renew-before must be longer/);
  });
});
