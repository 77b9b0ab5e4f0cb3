/**
 * Frames written in the same turn of the event loop leave in one write per socket: a socket is
 * corked on its first frame of the turn and every corked socket is uncorked on setImmediate, so a
 * burst of publishes costs one syscall per client. Batching connections (?batch=1, FrameBatcher)
 * flush their pending frame first, into the still-corked socket. The bytes corked this turn are
 * kept per socket: a session's backlog check counts them as a burst, not a backlog.
 */
import type { Socket } from 'node:net';
import type { FrameBatcher } from './frame-batch.js';

export class WriteCoalescer {
  /** Sockets corked this turn, with the frame bytes written to them since. */
  private readonly corked = new Map<Socket, number>();
  /** Batching connections with messages pending this turn. */
  private readonly batching = new Set<FrameBatcher>();
  private scheduled = false;

  /** A frame of `bytes` goes to `socket` this turn: cork it on the first. */
  cork(socket: Socket, bytes: number): void {
    const before = this.corked.get(socket);
    this.corked.set(socket, (before ?? 0) + bytes);
    if (before !== undefined) return;
    socket.cork();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.uncorkAll);
    }
  }

  /** Bytes written to `socket` since it was corked this turn (0 when not corked). */
  corkedBytes(socket: Socket): number {
    return this.corked.get(socket) ?? 0;
  }

  /** A batcher that holds messages of this turn (call after cork(), which schedules the flush). */
  addBatch(b: FrameBatcher): void {
    this.batching.add(b);
  }

  /** The connection flushed or dropped its batch itself (closing). */
  dropBatch(b: FrameBatcher): void {
    this.batching.delete(b);
  }

  private readonly uncorkAll = (): void => {
    this.scheduled = false;
    // Batches first, into the still-corked sockets: then one write per socket carries them.
    if (this.batching.size > 0) {
      const batchers = [...this.batching];
      this.batching.clear();
      for (const b of batchers) b.flush();
    }
    const sockets = [...this.corked.keys()];
    this.corked.clear();
    for (const s of sockets) s.uncork();
  };
}
