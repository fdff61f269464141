import { describe, expect, it, onTestFinished } from 'vitest';
import { ApiextensionsV1Api, CustomObjectsApi, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { uniqueName, waitFor } from '@orderflow/testkit';
import { adminKubeConfig, apiFailure, testNamespace } from './kube.ts';

const group = 'controlplane-test.orderflow.dev';

/** A CRD whose kind is unique per run, so reruns never race a previous run's deletion. */
function widgetCrd(kind: string): V1CustomResourceDefinition {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['partitions'],
                properties: {
                  partitions: { type: 'integer', minimum: 1, maximum: 64 },
                  // The generated model names it `_enum` and serializes it as `enum`.
                  mode: { type: 'string', _enum: ['fifo', 'priority'] },
                },
              },
            },
          },
        },
      }],
    },
  };
}

describe('CustomResourceDefinitions', () => {
  it('installs, validates objects against its schema, and serves valid ones', { timeout: 240_000 }, async () => {
    const kind = `Widget${uniqueName('x').slice(2)}`;
    const crd = widgetCrd(kind);
    const plural = crd.spec.names.plural;
    const kc = adminKubeConfig();
    const namespace = await testNamespace(kc, 'crd');
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({ body: crd });
    onTestFinished(async () => {
      await extensions.deleteCustomResourceDefinition({ name: crd.metadata!.name! });
    });
    await waitFor(async () => {
      const current = await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, { timeoutMs: 120_000, what: `CRD ${crd.metadata!.name} Established` });

    const objects = kc.makeApiClient(CustomObjectsApi);
    const create = (name: string, spec: Record<string, unknown>) => objects.createNamespacedCustomObject({
      group, version: 'v1alpha1', namespace, plural,
      body: { apiVersion: `${group}/v1alpha1`, kind, metadata: { name }, spec },
    });

    // The CRD may be Established a moment before every API server handler serves it.
    const valid = await waitFor(() => create('valid', { partitions: 6, mode: 'fifo' }), { timeoutMs: 60_000, what: `${kind} served` });
    expect(valid).toMatchObject({ kind, spec: { partitions: 6, mode: 'fifo' } });

    const refused = await apiFailure(() => create('invalid', { partitions: 0, mode: 'random' }));
    expect(refused.code).toBe(422);
    expect(refused.reason).toBe('Invalid');
    expect(refused.message).toContain(`${kind}.${group} "invalid" is invalid`);
    expect(refused.message).toContain('spec.partitions: Invalid value: 0: spec.partitions in body should be greater than or equal to 1');
    expect(refused.message).toContain('spec.mode: Unsupported value: "random": supported values: "fifo", "priority"');

    const missing = await apiFailure(() => create('missing', { mode: 'fifo' }));
    expect(missing.code).toBe(422);
    expect(missing.message).toContain('spec.partitions: Required value');
  });
});
