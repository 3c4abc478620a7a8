// The fixed parts of the demo book: member firms, collateral assets, the instrument list (expiries relative to the
// book's as-of time), tier tables and the demo users.
import { AMOUNT_ONE } from '../../shared/units.ts';
import { lotTickValue } from '../csv/parse.ts';
import type { Asset, Bracket, Instrument, Tier } from '../engine/model.ts';
import type { Underlying } from './market.ts';

export type DemoRole = 'viewer' | 'operator' | 'supervisor' | 'admin';

export interface DemoUser {
  name: string;
  role: DemoRole;
  password: string;
}

/** One user per role (two supervisors, for four-eyes approvals). Passwords are `<name>-demo`. */
export const DEMO_USERS: readonly DemoUser[] = [
  { name: 'viewer', role: 'viewer', password: 'viewer-demo' },
  { name: 'operator', role: 'operator', password: 'operator-demo' },
  { name: 'supervisor', role: 'supervisor', password: 'supervisor-demo' },
  { name: 'supervisor2', role: 'supervisor', password: 'supervisor2-demo' },
  { name: 'admin', role: 'admin', password: 'admin-demo' },
];

/** Twelve clearing members; `weight` is the share of accounts, a steep size distribution. */
export const MEMBER_SPECS: readonly { id: string; name: string; weight: number }[] = [
  { id: 'NGC', name: 'Northgate Clearing LLC', weight: 0.26 },
  { id: 'HFO', name: 'Harborline Futures & Options Inc.', weight: 0.17 },
  { id: 'MDC', name: 'Meridian Derivatives Clearing Corp.', weight: 0.12 },
  { id: 'APB', name: 'Atlas Prime Brokerage LLC', weight: 0.09 },
  { id: 'KCM', name: 'Kestrel Capital Markets Ltd.', weight: 0.075 },
  { id: 'GPF', name: 'Granite Peak Futures LLC', weight: 0.06 },
  { id: 'TWC', name: 'Tidewater Clearing Services', weight: 0.05 },
  { id: 'SLC', name: 'Silverline Commodities Clearing', weight: 0.045 },
  { id: 'OSC', name: 'Oakmont Securities Clearing Corp.', weight: 0.04 },
  { id: 'CLM', name: 'Copperleaf Markets LLP', weight: 0.035 },
  { id: 'RFI', name: 'Ridgeway Futures Inc.', weight: 0.03 },
  { id: 'LDC', name: 'Lanternfish Digital Clearing Ltd.', weight: 0.025 },
];

const usd = (x: number): bigint => BigInt(x) * AMOUNT_ONE;
const pct = (x: number): bigint => BigInt(Math.round(x * 10_000)); // percent -> ppm

function brackets(rows: [number, number][]): Bracket[] {
  return rows.map(([floor, rate]) => ({ floor: usd(floor), rate: pct(rate) }));
}

export interface DemoAsset extends Asset {
  /** Which underlying's path prices it (null: a fixed or accreting price). */
  priced: Underlying | null;
  /** How likely client and house accounts are to hold it. */
  mix: { client: number; house: number };
}

/** USD cash, Tether, Bitcoin, Ether and a 3-month Treasury bill (quantity in USD face, price per 1 USD face). */
export const DEMO_ASSETS: readonly DemoAsset[] = [
  { id: 'USD', quantityScale: 2, priceScale: 0, haircuts: brackets([[0, 0]]), liquidityClass: 'cash', priced: null, mix: { client: 4, house: 4 } },
  {
    id: 'USDT',
    quantityScale: 6,
    priceScale: 6,
    haircuts: brackets([[0, 1], [10_000_000, 2], [100_000_000, 5]]),
    liquidityClass: 'stablecoin',
    priced: 'USDT',
    mix: { client: 3, house: 1.5 },
  },
  {
    id: 'BTC',
    quantityScale: 8,
    priceScale: 2,
    haircuts: brackets([[0, 10], [5_000_000, 15], [50_000_000, 25], [250_000_000, 40]]),
    liquidityClass: 'crypto',
    priced: 'BTC',
    mix: { client: 2, house: 1 },
  },
  {
    id: 'ETH',
    quantityScale: 8,
    priceScale: 2,
    haircuts: brackets([[0, 15], [5_000_000, 20], [50_000_000, 30], [250_000_000, 50]]),
    liquidityClass: 'crypto',
    priced: 'ETH',
    mix: { client: 1.5, house: 0.6 },
  },
  {
    id: 'UST-3M',
    quantityScale: 2,
    priceScale: 6,
    haircuts: brackets([[0, 0.5], [100_000_000, 1], [1_000_000_000, 2]]),
    liquidityClass: 'govt',
    priced: null,
    mix: { client: 0.4, house: 3 },
  },
];

