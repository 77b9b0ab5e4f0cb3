/**
 * US regular trading hours: 09:30-16:00 America/New_York, Monday to Friday (exchange holidays
 * are not modelled; a holiday simply yields no trades).
 */
const FMT = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export const US_MARKET_OPEN_MINUTE = 9 * 60 + 30;
export const US_MARKET_CLOSE_MINUTE = 16 * 60;

export function isUsMarketOpen(epochMs: number): boolean {
  let weekday = '';
  let hour = 0;
  let minute = 0;
  for (const p of FMT.formatToParts(new Date(epochMs))) {
    if (p.type === 'weekday') weekday = p.value;
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
  }
  if (weekday === 'Sat' || weekday === 'Sun') return false;
  const m = hour * 60 + minute;
  return m >= US_MARKET_OPEN_MINUTE && m < US_MARKET_CLOSE_MINUTE;
}
