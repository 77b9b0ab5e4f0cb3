/**
 * Binance spot user data stream events, and the fallback for event types tickgate does not
 * normalize (24hrTicker, listStatus...): those yield no event and count as ignored, not as
 * malformed. outboundAccountPosition carries absolute free/locked balances, which the model's
 * BalanceUpdate (a delta) cannot express, so it is ignored too until the model grows a
 * balance-position event.
 */
import type { MarketEvent } from '../../model/events.js';
import { dec, int, side, str, type Json } from '../fields.js';

export function decodeBinancePrivate(d: Json, e: string, rt: number, venue: string, account: string, out: MarketEvent[]): void {
  switch (e) {
    case 'executionReport':
      out.push({
        type: 'order_update', venue, account, symbol: str(d, 's'), eventTime: int(d, 'E'), receiveTime: rt,
        orderId: String(int(d, 'i')), clientOrderId: str(d, 'c'), side: side(str(d, 'S'), 'S'), orderType: str(d, 'o'),
        status: str(d, 'X'), price: dec(d, 'p'), size: dec(d, 'q'), filledSize: dec(d, 'z'),
      });
      return;
    case 'balanceUpdate':
      out.push({
        type: 'balance_update', venue, account, symbol: str(d, 'a'), eventTime: int(d, 'E'), receiveTime: rt,
        asset: str(d, 'a'), delta: dec(d, 'd'),
      });
      return;
    default:
      return;
  }
}
