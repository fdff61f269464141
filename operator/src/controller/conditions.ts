import type { Condition } from '../api/order-pipeline.ts';

/** A condition as the reconciler decides it, before timestamps. */
export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Merges newly decided conditions into the previous ones, keeping `lastTransitionTime` when
 * the status did not change (the Kubernetes API conventions), stamping `observedGeneration`.
 */
export function mergeConditions(previous: readonly Condition[] | undefined, next: readonly ConditionInput[], generation: number | undefined, now: Date): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  return next.map((c) => {
    const old = byType.get(c.type);
    const lastTransitionTime = old !== undefined && old.status === c.status ? old.lastTransitionTime : now.toISOString();
    return { ...c, lastTransitionTime, ...(generation === undefined ? {} : { observedGeneration: generation }) };
  });
}

/** Whether two condition lists say the same thing (ignoring timestamps). */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return x.type === y.type && x.status === y.status && x.reason === y.reason && x.message === y.message && x.observedGeneration === y.observedGeneration;
  });
}