function tiers(rows: [number, number, number][]): Tier[] {
  return rows.map(([floor, mmr, imr]) => ({ floor: usd(floor), mmr: pct(mmr), imr: pct(imr) }));
}

/** Tier tables per underlying: floors in USD of notional, rates in percent (maintenance, initial). */
const TIERS: Record<'BTC' | 'ETH' | 'NDX', Tier[]> = {
  // Crypto at clearinghouse levels (a regulated CCP asks 35-50% of notional for bitcoin futures).
  BTC: tiers([
    [0, 30, 37.5],
    [2_000_000, 32, 40],
    [10_000_000, 35, 44],
    [50_000_000, 40, 50],
    [200_000_000, 50, 62.5],
    [500_000_000, 60, 75],
  ]),
  ETH: tiers([
    [0, 35, 44],
    [1_000_000, 38, 47.5],
    [5_000_000, 42, 52.5],
    [25_000_000, 50, 62.5],
    [100_000_000, 60, 75],
  ]),
  // Equity index: initial at 110% of maintenance, as on CME.
  NDX: tiers([
    [0, 5, 5.5],
    [5_000_000, 5.5, 6],
    [25_000_000, 6.5, 7.2],
    [100_000_000, 8, 9],
    [500_000_000, 10, 11],
  ]),
};

