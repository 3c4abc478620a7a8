// What the demo book shows of the instrument lifecycle (issue 18): funding rates of its perpetuals and a few position
// limits. Both are read off the finished book, drawing nothing from its random sequence, so that every account,
// position and price stays exactly as the seed makes it.
//
// Funding: ETH-PERP and NDX-PERP each have the next funding time after the close (00:00 UTC the day after), at the
// baseline 0.01% per interval moved by the last day's return (a crash drives longs to be paid: 0.0001 x (1 + 10 r),
// within +-0.075%). After the close, so that a cycle as of the close (what the specs and the bench read) pays none of
// it; a cycle or lifecycle run on a later clock pays it once. One time on two perpetuals keeps the payment of a
// 100k-account book to two passes over their positions. BTC-PERP is left for a desk to rate by hand.
//
// Limits: member limits on the three smallest members, each at twice what the member holds at the close, so that
// none is breached by the book as made: LDC's BTC-PERP position, RFI's ETH-PERP position, OSC's NDX-PERP notional at
// the close. Member limits on one instrument only, each measured by one lookup per account of the member: the console
// lists an instrument limit once per holder, and a share of open interest reads the instrument's every position.
import type { FundingRateRow, LimitRow } from '../csv/types.ts';
import type { DemoBook } from './generate.ts';
import { FUNDING_RATE_ONE } from '../engine/funding.ts';
import { lotsNotional } from '../engine/lotValue.ts';

const DAY_MS = 86_400_000;
const BASE = FUNDING_RATE_ONE / 10_000n; // 0.0001 per interval
const CAP = (FUNDING_RATE_ONE * 75n) / 100_000n; // 0.00075

/** The last two marks of an instrument in the book's history. */
function lastTwo(book: DemoBook, instrument: string): [bigint, bigint] | null {
  const marks = book.history.filter((p) => p.instrument === instrument);
  return marks.length < 2 ? null : [marks[marks.length - 2]!.mark, marks[marks.length - 1]!.mark];
}

export function demoFundingRates(book: DemoBook): FundingRateRow[] {
  const close = Date.parse(book.asOf);
  const at = new Date(Math.floor(close / DAY_MS) * DAY_MS + DAY_MS).toISOString();
  const out: FundingRateRow[] = [];
  for (const id of ['ETH-PERP', 'NDX-PERP']) {
    const m = lastTwo(book, id);
    if (!m) continue;
    const [prev, last] = m;
    // BASE x (1 + 10 x (last - prev) / prev), exactly to the rate's unit (truncated toward zero).
    let rate = (BASE * (prev + 10n * (last - prev))) / prev;
    if (rate > CAP) rate = CAP;
    if (rate < -CAP) rate = -CAP;
    out.push({ instrument: id, at, rate, source: 'demo' });
  }
  return out;
}

const MEMBER_LIMITS: { member: string; instrument: string; metric: 'lots' | 'notional' }[] = [
  { member: 'LDC', instrument: 'BTC-PERP', metric: 'lots' },
  { member: 'RFI', instrument: 'ETH-PERP', metric: 'lots' },
  { member: 'OSC', instrument: 'NDX-PERP', metric: 'notional' },
];

export function demoLimits(book: DemoBook): LimitRow[] {
  const memberOf = new Map(book.accounts.map((a) => [a.id, a.member]));
  const out: LimitRow[] = [];
  for (const l of MEMBER_LIMITS) {
    const inst = book.instruments.find((i) => i.id === l.instrument);
    const mark = lastTwo(book, l.instrument)?.[1];
    if (!inst || mark === undefined) continue;
    let lots = 0n;
    let notional = 0n;
    for (const p of book.positions) {
      if (p.instrument !== l.instrument || memberOf.get(p.account) !== l.member) continue;
      lots += p.quantity < 0n ? -p.quantity : p.quantity;
      notional += lotsNotional(inst, p.quantity, mark);
    }
    if (lots === 0n) continue;
    const none = { maxLots: null, maxNotional: null, maxLeverage: null, maxOiShare: null };
    out.push({ scope: 'member', subject: l.member, instrument: l.instrument, ...none, ...(l.metric === 'lots' ? { maxLots: 2n * lots } : { maxNotional: 2n * notional }) });
  }
  return out;
}
