import { GROUP, PLURAL, VERSION } from '../api/order-pipeline.ts';

const PLURALS: Record<string, string> = {
  ConfigMap: 'configmaps',
  Service: 'services',
  Deployment: 'deployments',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  Lease: 'leases',
  Event: 'events',
  OrderPipeline: PLURAL,
  APIService: 'apiservices',
  ReplicaSet: 'replicasets',
};

/** REST path of a namespaced collection, or of one object when `name` is given. */
export function objectPath(apiVersion: string, kind: string, namespace: string | undefined, name?: string): string {
  const plural = PLURALS[kind];
  if (plural === undefined) throw new TypeError(`unknown kind ${kind}`);
  const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/** Path of one OrderPipeline (or all of them in a namespace, or cluster-wide). */
export function pipelinePath(namespace?: string, name?: string): string {
  return objectPath(`${GROUP}/${VERSION}`, 'OrderPipeline', namespace, name);
}
