export { OUTBOX_NOTIFY_CHANNEL, recordStatusChanges } from './record.ts';
export type { StatusChange, StatusChangeResult } from './record.ts';
export { classifyTransition } from './transitions.ts';
export type { TransitionOutcome } from './transitions.ts';
