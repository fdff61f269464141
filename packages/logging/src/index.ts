export { REDACTED_PATHS, createLogger } from './logger.ts';
export type { CreateLoggerOptions } from './logger.ts';
export type { Logger } from 'pino';
