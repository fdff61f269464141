import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const PUBLIC_DIR = new URL('../public/', import.meta.url);

// Read once at start: the page is two small files shipped with the app, nothing fetched at run time.
const files = {
  html: readFileSync(new URL('index.html', PUBLIC_DIR), 'utf8'),
  js: readFileSync(new URL('analytics.js', PUBLIC_DIR), 'utf8'),
};

/** The analytics page: `GET /` (HTML) and `GET /analytics.js`, with a strict CSP (same origin only). */
export function pageRoutes(app: FastifyInstance): void {
  const csp = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
  app.get('/', (_request, reply) => reply.header('content-security-policy', csp).type('text/html; charset=utf-8').send(files.html));
  app.get('/analytics.js', (_request, reply) => reply.header('content-security-policy', csp).type('text/javascript; charset=utf-8').send(files.js));
}
