import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKubeconfig } from './kube-config.ts';

describe('loadKubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  it('reads the current context: server, CA data, client certificate files relative to the file', () => {
    writeFileSync(join(dir, 'client.crt'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
current-context: b
contexts: [ { name: a, context: { cluster: x, user: u1 } }, { name: b, context: { cluster: y, user: u2 } } ]
clusters:
- { name: x, cluster: { server: https://wrong:1 } }
- { name: y, cluster: { server: https://127.0.0.1:6443, certificate-authority-data: ${Buffer.from('CA').toString('base64')} } }
users:
- { name: u1, user: { token: nope } }
- { name: u2, user: { client-certificate: client.crt, client-key: client.key } }
`,
    );
    const conn = loadKubeconfig(file);
    expect(conn.server).toBe('https://127.0.0.1:6443');
    expect(conn.ca?.toString()).toBe('CA');
    expect(conn.cert?.toString()).toBe('CERT');
    expect(conn.key?.toString()).toBe('KEY');
    expect(conn.token).toBeUndefined();
  });

  it('refuses exec credentials with a clear message', () => {
    const file = join(dir, 'exec');
    writeFileSync(file, 'current-context: a\ncontexts: [ { name: a, context: { cluster: x, user: u } } ]\nclusters: [ { name: x, cluster: { server: https://h } } ]\nusers: [ { name: u, user: { exec: { command: aws } } } ]\n');
    expect(() => loadKubeconfig(file)).toThrow(/exec and auth-provider credentials are not supported/);
  });
});
