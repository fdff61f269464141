import { Value } from '@sinclair/typebox/value';
import { OrderPipelineSpec, type OrderPipeline } from '../src/api/order-pipeline.ts';

/** A pipeline as the API server would return it, schema defaults applied. */
export function pipeline(spec: unknown, name = 'checkout', namespace = 'shop'): OrderPipeline {
  const withDefaults = Value.Default(OrderPipelineSpec, structuredClone(spec)) as OrderPipeline['spec'];
  return { apiVersion: 'orderflow.dev/v1alpha1', kind: 'OrderPipeline', metadata: { name, namespace, uid: 'uid-1', generation: 1 }, spec: withDefaults };
}
