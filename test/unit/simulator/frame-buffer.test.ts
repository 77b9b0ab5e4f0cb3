import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { FrameBuffer } from '../../../simulator/frame-buffer.js';

interface FrameReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', cb: (data: Buffer) => void): void;
}
// ws ships its frame parser (Receiver) at runtime; @types/ws does not declare it.
const Receiver = (wsModule as unknown as { Receiver: new (opts: { isServer: boolean }) => FrameReceiver }).Receiver;

async function decode(chunks: Buffer[]): Promise<string[]> {
  const got: string[] = [];
  const r = new Receiver({ isServer: false });
  r.on('message', (data: Buffer) => got.push(data.toString()));
  for (const c of chunks) r.write(c);
  await new Promise((res) => setImmediate(res));
  return got;
}

describe('FrameBuffer', () => {
  it('writes frames ws decodes: 7-, 16- and 64-bit lengths, non-ASCII (header sized by bytes), prefix + body + suffix', async () => {
    const fb = new FrameBuffer();
    // 125 chars of which one is 2 bytes (126 bytes: needs the 16-bit form), and 65,535 chars
    // with a 3-byte one (65,537 bytes: the 64-bit form).
    const texts = ['hi', 'x'.repeat(300), 'y'.repeat(70_000), `${'a'.repeat(124)}é`, `${'b'.repeat(65_534)}€`, '{"ok":"ü"}', ''];
    for (const t of texts) fb.text(t);
    fb.text('{"e":"trade"}', '{"stream":"btcusdt@trade","data":', '}');
    const expected = [...texts, '{"stream":"btcusdt@trade","data":{"e":"trade"}}'];
    expect(fb.length).toBe(expected.reduce((a, t) => a + Buffer.byteLength(t) + (Buffer.byteLength(t) < 126 ? 2 : Buffer.byteLength(t) < 65_536 ? 4 : 10), 0));
    const out = fb.take();
    expect(out).not.toBeNull();
    expect(await decode([out as Buffer])).toEqual(expected);
    expect(fb.take()).toBeNull();
  });

  it('never rewrites bytes it handed out: taken views stay intact while later frames fill and replace chunks', async () => {
    const fb = new FrameBuffer();
    const taken: Buffer[] = [];
    const copies: Buffer[] = [];
    const expected: string[] = [];
    for (let batch = 0; batch < 200; batch++) {
      for (let i = 0; i < 1 + (batch % 37); i++) {
        const t = `{"batch":${batch},"i":${i},"pad":"${'p'.repeat((batch * 31 + i * 7) % 400)}"}`;
        fb.text(t);
        expected.push(t);
      }
      const b = fb.take() as Buffer;
      taken.push(b);
      copies.push(Buffer.from(b));
    }
    for (let i = 0; i < taken.length; i++) expect(taken[i]!.equals(copies[i]!)).toBe(true);
    expect(await decode(taken)).toEqual(expected);
  });

  it('takes one batch far larger than a chunk (40 MB) in amortised time and keeps every frame', async () => {
    const fb = new FrameBuffer();
    const t = `{"e":"trade","pad":"${'x'.repeat(380)}"}`;
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) fb.text(t);
    const ms = performance.now() - t0;
    const out = fb.take() as Buffer;
    expect(out.length).toBe(100_000 * (t.length + 4));
    // Copying the batch once per frame (quadratic) took minutes; amortised growth takes well under a second.
    expect(ms).toBeLessThan(5_000);
    let headers = 0;
    for (let at = 0, i = 0; i < 100_000; i++, at += t.length + 4) if (out[at] === 0x81 && out.readUInt16BE(at + 2) === t.length) headers++;
    expect(headers).toBe(100_000);
    expect(out.subarray(out.length - t.length).toString()).toBe(t);
  });

  it('appends pre-built bytes in order with text frames', async () => {
    const fb = new FrameBuffer();
    fb.text('one');
    fb.bytes(Buffer.from([0x81, 3, 0x74, 0x77, 0x6f])); // "two"
    fb.text('three');
    expect(await decode([fb.take() as Buffer])).toEqual(['one', 'two', 'three']);
  });
});
