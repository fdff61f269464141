import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { KubeUnreachable } from '../errors.ts';

/** Where and how to reach the API server. */
export interface KubeConnection {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Bearer token, read on each call (service account tokens rotate). */
  token?: () => string;
  insecureSkipTLSVerify?: boolean;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } }[];
  users?: { name: string; user: Record<string, unknown> }[];
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function fileOrData(base: string, file: unknown, data: unknown): Buffer | undefined {
  if (typeof data === 'string') return Buffer.from(data, 'base64');
  if (typeof file === 'string') return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

/**
 * Reads a kubeconfig's current context: client certificates or a token. Exec and
 * auth-provider plugins are not supported (the operator runs with a service account or a
 * certificate kubeconfig). Kept small on purpose: importing @kubernetes/client-node costs the
 * process about 75 MB of resident memory (measured), a third of the operator's budget.
 */
export function loadKubeconfig(path: string): KubeConnection {
  const doc = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  const base = dirname(path);
  const ctxName = doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (ctx === undefined) throw new KubeUnreachable([`kubeconfig ${path} has no current context`]);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (cluster === undefined) throw new KubeUnreachable([`kubeconfig ${path}: cluster ${ctx.cluster} not found`]);
  if (user.exec !== undefined || user['auth-provider'] !== undefined) throw new KubeUnreachable([`kubeconfig ${path}: exec and auth-provider credentials are not supported`]);
  const token = typeof user.token === 'string' ? user.token : undefined;
  const tokenFile = typeof user.tokenFile === 'string' ? user.tokenFile : undefined;
  return {
    server: cluster.server,
    ca: fileOrData(base, cluster['certificate-authority'], cluster['certificate-authority-data']),
    cert: fileOrData(base, user['client-certificate'], user['client-certificate-data']),
    key: fileOrData(base, user['client-key'], user['client-key-data']),
    ...(token !== undefined ? { token: () => token } : tokenFile !== undefined ? { token: () => readFileSync(tokenFile, 'utf8').trim() } : {}),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}

/** The in-cluster service account connection. */
export function inClusterConnection(env: Record<string, string | undefined> = process.env): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (host === undefined) throw new KubeUnreachable(['no KUBECONFIG and not running in a cluster (KUBERNETES_SERVICE_HOST unset)']);
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(join(SA_DIR, 'ca.crt')),
    token: () => readFileSync(join(SA_DIR, 'token'), 'utf8').trim(),
  };
}
