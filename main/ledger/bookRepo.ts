// Reads the book (reference data, positions, collateral, prices as of a time) and the policy out of the ledger.
import type { Database } from 'better-sqlite3';
import type { Book, Instrument, Asset, Account, Position, Collateral, Policy, Tier, Bracket, PortfolioMarket, SpreadDefinition } from '../engine/model.ts';
import { DEFAULT_POLICY } from '../engine/model.ts';
import { COLLATERAL_POLICY, effectiveHaircuts, parseConcentration, type ConcentrationStep, type HaircutBasis } from '../engine/haircutRules.ts';
import { parseRate, parseAmount, decimalPlaces, parseUnits } from '../../shared/units.ts';
import { accountOfRow, readAccount, type AccountDbRow } from './consoleRepo.ts';
import { InputError } from '../../shared/errors.ts';
import { markByModel } from '../engine/optionMarks.ts';
import { visible } from './seriesVisibility.ts';
import { prepared } from './stmtCache.ts';
import { rows } from './rows.ts';

const big = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));
const bigOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : big(v));
const num = (v: unknown): number => Number(v);


// ---- policy ----
/** The running console's policy (issue 15): scheduled cycles and when the market-data feed counts as stale. */
export const LIVE_POLICY_KEYS = ['cycleEverySeconds', 'eodCycleAt', 'feedStaleSeconds'] as const;

export interface LivePolicy {
  /** A margin cycle every this many seconds while the app is open; 0 = off. */
  cycleEverySeconds: number;
  /** An end-of-day cycle each day at this UTC time (HH:MM); null = off. */
  eodCycleAt: string | null;
  /** No mark for this long and the feed is stale (an alert is raised). */
  feedStaleSeconds: number;
}

export const DEFAULT_LIVE_POLICY: LivePolicy = { cycleEverySeconds: 0, eodCycleAt: null, feedStaleSeconds: 30 };

function wholeSeconds(key: string, v: string, min: number): number {
  if (!/^\d{1,7}$/.test(v) || Number(v) < min) throw new Error(`policy ${key} must be a whole number of seconds, at least ${min}, not "${v}"`);
  return Number(v);
}

/** The live policy with its defaults; a stored value that is not one is an error naming the key. */
export function readLivePolicy(db: Database): LivePolicy {
  const p: LivePolicy = { ...DEFAULT_LIVE_POLICY };
  const rows = db.prepare(`SELECT key, value FROM policy WHERE key IN (${LIVE_POLICY_KEYS.map(() => '?').join(', ')})`).all(...LIVE_POLICY_KEYS) as { key: string; value: string }[];
  for (const r of rows) {
    if (r.key === 'cycleEverySeconds') p.cycleEverySeconds = wholeSeconds(r.key, r.value, 0);
    else if (r.key === 'feedStaleSeconds') p.feedStaleSeconds = wholeSeconds(r.key, r.value, 1);
    else if (r.key === 'eodCycleAt') {
      const off = r.value === 'off' || r.value === '';
      if (!off && !/^([01]\d|2[0-3]):[0-5]\d$/.test(r.value)) throw new Error(`policy eodCycleAt must be HH:MM (UTC) or off, not "${r.value}"`);
      p.eodCycleAt = off ? null : r.value;
    }
  }
  return p;
}

type PolicyKey =
  | 'callTrigger'
  | 'liquidationHealth'
  | 'targetHealth'
  | 'liquidationFeeRate'
  | 'insuranceFeeRate'
  | 'amountScale'
  | 'cureMinutes'
  | 'fourEyesNotional'
  | 'fourEyesWaiver'
  | 'fourEyesWindowMinutes'
  | 'fillBand'
  | 'bandWindowMinutes'
  | (typeof LIVE_POLICY_KEYS)[number];

/** Changes the connection's own commits do not change (PRAGMA data_version): another process wrote the ledger. */
export function dataVersion(db: Database): number {
  let stmt = dataVersions.get(db);
  if (!stmt) {
    // Prepared once: db.pragma() prepares on every call, which cost a price tick more than its own queries.
    stmt = db.prepare('PRAGMA data_version').pluck();
    dataVersions.set(db, stmt);
  }
  return Number(stmt.get());
}

