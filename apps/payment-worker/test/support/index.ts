// Helpers shared by the worker's integration tests and bench/ (which imports them as
// `@orderflow/payment-worker/test-support`): real stack resources and child-process apps.
export { ADMIN_TOKEN, chargeRequests, cpuSecondsOf, freePort, ledger, metricValue, peakRssOf, setFaults, startApp } from './apps.ts';
export type { AppName, ChargeRequests, Ledger, RunningApp } from './apps.ts';
export { insertOrders, makeOrders, publishOrders, statusCounts } from './orders.ts';
export { createDatabase, createVhost, queueDepths } from './stack.ts';
export type { TestDatabase } from './stack.ts';
export type { PeekedMessage, TestVhost } from '@orderflow/testkit';
