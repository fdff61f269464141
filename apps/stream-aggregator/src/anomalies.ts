import { alertId, type AlertKind } from '@orderflow/kafka';

/** The anomaly rules (config). */
export interface AnomalyRules {
  /** More orders than this in a window is an alert (`threshold_high`). */
  thresholdHigh?: number;
  /** Fewer orders than this in a window is an alert (`threshold_low`). */
  thresholdLow?: number;
  /** How many standard deviations from the mean of recent windows is an anomaly (3). */
  sigma: number;
  /** Windows the statistical rule needs before it judges (fewer: no sigma alerts yet). */
  sigmaMinWindows: number;
}

/** An alert before it gets its emission time. */
export interface DetectedAlert {
  alertId: string;
  kind: AlertKind;
  windowStart: string;
  observed: number;
  expected: number | null;
  threshold: number | null;
  message: string;
}

function alert(kind: AlertKind, windowStart: string, observed: number, expected: number | null, threshold: number | null, message: string): DetectedAlert {
  return { alertId: alertId(kind, windowStart), kind, windowStart, observed, expected, threshold, message };
}

/**
 * Judges one final window against the rules and the counts of the final windows before it
 * (oldest first). The spread used by the sigma rule is at least the Poisson spread of the mean
 * (sqrt(mean), at least 1): order arrivals are counts, and perfectly steady traffic (spread 0)
 * must not turn every small wobble into an anomaly.
 */
export function detectAnomalies(windowStart: string, count: number, history: readonly number[], rules: AnomalyRules): DetectedAlert[] {
  const out: DetectedAlert[] = [];
  if (rules.thresholdHigh !== undefined && count > rules.thresholdHigh) {
    out.push(alert('threshold_high', windowStart, count, null, rules.thresholdHigh, `${count} orders in the minute from ${windowStart}, above the threshold ${rules.thresholdHigh}`));
  }
  if (rules.thresholdLow !== undefined && count < rules.thresholdLow) {
    out.push(alert('threshold_low', windowStart, count, null, rules.thresholdLow, `${count} orders in the minute from ${windowStart}, below the threshold ${rules.thresholdLow}`));
  }
  if (history.length >= rules.sigmaMinWindows && history.length > 0) {
    const mean = history.reduce((a, b) => a + b, 0) / history.length;
    const variance = history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length;
    const spread = Math.max(Math.sqrt(variance), Math.sqrt(mean), 1);
    const limit = rules.sigma * spread;
    const expected = Math.round(mean * 100) / 100;
    if (count > mean + limit) {
      out.push(alert('sigma_high', windowStart, count, expected, Math.round((mean + limit) * 100) / 100, `${count} orders in the minute from ${windowStart}, more than ${rules.sigma} sigma above the mean ${expected} of the last ${history.length} minutes`));
    } else if (count < mean - limit) {
      out.push(alert('sigma_low', windowStart, count, expected, Math.round((mean - limit) * 100) / 100, `${count} orders in the minute from ${windowStart}, more than ${rules.sigma} sigma below the mean ${expected} of the last ${history.length} minutes`));
    }
  }
  return out;
}
