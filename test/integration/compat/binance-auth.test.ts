/**
 * The Binance-compatible endpoint obeys the server's token rules: with server.token set, REST and
 * WebSocket requests without it are refused (401), with it (Bearer or ?token=) they are served,
 * and the token never reaches the forwarded upstream request.
 */
import { describe, expect, it } from 'vitest';
import { StreamClient, useCompatDemo, waitFor } from './helpers.js';

describe('Binance-compatible endpoint: auth', () => {
  const c = useCompatDemo({ server: { token: 's3cret-token' } }, 100);

  it('REST: 401 without the token, served with a Bearer header or ?token=', async () => {
    expect((await fetch(`${c.rest}/api/v3/ping`)).status).toBe(401);
    expect((await fetch(`${c.rest}/api/v3/ping`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    const r = await fetch(`${c.rest}/api/v3/exchangeInfo?token=s3cret-token`);
    expect(r.status).toBe(200);
    expect(JSON.stringify(await r.json())).not.toContain('s3cret');
  });

  it('WebSocket: the upgrade is refused without the token and streams with it', async () => {
    await expect(new StreamClient(`${c.ws}/ws/btcusdt@trade`).open()).rejects.toThrow('HTTP 401');
    const x = new StreamClient(`${c.ws}/stream?streams=btcusdt@trade&token=s3cret-token`);
    await x.open();
    await waitFor(() => x.data().length >= 3, 'trades');
    await x.close();
  });
});