const dataVersions = new WeakMap<Database, import('better-sqlite3').Statement>();

export function readPolicy(db: Database): Policy {
  const p: Policy = { ...DEFAULT_POLICY };
  for (const r of prepared(db, 'SELECT key, value FROM policy').all() as { key: string; value: string }[]) {
    switch (r.key) {
      case 'callTrigger':
        p.callTrigger = r.value === 'initial' ? 'initial' : 'maintenance';
        break;
      case 'liquidationHealth':
      case 'targetHealth':
      case 'liquidationFeeRate':
      case 'insuranceFeeRate':
      case 'fillBand':
        p[r.key] = parseRate(r.value, `policy ${r.key}`);
        break;
      case 'fourEyesNotional':
      case 'fourEyesWaiver':
        p[r.key] = parseAmount(r.value, `policy ${r.key}`);
        break;
      case 'amountScale':
      case 'cureMinutes':
      case 'fourEyesWindowMinutes':
      case 'bandWindowMinutes':
        p[r.key] = Number(r.value);
        break;
    }
  }
  return p;
}

/** The ledger's first policy (init). Every later change is policies.change, under four eyes, versioned (policyRepo.ts). */
export function writePolicySetting(db: Database, key: PolicyKey, value: string): void {
  db.prepare('INSERT INTO policy(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

/**
 * What the ledger is for: 'live' (a desk's real book, the default) or 'demo' (the built-in demo book, where drills
 * run). Written once, when the ledger is made; simulated fills are booked only where it is not live.
 */
export type LedgerMode = 'live' | 'demo';

export function ledgerMode(db: Database): LedgerMode {
  const r = db.prepare("SELECT value FROM policy WHERE key = 'ledgerMode'").get() as { value: string } | undefined;
  return r?.value === 'demo' ? 'demo' : 'live';
}

export function markDemoLedger(db: Database): void {
  db.prepare("INSERT INTO policy(key, value) VALUES ('ledgerMode', 'demo') ON CONFLICT(key) DO UPDATE SET value = excluded.value").run();
}

/** An instrument's fill band (ppm of the mark): its own policy row `fillBand:ID`, or the policy's fillBand. */
export function fillBandOf(db: Database, instrument: string, policy: Policy): bigint {
  const r = db.prepare('SELECT value FROM policy WHERE key = ?').get(`fillBand:${instrument}`) as { value: string } | undefined;
  return r ? parseRate(r.value, `policy fillBand:${instrument}`) : policy.fillBand;
}

// ---- reference data ----
export function readInstruments(db: Database): Instrument[] {
  const tiers = new Map<string, Tier[]>();
  for (const r of rows(db, 'SELECT instrument_id, floor, mmr, imr FROM instrument_tiers ORDER BY instrument_id, floor')) {
    const list = tiers.get(r.instrument_id as string) ?? [];
    list.push({ floor: big(r.floor), mmr: big(r.mmr), imr: big(r.imr) });
    tiers.set(r.instrument_id as string, list);
  }
  const impact = new Map<string, Bracket[]>();
  for (const r of rows(db, 'SELECT instrument_id, floor, rate FROM instrument_impact ORDER BY instrument_id, floor')) {
    const list = impact.get(r.instrument_id as string) ?? [];
    list.push({ floor: big(r.floor), rate: big(r.rate) });
    impact.set(r.instrument_id as string, list);
  }
  const arrays = new Map<string, bigint[]>();
  for (const r of rows(db, 'SELECT instrument_id, scenario, value FROM instrument_risk_arrays ORDER BY instrument_id, scenario')) {
    const list = arrays.get(r.instrument_id as string) ?? [];
    list.push(big(r.value));
    arrays.set(r.instrument_id as string, list);
  }
  return rows(db, 'SELECT * FROM instruments ORDER BY id').map((r) => ({
    id: r.id as string,
    kind: r.kind as Instrument['kind'],
    underlying: r.underlying as string,
    multiplier: r.multiplier as string,
    lot: r.lot as string,
    tick: r.tick as string,
    lotTickValue: big(r.lot_tick_value),
    lotTickScale: Number(r.lot_tick_scale),
    margin: r.margin as Instrument['margin'],
    tiers: tiers.get(r.id as string) ?? [],
    slippage: big(r.slippage),
    expiry: (r.expiry as string | null) ?? null,
    option:
      r.option_right === null || r.option_right === undefined
        ? null
        : {
            right: r.option_right as 'call' | 'put',
            strike: big(r.option_strike),
            underlyingInstrument: (r.underlying_instrument as string | null) ?? null,
            shortOptionMinimum: big(r.short_option_minimum ?? 0n),
          },
    priceBand: bigOrNull(r.price_band),
    ...(impact.has(r.id as string) ? { impact: impact.get(r.id as string)! } : {}),
    ...(r.margin === 'portfolio'
      ? {
          portfolio: {
            scanRange: bigOrNull(r.scan_range),
            volShift: big(r.vol_shift ?? 0n),
            imMultiplier: big(r.im_multiplier ?? 1_100_000n),
            riskArray: arrays.get(r.id as string) ?? null,
          },
        }
      : {}),
  }));
}

/**
 * The collateral policy as each asset's effective haircut schedule is compiled from it: a key of the asset (or its
 * class) first, else the key for all, else the default. A stored value that is not one is an error naming the key.
 */
function haircutBasisOf(db: Database): (a: Pick<Asset, 'id' | 'liquidityClass'>, schedule: Bracket[]) => HaircutBasis {
  const rows = new Map((db.prepare('SELECT key, value FROM policy').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  const version = Number(db.prepare('SELECT coalesce(max(version), 0) FROM policy_history').pluck().get());
  const pick = (own: string, all: keyof typeof COLLATERAL_POLICY): [string, string] =>
    rows.has(own) ? [own, rows.get(own)!] : [all, rows.get(all) ?? COLLATERAL_POLICY[all]];
  const [, scheduleText] = pick('concentrationHaircuts', 'concentrationHaircuts');
  let concentration: ConcentrationStep[];
  try {
    concentration = parseConcentration(scheduleText);
  } catch (e) {
    throw new Error(`policy concentrationHaircuts: ${(e as Error).message}`, { cause: e });
  }
  return (a, schedule) => {
    const [classKey, cls] = pick(`classHaircut:${a.liquidityClass}`, 'classHaircut');
    const [volumeKey, volume] = pick(`dailyVolume:${a.id}`, 'dailyVolume');
    return {
      schedule,
      liquidityClass: a.liquidityClass,
      classMinimum: parseRate(cls, `policy ${classKey}`),
      classKey,
      dailyVolume: volume === 'off' ? null : parseAmount(volume, `policy ${volumeKey}`),
      volumeKey,
      concentration,
      policyVersion: version,
    };
  };
}

/**
 * Every asset with its effective haircut schedule (the asset's own, its class minimum and concentration add-ons of
 * the policy in force, haircutRules.ts), the schedule it was compiled from and the rule of each bracket.
 */
export function readAssets(db: Database): Asset[] {
  const basisOf = haircutBasisOf(db);
  return readOwnAssets(db).map((a) => {
    const haircutBasis = basisOf(a, a.haircuts);
    const { brackets, rules } = effectiveHaircuts(a.id, haircutBasis);
    return { ...a, haircuts: brackets, haircutBasis, haircutRules: rules };
  });
}

/** Every asset with its own haircut schedule (asset_haircuts), as imported. */
export function readOwnAssets(db: Database): Asset[] {
  const brackets = new Map<string, Bracket[]>();
  for (const r of rows(db, 'SELECT asset_id, floor, rate FROM asset_haircuts ORDER BY asset_id, floor')) {
    const list = brackets.get(r.asset_id as string) ?? [];
    list.push({ floor: big(r.floor), rate: big(r.rate) });
    brackets.set(r.asset_id as string, list);
  }
  return rows(db, 'SELECT * FROM assets ORDER BY id').map((r) => ({
    id: r.id as string,
    quantityScale: num(r.quantity_scale),
    priceScale: num(r.price_scale),
    liquidityClass: (r.liquidity_class as string) ?? '',
    haircuts: brackets.get(r.id as string) ?? [{ floor: 0n, rate: 0n }],
  }));
}

export function readAccounts(db: Database): Account[] {
  return (db.prepare('SELECT id, member_id, kind, mode FROM accounts ORDER BY id').all() as AccountDbRow[]).map(accountOfRow);
}

/**
 * One string for each id of a whole-book read: SQLite hands back a new string per row, and a million positions each
 * keeping their own copies of an account and an instrument id held about 80 MB in a console's resident book.
 */
function interner(): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    const known = seen.get(s);
    if (known !== undefined) return known;
    seen.set(s, s);
    return s;
  };
}

export function readPositions(db: Database, accountId?: string): Position[] {
  const sql = `SELECT account_id, instrument_id, quantity, entry_value, isolated_margin FROM positions
    ${accountId === undefined ? '' : 'WHERE account_id = ?'} ORDER BY account_id, instrument_id`;
  const stmt = db.prepare(sql).safeIntegers(true);
  const id = interner();
  const out: Position[] = [];
  // Row by row (iterate): the whole result as arrays first was a second copy of the book at its peak. Rows by name
  // cost the resident book's load nothing: 969,590 positions of the 100k demo book in 4.9 s against 5.3 s by position
  // (medians of 7, on a loaded 2-core host).
  type Row = { account_id: string; instrument_id: string; quantity: bigint; entry_value: bigint; isolated_margin: bigint | null };
  for (const r of (accountId === undefined ? stmt.iterate() : stmt.iterate(accountId)) as Iterable<Row>) {
    out.push({
      account: id(r.account_id),
      instrument: id(r.instrument_id),
      quantity: r.quantity,
      entryValue: r.entry_value,
      isolatedMargin: r.isolated_margin ?? null,
    });
  }
  return out;
}

export function readCollateral(db: Database, accountId?: string): Collateral[] {
  const sql = `SELECT account_id, asset_id, quantity FROM collateral
    ${accountId === undefined ? '' : 'WHERE account_id = ?'} ORDER BY account_id, asset_id`;
  const stmt = db.prepare(sql).safeIntegers(true);
  const id = interner();
  const out: Collateral[] = [];
  for (const r of (accountId === undefined ? stmt.iterate() : stmt.iterate(accountId)) as Iterable<{ account_id: string; asset_id: string; quantity: bigint }>) {
    out.push({ account: id(r.account_id), asset: id(r.asset_id), quantity: r.quantity });
  }
  return out;
}

/** The latest mark at or before `asOf` of every instrument that has one. */
export function readMarks(db: Database, asOf: string): Map<string, { mark: bigint; at: string }> {
  const latest = rows(
    db,
    `SELECT p.instrument_id, p.mark, p.at FROM prices p
     JOIN (SELECT instrument_id, max(at) AS at FROM prices WHERE at <= ? AND ${visible()} GROUP BY instrument_id) l
       ON l.instrument_id = p.instrument_id AND l.at = p.at`,
    asOf,
  );
  return new Map(latest.map((r) => [r.instrument_id as string, { mark: big(r.mark), at: r.at as string }]));
}

export function readAssetPrices(db: Database, asOf: string): Map<string, { price: bigint; at: string }> {
  const latest = rows(
    db,
    `SELECT p.asset_id, p.price, p.at FROM asset_prices p
     JOIN (SELECT asset_id, max(at) AS at FROM asset_prices WHERE at <= ? AND ${visible()} GROUP BY asset_id) l
       ON l.asset_id = p.asset_id AND l.at = p.at`,
    asOf,
  );
  return new Map(latest.map((r) => [r.asset_id as string, { price: big(r.price), at: r.at as string }]));
}

/** Spread definitions (methodology §4), legs in underlying order. */
export function readSpreads(db: Database): SpreadDefinition[] {
  const legs = new Map<string, { underlying: string; ratio: string }[]>();
  for (const r of rows(db, 'SELECT spread_id, underlying, ratio FROM spread_legs ORDER BY spread_id, underlying')) {
    const list = legs.get(r.spread_id as string) ?? [];
    list.push({ underlying: r.underlying as string, ratio: r.ratio as string });
    legs.set(r.spread_id as string, list);
  }
  return rows(db, 'SELECT id, rate, priority FROM spreads ORDER BY priority, id').map((r) => ({
    id: r.id as string,
    legs: legs.get(r.id as string) ?? [],
    rate: big(r.rate),
    priority: num(r.priority),
  }));
}

/**
 * Implied volatilities (ppm) for Black-76 as of `asOf`, by instrument id (an option's own, else its underlying
 * instrument's: riskArrays.ts looks in that order). Two sources each: an option's is the later of its strike's row
 * in the volatilities file (on its underlying instrument, at its strike) and its own price row's implied_vol; an
 * underlying's, the later of its every-strike row and its own price row's. At the same time the volatilities file
 * wins (it is the desk's quote of the surface; a price row's vol came with a mark).
 */
export function readVols(db: Database, asOf: string, instruments: readonly Instrument[]): Map<string, bigint> {
  const latest = rows(
    db,
    `SELECT p.instrument_id, p.implied_vol, p.at FROM prices p
     JOIN (SELECT instrument_id, max(at) AS at FROM prices WHERE at <= ? AND implied_vol IS NOT NULL AND ${visible()} GROUP BY instrument_id) l
       ON l.instrument_id = p.instrument_id AND l.at = p.at`,
    asOf,
  );
  const vols = new Map<string, { vol: bigint; at: string }>(latest.map((r) => [r.instrument_id as string, { vol: big(r.implied_vol), at: r.at as string }]));
  const surface = rows(
    db,
    `SELECT v.underlying_instrument_id AS u, v.strike, v.implied_vol, v.at FROM volatilities v
     JOIN (SELECT underlying_instrument_id, strike, max(at) AS at FROM volatilities WHERE at <= ? AND ${visible()} GROUP BY underlying_instrument_id, strike) l
       ON l.underlying_instrument_id = v.underlying_instrument_id AND l.strike = v.strike AND l.at = v.at`,
    asOf,
  );
  if (surface.length > 0) {
    const byId = new Map(instruments.map((x) => [x.id, x]));
    const quoted = new Map(surface.map((r) => [`${r.u as string}\u0000${big(r.strike)}`, { vol: big(r.implied_vol), at: r.at as string }]));
    const later = (id: string, q: { vol: bigint; at: string } | undefined): void => {
      const own = vols.get(id);
      if (q && (!own || q.at >= own.at)) vols.set(id, q);
    };
    for (const id of new Set(surface.map((r) => r.u as string))) later(id, quoted.get(`${id}\u00000`));
    for (const x of instruments) {
      const u = x.option?.underlyingInstrument ? byId.get(x.option.underlyingInstrument) : undefined;
      if (!u) continue;
      // The option's strike in its underlying's ticks, when it is a whole number of them.
      const strike = strikeInTicksOf(x, u);
      if (strike !== null) later(x.id, quoted.get(`${u.id}\u0000${strike}`));
    }
  }
  return new Map([...vols].map(([id, v]) => [id, v.vol]));
}

/** An option's strike (its ticks) in the ticks of another instrument, or null when it is not a whole number of them. */
function strikeInTicksOf(x: Instrument, u: Instrument): bigint | null {
  const sa = decimalPlaces(x.tick);
  const sb = decimalPlaces(u.tick);
  // strike x a / b, exactly: both ticks as n / 10^s.
  const num = x.option!.strike * parseUnits(x.tick, sa, 'tick') * 10n ** BigInt(sb);
  const den = parseUnits(u.tick, sb, 'tick') * 10n ** BigInt(sa);
  return num % den === 0n ? num / den : null;
}

/**
 * What portfolio margin needs beyond marks, as of a time; absent when no instrument is portfolio-margined. Read
 * as of LATEST, the valuation time (Black-76's "now") is that of the latest mark.
 */
export function readMarket(db: Database, asOf: string, instruments: Instrument[], priceTimes: Map<string, string>, modelled = false): PortfolioMarket | undefined {
  if (!modelled && !instruments.some((x) => x.margin === 'portfolio')) return undefined;
  let at = asOf;
  if (asOf === LATEST) {
    at = '1970-01-01T00:00:00Z';
    for (const t of priceTimes.values()) if (t > at) at = t;
  }
  return { asOf: at, vols: readVols(db, asOf, instruments), spreads: readSpreads(db) };
}

/** The whole book as of a time. Positions and collateral are the ledger's current holdings. */
export function readBook(db: Database, asOf: string): { book: Book; priceTimes: Map<string, string>; unpriced: Map<string, string> } {
  const marks = readMarks(db, asOf);
  const assetPrices = readAssetPrices(db, asOf);
  const priceTimes = new Map<string, string>();
  for (const [k, v] of marks) priceTimes.set(k, v.at);
  for (const [k, v] of assetPrices) priceTimes.set(`asset:${k}`, v.at);
  const instruments = readInstruments(db);
  const positions = readPositions(db);
  const bare = heldWithoutPrice(instruments, positions, marks);
  const market = readMarket(db, asOf, instruments, priceTimes, bare.length > 0);
  const book: Book = {
    policy: readPolicy(db),
    instruments,
    assets: readAssets(db),
    accounts: readAccounts(db),
    positions,
    collateral: readCollateral(db),
    marks: new Map([...marks].map(([k, v]) => [k, v.mark])),
    assetPrices: new Map([...assetPrices].map(([k, v]) => [k, v.price])),
    ...(market ? { market } : {}),
  };
  // Options held with no price at or before asOf are marked by Black-76 (engine/optionMarks.ts); an imported price wins.
  const unpriced = bare.length > 0 ? markByModel(book, bare) : new Map<string, string>();
  return { book, priceTimes, unpriced };
}

/** The options held that have no mark: only these are priced by the model (the one pass over positions is paid only then). */
function heldWithoutPrice(instruments: readonly Instrument[], positions: readonly Position[], marks: ReadonlyMap<string, unknown>): string[] {
  const bare = instruments.filter((x) => x.kind === 'option' && !marks.has(x.id));
  if (bare.length === 0) return [];
  const held = new Set<string>();
  for (const p of positions) held.add(p.instrument);
  return bare.filter((x) => held.has(x.id)).map((x) => x.id);
}

/** The error for a held instrument with no mark: with the model's reason where it is an option Black-76 could not price. */
function noPrice(id: string, when: string, unpriced: ReadonlyMap<string, string>, field: string): InputError {
  const why = unpriced.get(id);
  return new InputError(`no price for instrument ${id} ${when}${why ? `, and Black-76 cannot mark it: ${why}` : ''}`, { field });
}

/** A time after every price a ledger may hold: readBook as of it reads the latest marks, whenever they are. */
export const LATEST = '9999-12-31T23:59:59.999Z';

/**
 * The book a margin cycle as of `asOf` evaluates: readBook, refused where a held instrument or a collateral asset
 * has no price by then, and only the instruments someone holds (one just imported, without tiers or prices yet,
 * must not stop the desk's cycle; one that is held and lacks them still does, naming it).
 */
export function readCycleBook(db: Database, asOf: string): { book: Book; priceTimes: Map<string, string> } {
  const r = readBook(db, asOf);
  const { book } = r;
  const held = heldWithUnderlyings(book.instruments, book.positions, book.modelMarks);
  for (const id of held) {
    if (!book.marks.has(id)) throw noPrice(id, `at or before ${asOf}`, r.unpriced, 'at');
  }
  for (const c of book.collateral) {
    if (!book.assetPrices.has(c.asset)) throw new InputError(`no price for asset ${c.asset} at or before ${asOf}`, { field: 'at' });
  }
  book.instruments = book.instruments.filter((x) => held.has(x.id));
  return r;
}

/**
 * The instruments held, with the underlying instruments of held portfolio options and of options marked by the model
 * (Black-76 prices those on them, and a tick of that instrument marks them again).
 */
export function heldWithUnderlyings(instruments: Instrument[], positions: readonly Position[], modelled?: ReadonlyMap<string, unknown> | ReadonlySet<string>): Set<string> {
  const held = new Set(positions.map((p) => p.instrument));
  for (const x of instruments) {
    if (!held.has(x.id) || !x.option?.underlyingInstrument) continue;
    if (x.margin === 'portfolio' || modelled?.has(x.id)) held.add(x.option.underlyingInstrument);
  }
  return held;
}

/** The latest price of an asset at or before `asOf`, or null. */
export function assetPriceAt(db: Database, asset: string, asOf: string): bigint | null {
  const r = db.prepare(`SELECT price FROM asset_prices WHERE asset_id = ? AND at <= ? AND ${visible()} ORDER BY at DESC LIMIT 1`).safeIntegers(true).get(asset, asOf) as
    | { price: bigint }
    | undefined;
  return r ? r.price : null;
}

/**
 * One account's part of the book as of a time: every instrument and asset, the account's holdings, and the latest
 * marks and asset prices it needs. For commands that re-evaluate one account (a fill, a preview) without reading
 * a 100k-account book.
 */
export function readAccountBook(db: Database, accountId: string, asOf: string): Book {
  const positions = readPositions(db, accountId);
  const collateral = readCollateral(db, accountId);
  const mark = db.prepare(`SELECT mark FROM prices WHERE instrument_id = ? AND at <= ? AND ${visible()} ORDER BY at DESC LIMIT 1`).safeIntegers(true);
  const marks = new Map<string, bigint>();
  const instruments = readInstruments(db);
  const read = (ids: Iterable<string>) => {
    for (const id of ids) {
      if (marks.has(id)) continue;
      const r = mark.get(id, asOf) as { mark: bigint } | undefined;
      if (r) marks.set(id, r.mark);
    }
  };
  read(heldWithUnderlyings(instruments, positions));
  // An option with no price is marked by the model on its underlying instrument's mark: that one is read too.
  const bare = heldWithoutPrice(instruments, positions, marks);
  read(heldWithUnderlyings(instruments, positions, new Set(bare)));
  const assetPrices = new Map<string, bigint>();
  for (const id of new Set([...collateral.map((c) => c.asset), 'USD'])) {
    const p = assetPriceAt(db, id, asOf);
    if (p !== null) assetPrices.set(id, p);
  }
  const account = readAccount(db, accountId);
  const market = readMarket(db, asOf, instruments, new Map([...marks.keys()].map((id) => [id, latestMarkTime(db, id, asOf)])), bare.length > 0);
  const book: Book = {
    policy: readPolicy(db),
    instruments,
    assets: readAssets(db),
    accounts: account ? [account] : [],
    positions,
    collateral,
    marks,
    assetPrices,
    ...(market ? { market } : {}),
  };
  markByModel(book, bare);
  return book;
}

function latestMarkTime(db: Database, id: string, asOf: string): string {
  return String(db.prepare(`SELECT max(at) FROM prices WHERE instrument_id = ? AND at <= ? AND ${visible()}`).pluck().get(id, asOf) as string | null ?? asOf);
}

export function memberCureMinutes(db: Database): Map<string, number> {
  const rows = db.prepare('SELECT id, cure_minutes FROM members WHERE cure_minutes IS NOT NULL').all() as {
    id: string;
    cure_minutes: number;
  }[];
  return new Map(rows.map((r) => [r.id, Number(r.cure_minutes)]));
}

/**
 * Statements a price tick runs for every mark, prepared once per connection. They read by position (raw): on the
 * 100k demo book the two reads of a mark took 40-41 us by position against 49-52 us by name (medians of 15 runs of
 * 20,000 marks), on the tick's path to its calls.
 */
const tickReads = new WeakMap<Database, { tick: import('better-sqlite3').Statement; latest: import('better-sqlite3').Statement }>();

function tickReadsOf(db: Database) {
  let s = tickReads.get(db);
  if (!s) {
    s = {
      tick: db.prepare('SELECT tick, kind FROM instruments WHERE id = ?').raw(),
      latest: db.prepare(`SELECT at, mark FROM prices WHERE instrument_id = ? AND ${visible()} ORDER BY at DESC LIMIT 1`).raw().safeIntegers(true),
    };
    tickReads.set(db, s);
  }
  return s;
}

/** An instrument's tick (a decimal string) and kind, or undefined when there is no such instrument. */
export function instrumentTickOf(db: Database, id: string): { tick: string; kind: Instrument['kind'] } | undefined {
  const r = tickReadsOf(db).tick.get(id) as [string, Instrument['kind']] | undefined;
  return r ? { tick: r[0], kind: r[1] } : undefined;
}

/** An instrument's latest stored mark (whatever its time), or undefined. */
export function latestMarkOf(db: Database, id: string): { at: string; mark: bigint } | undefined {
  const r = tickReadsOf(db).latest.get(id) as [string, bigint] | undefined;
  return r ? { at: r[0], mark: r[1] } : undefined;
}
