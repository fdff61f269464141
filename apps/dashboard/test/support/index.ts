export { createBoardEnv } from './board-env.ts';
export type { BoardEnv } from './board-env.ts';
export { CHROMIUM, connectionState, launchBrowser, shownOrders } from './browser.ts';
export type { ElementAttributes, ShownOrder, TestBrowser } from './browser.ts';
export { startOrderSource } from './order-source.ts';
export type { OrderSource } from './order-source.ts';
export { freePort, startApp } from './processes.ts';
export type { RunningApp } from './processes.ts';
