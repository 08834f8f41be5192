/** How one request ended. Failures are data, never exceptions (STYLE.md). */
export type FailureKind = 'refused' | 'reset' | 'timeout' | 'dns' | 'tls' | 'cut_off' | 'other';

export interface RequestOutcome {
  endpointKey: string;
  stage: string;
  /** Monotonic ms: when the schedule said to send, when it was actually handed to the client, when the response ended. */
  intendedMs: number;
  sentMs: number;
  endMs: number;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** Set when no complete response arrived. */
  failure: FailureKind | null;
  bytes: number;
}

/** An error is a transport failure or a 5xx; 4xx are counted per class but are part of real traffic. */
export function isError(outcome: Pick<RequestOutcome, 'status' | 'failure'>): boolean {
  return outcome.failure !== null || outcome.status >= 500;
}

export function statusClass(status: number): string {
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx`;
  return 'none';
}
