/** Frames a venue's fast path decoded and frames it left to the full decoder (JSON.parse). */
export class FastPathStats {
  fast = 0;
  fallback = 0;
  snapshot(): { fast: number; fallback: number } {
    return { fast: this.fast, fallback: this.fallback };
  }
}
