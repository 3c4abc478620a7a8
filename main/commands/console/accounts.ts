// The accounts screen (design.md §5): every account of the latest cycle as columns, one account's detail evaluated
// now, and a what-if price shock on it. All read-only.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { AccountDetail, AccountsTable, InputOf, WhatIfResult } from '../../../shared/contract.ts';
import { latestCycle } from '../../ledger/cycleRepo.ts';
import { journalHead } from '../../ledger/journal.ts';
import { accountHistory } from '../../ledger/cycleResults.ts';
import { accountColumns, underlyings } from '../../ledger/consoleRepo.ts';
import { cycleFigures, figureSteps, type CycleFigures } from './accountFigures.ts';
import { drain } from '../steps.ts';
import { formatAmount } from '../../../shared/units.ts';
import { shockBook } from '../../engine/stress.ts';
import { parseShocks } from '../shock.ts';
import { InputError } from '../../../shared/errors.ts';
import { callView } from '../callCommands.ts';
import { loadAccount, evaluateSnapshot, figuresView, positionsView, collateralView } from './accountView.ts';
import { metricsOf } from './metrics.ts';
import { commodityFigures } from './commodities.ts';

const DEFAULT_HISTORY = 60;

function emptyTable(): Omit<AccountsTable, 'version'> {
  return {
    cycle: null,
    asOf: null,
    columns: { id: [], member: [], kind: [], status: [], equity: [], mm: [], im: [], health: [], call: [], marginRatio: [], utilisation: [], excess: [] },
  };
}

/**
 * The last table made on each connection, with the ledger state it was made at: the latest cycle and the journal's
 * head. Every change to the ledger is journalled in its own transaction, so the same head is the same ledger and the
 * same table: a re-visit of Accounts gets it at once (the cycle's formatted figures are kept apart, per cycle:
 * accountFigures.ts). Read-only: callers serialise it, never change it.
 */
const lastTable = new WeakMap<Database, { state: string; table: AccountsTable }>();

/** The version accounts.list would give its table now (see AccountsTable.version). */
function tableVersion(db: Database, cycle: { id: number } | undefined | null): string {
  return `${cycle ? cycle.id : 'none'} ${journalHead(db).hash}`;
}

/**
 * Every account of the latest cycle, in account-id order: the packed results read once, member and kind joined
 * from one query over the accounts table (both in id order, so a merge).
 *
 * Figures cover every margin unit of the account (methodology §5): equity, MM and IM are the cross part's plus its
 * isolated positions' (the cycle stores those beside the packed cross results), and health is the worst unit's
 * equity / MM, so an isolated position in liquidation ranks its account as sick as it is.
 */
export function accountsList(ctx: CommandContext, _input: InputOf<'accounts.list'>): AccountsTable {
  const cycle = latestCycle(ctx.db);
  const version = tableVersion(ctx.db, cycle);
  if (!cycle) return { ...emptyTable(), version };
  const last = lastTable.get(ctx.db);
  if (last?.state === version) return last.table;
  const table = { ...withAccounts(ctx, cycle, cycleFigures(ctx.db, cycle.id)), version };
  lastTable.set(ctx.db, { state: version, table });
  return table;
}

/** What accounts.list's table would be now, without making it: a console holding that version keeps its rows. */
export function accountsVersion(ctx: CommandContext, _input: InputOf<'accounts.version'>): { version: string } {
  return { version: tableVersion(ctx.db, latestCycle(ctx.db)) };
}

/**
 * The rows of the accounts named, in the table's form and order (the ones an `accounts.changed` event named): the
 * console replaces just those rows. An id the latest cycle does not hold is refused, naming it.
 */
