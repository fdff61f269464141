export { ConfigError, loadConfig } from './load-config.ts';
export { env } from './types.ts';
export { Type } from '@sinclair/typebox';
export type { Static, TObject } from '@sinclair/typebox';
