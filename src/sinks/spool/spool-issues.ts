/**
 * Damage found in a spool (torn tail, bad checksum, undecodable payload): each region reported
 * once to the owner's callback, counted, and the last MAX_KEPT_ISSUES kept for inspection.
 */
import type { Segment } from './segments.js';

export interface SpoolIssue {
  readonly segment: string;
  readonly offset: number;
  readonly kind: 'torn' | 'corrupt' | 'undecodable';
  readonly reason: string;
  readonly skippedBytes: number;
}

const MAX_KEPT_ISSUES = 100;

export class SpoolIssues {
  /** Regions reported so far (segment:offset): a region read twice is reported once. */
  private readonly reported = new Set<string>();
  private readonly kept: SpoolIssue[] = [];
  count = 0;

  constructor(private readonly onIssue?: (issue: SpoolIssue) => void) {}

  report(seg: Segment, issue: Omit<SpoolIssue, 'segment'>): void {
    const key = `${seg.seq}:${issue.offset}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const full: SpoolIssue = { segment: seg.path, ...issue };
    this.count++;
    this.kept.push(full);
    if (this.kept.length > MAX_KEPT_ISSUES) this.kept.shift();
    try {
      this.onIssue?.(full);
    } catch {
      // A reporting callback must not break replay.
    }
  }

  list(): readonly SpoolIssue[] {
    return this.kept;
  }
}