export function accountsRows(ctx: CommandContext, input: InputOf<'accounts.rows'>): AccountsTable {
  const cycle = latestCycle(ctx.db);
  // Some rows are no whole table: no version a console could keep them under.
  if (!cycle) return { ...emptyTable(), version: '' };
  const t = { ...withAccounts(ctx, cycle, drain(figureSteps(ctx.db, cycle.id, new Set(input.ids)))), version: '' };
  const found = new Set(t.columns.id);
  const missing = input.ids.findIndex((id) => !found.has(id));
  if (missing !== -1) throw new InputError(`no account "${input.ids[missing]}" in cycle ${t.cycle}`, { field: `ids[${missing}]` });
  return t;
}

/** The table of `figures` with each account's member and kind, from the accounts as they are now. */
function withAccounts(ctx: CommandContext, cycle: { id: number; asOf: string }, figures: CycleFigures): Omit<AccountsTable, 'version'> {
  const refs = accountColumns(ctx.db);
  const ids = figures.id;
  const n = ids.length;
  const member = new Array<string>(n);
  const kind = new Array<'house' | 'client'>(n);
  let j = 0;
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    // Accounts are never deleted (foreign keys), so every id of the cycle is in the accounts table; accounts
    // added since the cycle are skipped by the merge (both in id order).
    while (j < refs.id.length && refs.id[j]! < id) j++;
    if (refs.id[j] !== id) throw new Error(`cycle ${cycle.id} holds account ${id}, which is not in the accounts table`);
    member[k] = refs.member[j]!;
    kind[k] = refs.kind[j]!;
  }
  const f = figures;
  return {
    cycle: cycle.id,
    asOf: cycle.asOf,
    columns: { id: ids, member, kind, status: f.status, equity: f.equity, mm: f.mm, im: f.im, health: f.health, call: f.call, marginRatio: f.marginRatio, utilisation: f.utilisation, excess: f.excess },
  };
}

export function accountDetail(ctx: CommandContext, input: InputOf<'accounts.detail'>): AccountDetail {
  const s = loadAccount(ctx.db, input.id, ctx.now);
  const r = evaluateSnapshot(s);
  return {
    account: { id: s.account.id, member: s.account.member, kind: s.account.kind, mode: s.account.mode },
    asOf: s.asOf,
    figures: figuresView(s, r),
    metrics: metricsOf(s, r),
    positions: positionsView(s, r),
    collateral: collateralView(s),
    // Every unit summed, as the figures above and the grid.
    history: accountHistory(ctx.db, s.account.id, input.historyCycles ?? DEFAULT_HISTORY).map((h) => ({
      cycle: h.cycle,
      asOf: h.asOf,
      equity: formatAmount(h.equity + (h.isolated?.equity ?? 0n)),
      mm: formatAmount(h.mm + (h.isolated?.mm ?? 0n)),
      im: formatAmount(h.im + (h.isolated?.im ?? 0n)),
      status: h.status,
    })),
    openCall: s.liveCall ? callView(s.liveCall, true, ctx) : null,
  };
}

/**
 * The account evaluated with its prices moved by the relative shock of each underlying, by the stress tests' rule
 * (engine/stress.ts shockBook): every instrument on the underlying (its mark rounded to the tick, half-even) and the
 * collateral asset of the same id (an ETH shock moves ETH held as collateral too). Nothing is written: the ledger is
 * only read.
 */
export function accountWhatIf(ctx: CommandContext, input: InputOf<'accounts.whatif'>): WhatIfResult {
  const s = loadAccount(ctx.db, input.id, ctx.now);
  const known = underlyings(ctx.db);
  const shocks = parseShocks(input.shocks, (key) => (known.has(key) ? null : `no instrument is on the underlying "${key}"`));
  const shocked = shockBook(s.book, shocks);
  const r = evaluateSnapshot(s, shocked);
  return {
    shocks: { ...input.shocks },
    figures: figuresView(s, r),
    positions: positionsView(s, r, shocked),
    collateral: collateralView(s, shocked.assetPrices),
    commodities: (r.commodities ?? []).map(commodityFigures),
  };
}
