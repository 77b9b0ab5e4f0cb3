/** The supervised runner's waits: idle until woken, sleep until a delay passes; stop() ends both at once for good. */
export class LoopPacer {
  private wakeFn: (() => void) | null = null;
  private cancelFn: (() => void) | null = null;
  private stopped = false;

  /** Resolves at the next wake() (or stop()). */
  idle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => { this.wakeFn = resolve; });
  }

  wake(): void {
    const w = this.wakeFn;
    this.wakeFn = null;
    w?.();
  }

  /** Resolves after ms (or at stop()). */
  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void { clearTimeout(t); resolve(); }
      this.cancelFn = () => { this.cancelFn = null; done(); };
    });
  }

  /** Ends the current wait and makes every later one return at once. */
  stop(): void {
    this.stopped = true;
    this.cancelFn?.();
    this.wake();
  }
}
