/** A Kubernetes event the reconciler records for a decision. */
export interface DecisionEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Something that keeps a part of the pipeline from matching its spec, with the condition reason. */
export interface Problem {
  reason: string;
  message: string;
}

/** What an applier did and found: the events to record and the problems to report. */
export interface ApplyOutcome {
  events: DecisionEvent[];
  problems: Problem[];
}

export function emptyOutcome(): ApplyOutcome {
  return { events: [], problems: [] };
}
