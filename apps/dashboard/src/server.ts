import websocket from '@fastify/websocket';
import { codedErrorHandler, healthRoutes, metricsRoutes, type ReadinessCheck } from '@orderflow/http';
import type { Logger } from '@orderflow/logging';
import type { Registry } from '@orderflow/telemetry';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { BoardStore } from './board-store.ts';
import type { ChangeHub } from './change-hub.ts';
import { InvalidClientMessage, OriginNotAllowed } from './errors.ts';
import { pageAssets } from './page-assets.ts';

/** What the server needs from outside; main.ts builds them, tests pass their own. */
export interface DashboardDeps {
  store: BoardStore;
  hub: ChangeHub;
  registry: Registry;
  logger?: Logger;
  checks?: readonly ReadinessCheck[];
  /** Origins allowed to open the WebSocket besides the page's own (see BOARD_ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
}

/** Same origin (the Origin header names the Host the request came to), or one listed; clients without Origin are not browsers. */
function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

// A browser only ever sends `{"type":"resync"}`; anything larger is not the page talking.
const MAX_CLIENT_MESSAGE_BYTES = 1_024;

function handleClientMessage(hub: ChangeHub, socket: WebSocket, data: RawData): void {
  let request: unknown;
  try {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    request = JSON.parse(bytes.toString('utf8'));
  } catch {
    request = undefined;
  }
  if (typeof request === 'object' && request !== null && (request as { type?: unknown }).type === 'resync') {
    hub.resync(socket);
    return;
  }
  const err = new InvalidClientMessage(['expected {"type":"resync"}']);
  socket.send(JSON.stringify({ kind: 'error', code: err.code, message: err.message }));
}

/**
 * The live order board: the page (`/`), its WebSocket (`/board/ws`: a snapshot, then changes;
 * the page may ask `{"type":"resync"}` at any time), the snapshot as JSON (`/board/snapshot`),
 * health and metrics. Never listens; main.ts does.
 */
export function buildServer(deps: DashboardDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger | undefined, logController: new LogController({ disableRequestLogging: true }) });

  void app.register(codedErrorHandler);
  void app.register(healthRoutes, { checks: deps.checks ?? [] });
  void app.register(metricsRoutes, { registry: deps.registry });
  void app.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } });

  pageAssets(app);

  app.get('/board/snapshot', () => deps.store.snapshot());

  void app.register((scope, _opts, done) => {
    const allowed = deps.allowedOrigins ?? [];
    scope.addHook('preValidation', (request, _reply, done) => {
      done(originAllowed(request.headers.origin, request.headers.host, allowed) ? undefined : new OriginNotAllowed([request.headers.origin ?? '']));
    });
    scope.get('/board/ws', { websocket: true }, (socket) => {
      socket.on('message', (data) => handleClientMessage(deps.hub, socket, data));
      socket.on('close', () => deps.hub.detach(socket));
      socket.on('error', () => deps.hub.detach(socket));
      deps.hub.attach(socket);
    });
    done();
  });

  return app;
}
