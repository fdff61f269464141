/** What the operator reads of a HorizontalPodAutoscaler. */
export interface AutoscalerState {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { minReplicas?: number; maxReplicas?: number };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** The HPA's own ScalingActive condition: whether it could read the metric and compute a scale. */
export function autoscalerActivity(hpa: AutoscalerState | undefined): { status: 'True' | 'False' | 'Unknown'; reason: string; message: string } {
  const c = hpa?.status?.conditions?.find((x) => x.type === 'ScalingActive');
  if (hpa === undefined || c === undefined) return { status: 'Unknown', reason: 'AutoscalerPending', message: `HorizontalPodAutoscaler ${hpa?.metadata.name ?? ''} has not evaluated its metrics yet`.replace('  ', ' ') };
  const status = c.status === 'True' ? 'True' : c.status === 'False' ? 'False' : 'Unknown';
  return { status, reason: c.reason ?? 'Unknown', message: `${hpa.metadata.name}: ${c.message ?? ''}` };
}
