/* global window, location, WebSocket, setTimeout, console, URLSearchParams */
// The page's connection: a WebSocket to whichever replica the Service picks, a snapshot first,
// then changes in sequence. A gap in the sequence, a heartbeat showing the page behind, or a
// lost connection (with backoff and jitter) all end in a fresh snapshot, so the board never
// stays stale.
import { BoardState } from './board-state.js';
import { BoardView } from './board-view.js';

const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;

const state = new BoardState();
const view = new BoardView(state, { measure: new URLSearchParams(location.search).has('measure') });
let attempt = 0;
let awaitingSnapshot = false;
/** @type {WebSocket | undefined} */
let socket;

/** @param {WebSocket} ws */
function requestResync(ws) {
  if (awaitingSnapshot || ws.readyState !== WebSocket.OPEN) return;
  awaitingSnapshot = true;
  ws.send(JSON.stringify({ type: 'resync' }));
}

function connect() {
  view.connection(attempt === 0 ? 'connecting' : 'reconnecting');
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/board/ws`);
  socket = ws;
  awaitingSnapshot = true;
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    switch (message.kind) {
      case 'snapshot':
        state.applySnapshot(message);
        awaitingSnapshot = false;
        attempt = 0;
        view.connection('live');
        view.schedule();
        break;
      case 'order':
      case 'stats':
      case 'alert': {
        const outcome = state.applyChange(message);
        if (message.kind === 'order') view.received(message.data);
        if (outcome === 'applied') view.schedule();
        else if (outcome === 'gap') requestResync(ws);
        break;
      }
      case 'heartbeat':
        if (state.heartbeat(message.latestSeq)) requestResync(ws);
        break;
      case 'error':
        console.warn('board server refused a request', message.code, message.message);
        break;
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = undefined;
    // What is on screen may be stale from now on; say so until the next snapshot.
    view.connection('reconnecting');
    const delay = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    setTimeout(connect, delay);
  };
}

// For debugging from the console and for the tests' diagnostics; the tests assert on the DOM.
window.orderBoard = { state, view };
connect();
