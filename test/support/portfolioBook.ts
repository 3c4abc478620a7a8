// Small hand-built Books with portfolio-margined instruments, for the engine's tests of methodology §4.
import type { Book, Instrument, Position, SpreadDefinition } from '../../main/engine/model.ts';
import { DEFAULT_POLICY } from '../../main/engine/model.ts';
import { lotTickValue } from '../../main/csv/parse.ts';

export interface PInst {
  id: string;
  underlying: string;
  kind?: 'future' | 'option';
  multiplier?: string;
  lot?: string;
  tick?: string;
  /** micro-USD per contract */
  scanRange?: bigint | null;
  volShift?: bigint;
  imMultiplier?: bigint;
  riskArray?: bigint[];
  option?: { right: 'call' | 'put'; strike: bigint; underlyingInstrument: string | null; shortOptionMinimum?: bigint; rate?: string };
  expiry?: string;
}

export function pInstrument(p: PInst): Instrument {
  const multiplier = p.multiplier ?? '1';
  const lot = p.lot ?? '1';
  const tick = p.tick ?? '0.01';
  const k = lotTickValue(lot, tick, multiplier)!;
  return {
    id: p.id,
    kind: p.kind ?? (p.option ? 'option' : 'future'),
    underlying: p.underlying,
    multiplier,
    lot,
    tick,
    ...k,
    margin: 'portfolio',
    tiers: [],
    slippage: 0n,
    expiry: p.expiry ?? null,
    option: p.option ? { shortOptionMinimum: 0n, ...p.option } : null,
    priceBand: null,
    portfolio: { scanRange: p.scanRange ?? null, volShift: p.volShift ?? 0n, imMultiplier: p.imMultiplier ?? 1_100_000n, riskArray: p.riskArray ?? null },
  };
}

export function pBook(opts: {
  instruments: Instrument[];
  marks: Record<string, bigint>;
  positions: { account?: string; instrument: string; quantity: bigint; entryValue?: bigint }[];
  cash?: bigint;
  vols?: Record<string, bigint>;
  asOf?: string;
  spreads?: SpreadDefinition[];
}): Book {
  const accounts = [...new Set(opts.positions.map((p) => p.account ?? 'A1'))];
  const positions: Position[] = opts.positions.map((p) => ({
    account: p.account ?? 'A1',
    instrument: p.instrument,
    quantity: p.quantity,
    entryValue: p.entryValue ?? 0n,
    isolatedMargin: null,
  }));
  return {
    policy: DEFAULT_POLICY,
    instruments: opts.instruments,
    assets: [{ id: 'USD', quantityScale: 2, priceScale: 0, haircuts: [{ floor: 0n, rate: 0n }], liquidityClass: '' }],
    accounts: accounts.map((id) => ({ id, member: 'M1', kind: 'client' as const, mode: 'cross' as const })),
    positions,
    collateral: accounts.map((id) => ({ account: id, asset: 'USD', quantity: opts.cash ?? 0n })),
    marks: new Map(Object.entries(opts.marks)),
    assetPrices: new Map([['USD', 1n]]),
    market: { asOf: opts.asOf ?? '2026-01-01T00:00:00.000Z', vols: new Map(Object.entries(opts.vols ?? {})), spreads: opts.spreads ?? [] },
  };
}

/** USD amounts to micro-USD. */
export const usd = (...v: number[]): bigint[] => v.map((x) => BigInt(x) * 1_000_000n);
