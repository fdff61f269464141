import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CRD_PATH, orderPipelineCrd, orderPipelineCrdYaml } from './crd.ts';
import { OrderPipelineSpec } from './order-pipeline.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; anyOf?: unknown; [k: string]: unknown };

function walk(schema: Schema, path: string, visit: (s: Schema, path: string) => void): void {
  visit(schema, path);
  for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (schema.items !== undefined) walk(schema.items, `${path}[]`, visit);
  if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${path}{}`, visit);
}

describe('OrderPipeline CRD', () => {
  it('is committed exactly as generated from the TypeScript schema (types and CRD cannot drift)', () => {
    const committed = readFileSync(join(root, CRD_PATH), 'utf8');
    expect(committed, 'run `npm run generate:crd -w @orderflow/operator`').toBe(orderPipelineCrdYaml());
  });

  it('is structural: every node has a type, no anyOf/const/$id, no additionalProperties:false', () => {
    const crd = orderPipelineCrd() as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
    const offenders: string[] = [];
    walk(schema, '', (s, path) => {
      if (s.type === undefined) offenders.push(`${path}: no type`);
      for (const bad of ['anyOf', 'oneOf', 'allOf', 'const', '$id', 'patternProperties']) if (bad in s) offenders.push(`${path}: ${bad}`);
      if (s.additionalProperties === false) offenders.push(`${path}: additionalProperties false`);
    });
    expect(offenders).toEqual([]);
  });

  it('carries the CEL rules, the short name, printer columns and the status subresource', () => {
    const yaml = orderPipelineCrdYaml();
    expect(yaml).toContain('self.minReplicas <= self.maxReplicas');
    expect(yaml).toContain('has(self.queue) != has(self.topic)');
    const crd = parse(yaml) as { spec: { names: { shortNames: string[] }; versions: { subresources: unknown; additionalPrinterColumns: { name: string }[] }[] } };
    expect(crd.spec.names.shortNames).toEqual(['opl']);
    expect(crd.spec.versions[0]!.subresources).toEqual({ status: {} });
    expect(crd.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toContain('Ready');
  });

  it('accepts the sample pipeline and fills the same defaults the API server will', () => {
    const sample = parse(readFileSync(join(root, 'manifests/samples/checkout.yaml'), 'utf8')) as { spec: unknown };
    const spec = Value.Default(OrderPipelineSpec, structuredClone(sample.spec));
    expect([...Value.Errors(OrderPipelineSpec, spec)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    const typed = Value.Decode(OrderPipelineSpec, spec);
    expect(typed.deletionPolicy).toBe('DeleteIfEmpty');
    expect(typed.rabbitmq?.exchanges[0]?.durable).toBe(true);
    expect(typed.rabbitmq?.queues.find((q) => q.name === 'billing')?.bindings[0]?.routingKey).toBe('');
    expect(typed.consumers[0]?.scaling.scaleDownStabilizationSeconds).toBe(60);
  });
});
