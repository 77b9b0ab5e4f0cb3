/** FrameBatcher: the envelope is exact, and a batch is cut at the configured bytes / messages. */
import { describe, expect, it } from 'vitest';
import { BATCH_MAX_BYTES, BATCH_MAX_MESSAGES, FrameBatcher } from '../../../src/server/frame-batch.js';
import { serverDefaults } from '../../../src/config/defaults/server.js';

function collect(limits?: { maxBytes: number; maxMessages: number }): { frames: string[]; b: FrameBatcher; counters: { batchFrames: number; batchedMessages: number } } {
  const frames: string[] = [];
  const counters = { batchFrames: 0, batchedMessages: 0 };
  const b = new FrameBatcher((f) => frames.push(f.toString()), counters, limits);
  return { frames, b, counters };
}

describe('FrameBatcher', () => {
  it('defaults come from config (server.batchMaxBytes / batchMaxMessages)', () => {
    expect(BATCH_MAX_BYTES).toBe(serverDefaults.batchMaxBytes);
    expect(BATCH_MAX_MESSAGES).toBe(serverDefaults.batchMaxMessages);
  });

  it('several messages of a turn leave as one batch frame of their exact texts; one alone is unwrapped', () => {
    const { frames, b, counters } = collect();
    const msgs = ['{"a":1}', '{"b":"x,y"}', '{"c":[1,2]}'];
    for (const m of msgs) b.add(m);
    b.flush();
    b.add('{"solo":true}');
    b.flush();
    expect(frames).toEqual([JSON.stringify({ type: 'batch', messages: msgs.map((m) => JSON.parse(m)) }), '{"solo":true}']);
    expect(JSON.parse(frames[0]!).messages).toEqual(msgs.map((m) => JSON.parse(m)));
    expect(counters).toEqual({ batchFrames: 1, batchedMessages: 3 });
  });

  it('cuts a batch at maxMessages and at maxBytes, keeping order', () => {
    const byCount = collect({ maxBytes: 1 << 20, maxMessages: 3 });
    for (let i = 0; i < 7; i++) byCount.b.add(`{"i":${i}}`);
    byCount.b.flush();
    expect(byCount.frames.map((f) => (JSON.parse(f) as { messages?: unknown[] }).messages?.length ?? 1)).toEqual([3, 3, 1]);
    const bySize = collect({ maxBytes: 20, maxMessages: 1000 });
    for (let i = 0; i < 6; i++) bySize.b.add(`{"i":${i}}`); // 7 bytes each: two per 20-byte batch
    bySize.b.flush();
    const all = bySize.frames.flatMap((f) => { const j = JSON.parse(f) as { messages?: unknown[] }; return j.messages ?? [j]; });
    expect(all).toEqual(Array.from({ length: 6 }, (_, i) => ({ i })));
    expect(bySize.frames).toHaveLength(3);
  });
});
