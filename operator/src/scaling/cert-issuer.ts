import { randomBytes, type webcrypto } from 'node:crypto';
import type * as X509Module from '@peculiar/x509';

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface KeyPairPem {
  cert: string;
  key: string;
}

// ECDSA P-256: small keys and fast signatures, accepted by every Kubernetes TLS stack.
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

// Loaded on first use, so that importing cert-plan.ts (whose checks need only node:crypto)
// does not load the encoder: the operator renews in a child process (renew-in-child.ts).
type X509 = typeof X509Module;
let x509Module: Promise<X509> | undefined;
function x509(): Promise<X509> {
  x509Module ??= import('@peculiar/x509');
  return x509Module;
}

/** A positive 128-bit serial number in hex (RFC 5280 allows at most 20 octets, positive). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

async function exportKey(lib: X509, key: webcrypto.CryptoKey): Promise<string> {
  return lib.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A self-signed CA that may sign leaf certificates only (path length 0). */
export async function createCa(options: { commonName: string; notBefore: Date; notAfter: Date }): Promise<KeyPairPem> {
  const lib = await x509();
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [options.commonName] }],
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(true, 0, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(lib, keys.privateKey) };
}

/** A TLS server certificate for `dnsNames` (the first is the subject's CN), signed by `ca`. */
export async function issueServingCert(ca: KeyPairPem, options: { dnsNames: readonly string[]; notBefore: Date; notAfter: Date }): Promise<KeyPairPem> {
  const lib = await x509();
  const caCert = new lib.X509Certificate(ca.cert);
  const caKey = await crypto.subtle.importKey('pkcs8', lib.PemConverter.decodeFirst(ca.key), ALGORITHM, false, ['sign']);
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [options.dnsNames[0]!] }],
    issuer: caCert.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
      new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth]),
      new lib.SubjectAlternativeNameExtension(options.dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await lib.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(lib, keys.privateKey) };
}
