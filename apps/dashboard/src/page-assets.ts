import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const PUBLIC_DIR = new URL('../public/', import.meta.url);

/** The page's files: URL path → file and content type. Plain files, no build step. */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/board.css': { file: 'board.css', type: 'text/css; charset=utf-8' },
  '/board.js': { file: 'board.js', type: 'text/javascript; charset=utf-8' },
  '/board-state.js': { file: 'board-state.js', type: 'text/javascript; charset=utf-8' },
  '/board-view.js': { file: 'board-view.js', type: 'text/javascript; charset=utf-8' },
};

/**
 * Serves the board page from memory: the files are read once when the server is built (a missing
 * file fails the start, not a request). `no-cache`, so a browser revalidates after a deploy.
 */
export function pageAssets(app: FastifyInstance): void {
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(file, PUBLIC_DIR));
    app.get(path, (_request, reply) =>
      reply.header('content-type', type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body),
    );
  }
}
