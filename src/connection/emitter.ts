/** A small typed emitter over node:events. Listener exceptions never reach the socket. */
import { EventEmitter } from 'node:events';

/** Listener parameter lists vary per event, hence `any` in this internal constraint only. */
export type EventMapOf<M> = { [K in keyof M]: (...args: any[]) => void };

export class TypedEmitter<M extends EventMapOf<M>> {
  private readonly ee = new EventEmitter({ captureRejections: false });
  /** Called when a listener throws (the emitter swallows it so the socket handler survives). */
  protected onListenerError(_event: string, _err: unknown): void {}

  constructor() {
    this.ee.setMaxListeners(100);
  }

  on<K extends keyof M & string>(event: K, listener: M[K]): this {
    this.ee.on(event, listener);
    return this;
  }

  once<K extends keyof M & string>(event: K, listener: M[K]): this {
    this.ee.once(event, listener);
    return this;
  }

  off<K extends keyof M & string>(event: K, listener: M[K]): this {
    this.ee.off(event, listener);
    return this;
  }

  listenerCount<K extends keyof M & string>(event: K): number {
    return this.ee.listenerCount(event);
  }

  protected emit<K extends keyof M & string>(event: K, ...args: Parameters<M[K]>): void {
    // An 'error' without listener would throw from node:events; it is logged by the caller instead.
    if (event === 'error' && this.ee.listenerCount(event) === 0) return;
    try {
      this.ee.emit(event, ...args);
    } catch (err) {
      this.onListenerError(event, err);
    }
  }

  /** Hot-path variant for two-argument events (no rest-parameter array per call). */
  protected emit2<K extends keyof M & string>(event: K, a: Parameters<M[K]>[0], b: Parameters<M[K]>[1]): void {
    try {
      this.ee.emit(event, a, b);
    } catch (err) {
      this.onListenerError(event, err);
    }
  }

  protected removeAll(): void {
    this.ee.removeAllListeners();
  }
}
