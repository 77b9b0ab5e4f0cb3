/** A downstream client that subscribes and then stops reading its socket (a slow consumer). */
import type { Socket } from 'node:net';
import WebSocket from 'ws';

export class SlowClient {
  readonly ws: WebSocket;
  readonly received = { data: 0, gaps: 0, gapMessages: 0, subscribed: 0 };
  closeCode: number | null = null;
  private readonly opened: Promise<void>;

  constructor(url: string, private readonly channels: readonly string[]) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; from?: number; to?: number };
      if (m.type === 'data') this.received.data++;
      else if (m.type === 'gap' && m.from !== undefined && m.to !== undefined) { this.received.gaps++; this.received.gapMessages += m.to - m.from + 1; }
      else if (m.type === 'subscribed') this.received.subscribed++;
    });
    this.ws.on('close', (code) => { this.closeCode = code; });
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject); });
  }

  async subscribeAndStall(): Promise<void> {
    await this.opened;
    this.ws.send(JSON.stringify({ op: 'subscribe', channels: this.channels }));
    await new Promise<void>((resolve) => {
      const check = (): void => { if (this.received.subscribed >= this.channels.length) resolve(); else setTimeout(check, 20); };
      check();
    });
    this.socket().pause();
  }

  /** Reads again (what piled up is then received, including gap notices). */
  resume(): void {
    this.socket().resume();
  }

  /** The client socket's read side, for a failure message. */
  socketState(): Record<string, unknown> {
    const s = this.socket();
    return { readyState: this.ws.readyState, flowing: s.readableFlowing, readableLength: s.readableLength, destroyed: s.destroyed, bytesRead: s.bytesRead };
  }

  close(): void {
    this.ws.terminate();
  }

  private socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }
}
