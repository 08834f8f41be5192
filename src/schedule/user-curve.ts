/**
 * Closed-model stages (like k6's ramping-vus): a number of virtual users over run time, each
 * ramping linearly from the previous stage's target to its own.
 */
export interface UserSegment {
  startMs: number;
  endMs: number;
  fromUsers: number;
  toUsers: number;
  stage: string;
}

export class UserCurve {
  readonly segments: readonly UserSegment[];

  constructor(segments: UserSegment[]) {
    this.segments = segments.filter((s) => s.endMs > s.startMs);
  }

  get durationMs(): number {
    return this.segments[this.segments.length - 1]?.endMs ?? 0;
  }

  private segmentAt(tMs: number): UserSegment | undefined {
    for (const s of this.segments) if (tMs >= s.startMs && tMs < s.endMs) return s;
    return undefined;
  }

  usersAt(tMs: number): number {
    const s = this.segmentAt(tMs);
    if (!s) return 0;
    return s.fromUsers + ((s.toUsers - s.fromUsers) * (tMs - s.startMs)) / (s.endMs - s.startMs);
  }

  stageAt(tMs: number): string {
    return this.segmentAt(tMs)?.stage ?? this.segments[this.segments.length - 1]?.stage ?? 'main';
  }

  maxUsers(): number {
    return Math.max(0, ...this.segments.flatMap((s) => [s.fromUsers, s.toUsers]));
  }
}
