import type { V1Deployment } from '@kubernetes/client-node';

/** A Deployment of `replicas` Pods; without a scheduler or kubelet they stay Pending. */
export function pendingDeployment(name: string, replicas: number): V1Deployment {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m' } } }],
        },
      },
    },
  };
}
