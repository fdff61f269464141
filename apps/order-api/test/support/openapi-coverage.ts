import type { FastifyInstance } from 'fastify';
import type { RecordedResponse } from './harness.ts';

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>>;
}

/** `/orders/:id` → `/orders/{id}`, as the OpenAPI document names paths. */
function toOpenApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Walks `/openapi.json` and returns every recorded response it does not declare (as
 * `METHOD path status`), and every declared 4xx/5xx whose body is not the shared `Error` schema.
 * Responses of no route (404 unknown path, 405 unknown method) and of hidden routes are skipped.
 */
export async function undeclaredResponses(app: FastifyInstance, responses: readonly RecordedResponse[]): Promise<string[]> {
  const doc = (await app.inject({ url: '/openapi.json' })).json<OpenApiDoc>();
  const problems = new Set<string>();
  for (const r of responses) {
    if (r.route === undefined) continue;
    const path = doc.paths[toOpenApiPath(r.route)];
    if (path === undefined) continue; // hidden (the document itself)
    const method = r.method === 'HEAD' ? 'get' : r.method.toLowerCase();
    const declared = path[method]?.responses ?? {};
    if (declared[String(r.status)] === undefined) problems.add(`${r.method} ${r.route} ${r.status}`);
  }
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (Number(status) < 400 || path === '/readyz') continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (ref === undefined || !/Error$/.test(ref)) problems.add(`${method.toUpperCase()} ${path} ${status} without the Error schema`);
      }
    }
  }
  return [...problems].sort();
}
