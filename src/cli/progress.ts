/** A one-line progress bar on a TTY; plain occasional lines otherwise (CI logs stay readable). */
export function progressBar(out: NodeJS.WriteStream): { update(fraction: number, label: string): void; done(): void } {
  const width = 30;
  let lastPct = -1;
  return {
    update(fraction, label) {
      const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      if (out.isTTY) {
        const filled = Math.round((pct / 100) * width);
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${label}   `);
      } else if (pct >= lastPct + 25) {
        out.write(`${pct}% ${label}\n`);
      }
      lastPct = pct;
    },
    done() {
      if (out.isTTY) out.write('\n');
    },
  };
}