export interface DemoInstrument extends Instrument {
  underlying: 'BTC' | 'ETH' | 'NDX';
  /** Annual carry of the future over its underlying (a rate), 0 for perpetuals. */
  carry: number;
  /** Relative popularity: how large positions in it tend to be. */
  weight: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const CME_CODES: Record<number, string> = { 2: 'H', 5: 'M', 8: 'U', 11: 'Z' };

function lastFriday(year: number, month: number): Date {
  const d = new Date(Date.UTC(year, month + 1, 0, 8, 0, 0));
  while (d.getUTCDay() !== 5) d.setUTCDate(d.getUTCDate() - 1);
  return d;
}

function thirdFriday(year: number, month: number): Date {
  const d = new Date(Date.UTC(year, month, 1, 13, 30, 0));
  while (d.getUTCDay() !== 5) d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCDate(d.getUTCDate() + 14);
  return d;
}

const iso = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

/** Front-month and the next three quarterly crypto expiries, and the next two CME quarterlies, after asOf. */
function expiries(asOfMs: number): { crypto: Date[]; cme: Date[] } {
  const start = new Date(asOfMs);
  const crypto: Date[] = [];
  const cme: Date[] = [];
  for (let k = 0; k < 24 && (crypto.length < 4 || cme.length < 2); k++) {
    const y = start.getUTCFullYear() + Math.floor((start.getUTCMonth() + k) / 12);
    const m = (start.getUTCMonth() + k) % 12;
    const lf = lastFriday(y, m);
    if (lf.getTime() > asOfMs + 7 * 86_400_000 && crypto.length < 4 && (crypto.length === 0 || m % 3 === 2)) {
      crypto.push(lf);
    }
    const tf = thirdFriday(y, m);
    if (m % 3 === 2 && tf.getTime() > asOfMs + 2 * 86_400_000 && cme.length < 2) cme.push(tf);
  }
  return { crypto, cme };
}

function instrument(
  id: string,
  kind: 'future' | 'perpetual',
  underlying: 'BTC' | 'ETH' | 'NDX',
  terms: { multiplier: string; lot: string; tick: string },
  expiry: Date | null,
  extra: { slippage: number; band: number; carry: number; weight: number },
): DemoInstrument {
  const ltv = lotTickValue(terms.lot, terms.tick, terms.multiplier);
  if (ltv === null) throw new Error(`demo instrument ${id}: lot x tick x multiplier is not a usable lot-tick value`);
  return {
    id,
    kind,
    underlying,
    multiplier: terms.multiplier,
    lot: terms.lot,
    tick: terms.tick,
    ...ltv,
    margin: 'tiered',
    tiers: TIERS[underlying].map((t) => ({ ...t })),
    slippage: pct(extra.slippage),
    // Perpetuals are where the large books sit: closing a big position there moves the price further.
    ...(kind === 'perpetual'
      ? {
          impact: [
            { floor: 0n, rate: pct(extra.slippage) },
            { floor: 1_000_000_000_000n, rate: pct(extra.slippage * 3) },
            { floor: 10_000_000_000_000n, rate: pct(extra.slippage * 8) },
          ],
        }
      : {}),
    expiry: expiry ? iso(expiry) : null,
    option: null,
    priceBand: pct(extra.band),
    carry: kind === 'perpetual' ? 0 : extra.carry,
    weight: extra.weight,
  };
}

/** Fifteen instruments: per crypto a perpetual, a monthly and three quarterlies; on the Nasdaq-100 NQ and MNQ
 * quarterlies (CME terms) and a perpetual. */
export function demoInstruments(asOfMs: number): DemoInstrument[] {
  const { crypto, cme } = expiries(asOfMs);
  const out: DemoInstrument[] = [];
  const crypt = (u: 'BTC' | 'ETH', terms: { multiplier: string; lot: string; tick: string; futTick: string }, x: { slippage: number; band: number }) => {
    out.push(instrument(`${u}-PERP`, 'perpetual', u, terms, null, { ...x, carry: 0, weight: 3 }));
    crypto.forEach((e, i) => {
      const id = `${u}-${e.getUTCDate()}${MONTHS[e.getUTCMonth()]}${String(e.getUTCFullYear() % 100).padStart(2, '0')}`;
      const t = { ...terms, tick: terms.futTick };
      out.push(instrument(id, 'future', u, t, e, { ...x, carry: 0.06, weight: i === 0 ? 1.2 : 0.8 }));
    });
  };
  crypt('BTC', { multiplier: '1', lot: '0.001', tick: '0.1', futTick: '0.5' }, { slippage: 0.1, band: 10 });
  crypt('ETH', { multiplier: '1', lot: '0.01', tick: '0.01', futTick: '0.05' }, { slippage: 0.15, band: 12 });
  cme.forEach((e, i) => {
    const code = `${CME_CODES[e.getUTCMonth()]}${String(e.getUTCFullYear() % 100).padStart(2, '0')}`;
    const x = { slippage: 0.05, band: 7, carry: 0.03 };
    out.push(instrument(`NQ${code}`, 'future', 'NDX', { multiplier: '20', lot: '1', tick: '0.25' }, e, { ...x, weight: i === 0 ? 2 : 0.6 }));
    out.push(instrument(`MNQ${code}`, 'future', 'NDX', { multiplier: '2', lot: '1', tick: '0.25' }, e, { ...x, weight: i === 0 ? 1 : 0.3 }));
  });
  out.push(
    instrument('NDX-PERP', 'perpetual', 'NDX', { multiplier: '1', lot: '0.01', tick: '0.1' }, null, {
      slippage: 0.05,
      band: 7,
      carry: 0,
      weight: 1,
    }),
  );
  return out;
}
