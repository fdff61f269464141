import { spawn } from 'node:child_process';
import { kindSetting, platformWorkload, type Workload } from './kind-env.ts';

/** A local port forwarded to a Service of the kind cluster; `close` ends the kubectl process. */
export interface PortForward {
  /** `http://127.0.0.1:<local port>` */
  url: string;
  close(): void;
}

/**
 * `kubectl port-forward` to a Service on a free local port: for Services the host cannot reach
 * through kind-config.yaml's port mappings (adding one means re-creating the cluster).
 */
export async function portForward(namespace: string, service: string, port: number, timeoutMs = 60_000): Promise<PortForward> {
  const child = spawn(
    kindSetting('KUBECTL'),
    ['--kubeconfig', kindSetting('KIND_KUBECONFIG'), '--context', kindSetting('KIND_CONTEXT'), 'port-forward', '-n', namespace, `svc/${service}`, `:${port}`, '--address', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const close = (): void => void child.kill('SIGTERM');
  try {
    const localPort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`port-forward to ${namespace}/${service}:${port} not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        // "Forwarding from 127.0.0.1:40123 -> 8083"
        const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`port-forward to ${namespace}/${service}:${port} exited (${code}): ${stderr}`));
      });
    });
    return { url: `http://127.0.0.1:${localPort}`, close };
  } catch (err) {
    close();
    throw err;
  }
}

/** A port-forward to the Service of a workload of the platform's release (platformWorkload). */
export async function portForwardTo(workload: Workload): Promise<PortForward> {
  const { namespace, name, port } = platformWorkload(workload);
  return portForward(namespace, name, port);
}
