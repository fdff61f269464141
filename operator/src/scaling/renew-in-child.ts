import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { text } from 'node:stream/consumers';
import type { CertDecision, CertMaterial, CertPolicy } from './cert-plan.ts';

const CHILD = fileURLToPath(new URL('./cert-renew-child.ts', import.meta.url));

/**
 * `renew` (cert-plan.ts) in a short-lived Node process. Loaded in the operator, the X.509
 * encoder and WebCrypto would keep about 28 MiB resident for good (a worker thread keeps even
 * more: its heap's pages are not returned); renewals are months apart, so a process that
 * exits gives all of it back. The private keys travel over the pipe, never through a file.
 */
export async function renewInChildProcess(material: CertMaterial | undefined, decision: CertDecision, policy: CertPolicy, now: Date): Promise<CertMaterial> {
  const child = spawn(process.execPath, ['--max-old-space-size=64', CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  child.stdin.end(JSON.stringify({ material, decision, policy, now: now.getTime() }));
  const [out, err, code] = await Promise.all([text(child.stdout), text(child.stderr), exited]);
  if (code !== 0) throw new Error(`certificate renewal process exited with code ${code}: ${err.trim().slice(-500)}`);
  return JSON.parse(out) as CertMaterial;
}
