import { describe, expect, it } from 'vitest';
import { SubscriptionRegistry } from '../../../src/connection/subscriptions.js';

describe('SubscriptionRegistry', () => {
  it('counts references: only the first add needs a subscribe, only the last remove an unsubscribe', () => {
    const r = new SubscriptionRegistry();
    expect(r.add(['a', 'b'])).toEqual(['a', 'b']);
    expect(r.add(['a', 'c'])).toEqual(['c']);
    expect(r.remove(['a'])).toEqual([]);
    expect(r.remove(['a', 'b', 'zz'])).toEqual(['a', 'b']);
    expect(r.all()).toEqual(['c']);
  });

  it('tracks pending/confirmed and sends everything back to pending after a disconnect', () => {
    const r = new SubscriptionRegistry();
    r.add(['a', 'b']);
    expect(r.pending()).toEqual(['a', 'b']);
    r.confirm(['a'], 100);
    expect(r.confirmed()).toEqual(['a']);
    expect(r.confirmedSince('a')).toBe(100);
    r.markAllPending();
    expect(r.pending()).toEqual(['a', 'b']);
    expect(r.confirmedSince('a')).toBeNull();
  });

  it('confirming a stream removed meanwhile does not resurrect it; drop() ignores references', () => {
    const r = new SubscriptionRegistry();
    r.add(['a', 'a', 'b']);
    r.remove(['b']);
    r.confirm(['b'], 1);
    expect(r.has('b')).toBe(false);
    r.drop(['a']);
    expect(r.size).toBe(0);
  });
});
