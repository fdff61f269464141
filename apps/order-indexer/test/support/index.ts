// What benchmarks (bench/search.ts) use of the indexer: its building blocks and the test data.
export { readConfig } from '../../src/config.ts';
export { planOrderEvent } from '../../src/documents.ts';
export { indexNames, monthlyEventIndex } from '../../src/index-layout.ts';
export type { IndexNames } from '../../src/index-layout.ts';
export { buildServer } from '../../src/server.ts';
export { ensureIndexLayout } from '../../src/setup.ts';
export { startIndexer, stopIndexer } from '../../src/start.ts';
export { generateOrders } from './dataset.ts';
export { freePort } from '@orderflow/testkit';
export { produceEvents } from './kafka-io.ts';
