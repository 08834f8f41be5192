/** Process exit codes. 99 for failed thresholds follows k6's convention. */
export const ExitCode = {
  OK: 0,
  UNEXPECTED: 1,
  INVALID: 2,
  THRESHOLDS_FAILED: 99,
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
