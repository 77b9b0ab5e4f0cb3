/** A promise bounded in time: rejects with a retryable E_SINK_TIMEOUT naming what was slow. */
import { SinkError } from './errors.js';

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SinkError('E_SINK_TIMEOUT', `sink ${what} took longer than ${ms} ms`, { retryable: true })), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
