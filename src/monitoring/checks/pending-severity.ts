import type { AlertSeverity } from '../../alerting/alert.constants';

/** The Python backend's ladder: past the threshold a warning, past 15 minutes an error, past 30 critical. */
const ESCALATIONS: ReadonlyArray<{ severity: AlertSeverity; fromMinutes: number }> = [
  { severity: 'critical', fromMinutes: 30 },
  { severity: 'error', fromMinutes: 15 },
];

/** The ladder's levels, most urgent first: a request at one level has passed every later one. */
export const PENDING_LADDER: readonly AlertSeverity[] = [...ESCALATIONS.map(({ severity }) => severity), 'warning'];

/** How urgent a request waiting `ageMinutes` is, or null while it is within `thresholdMinutes`. */
export function pendingSeverity(ageMinutes: number, thresholdMinutes: number): AlertSeverity | null {
  if (ageMinutes < thresholdMinutes) return null;
  return ESCALATIONS.find((step) => ageMinutes >= step.fromMinutes)?.severity ?? 'warning';
}
