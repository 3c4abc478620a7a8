// The demo book's options desk: appended without touching the rest of the book, deterministic, written to the
// ledger with its volatilities and published risk arrays, healthy at the last mark, and replayed by verify --deep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDemoBook } from './generate.ts';
import { withOptionsDesk, OPTIONS_MEMBER, OPTIONS_DESK_ACCOUNTS, LISTED_DAYS } from './optionsDesk.ts';
import { DEMO_AS_OF } from '../commands/initLedger.ts';
import { demoLedgers } from '../../test/support/ledger.ts';
import { readBook } from '../ledger/bookRepo.ts';
import { evaluateAccounts } from '../engine/evaluate.ts';
import { deepVerify } from '../commands/integrity/deepVerify.ts';
import { dispatch } from '../commands/dispatch.ts';
import type { AccountCommodities } from '../../shared/contractPortfolio.ts';

const demoLedger = demoLedgers('riskdesk-options-desk-', 120);

test('options desk: the rest of the demo book stays exactly as generated, and the desk is the same from the same book', () => {
  const book = generateDemoBook({ accounts: 120, seed: 7, asOf: DEMO_AS_OF });
  const before = structuredClone(book);
  const desk = withOptionsDesk(book);
  assert.deepEqual(book, before, 'the input is not changed');
  for (const k of ['members', 'accounts', 'instruments', 'positions', 'collateral', 'history', 'assetPrices'] as const) {
    assert.deepEqual(desk[k].slice(0, book[k].length), book[k], `${k}: the generated rows come first, unchanged`);
  }
  assert.deepEqual(desk.members.slice(book.members.length), [OPTIONS_MEMBER]);
  assert.equal(desk.accounts.length - book.accounts.length, OPTIONS_DESK_ACCOUNTS);
  assert.ok(desk.accounts.slice(book.accounts.length).every((a) => a.member === OPTIONS_MEMBER.id && a.mode === 'cross'));
  const options = desk.instruments.slice(book.instruments.length);
  assert.ok(options.length >= 4 && options.every((x) => x.kind === 'option' && x.margin === 'portfolio' && x.portfolio!.riskArray!.length === 16));
  // Each option has a mark on each listed day; the volatilities quote each traded strike and each underlying daily.
  assert.equal(desk.history.length - book.history.length, options.length * LISTED_DAYS);
  assert.ok(desk.volatilities!.some((v) => v.strike === null) && desk.volatilities!.some((v) => v.strike !== null));
  assert.deepEqual(withOptionsDesk(generateDemoBook({ accounts: 120, seed: 7, asOf: DEMO_AS_OF })), desk, 'deterministic');
});

test('options desk in the ledger: each account healthy and scanned at the last mark, each option at its strike\'s volatility; verify --deep replays it', () => {
  const db = demoLedger();
  const { book } = readBook(db, DEMO_AS_OF);
  const ids = book.accounts.filter((a) => a.member === OPTIONS_MEMBER.id).map((a) => a.id);
  assert.equal(ids.length, OPTIONS_DESK_ACCOUNTS);
  const results = evaluateAccounts(book).filter((r) => ids.includes(r.id));
  for (const r of results) {
    assert.equal(r.status, 'healthy', `${r.id}: equity ${r.equity} against IM ${r.im}`);
    assert.ok((r.commodities?.length ?? 0) > 0 && r.mm > 0n, `${r.id} has a scanned commodity`);
  }
  // The skew reaches Black-76: each option's volatility is its strike's row, not the underlying's.
  const vols = book.market!.vols;
  const options = book.instruments.filter((x) => x.kind === 'option' && x.portfolio?.riskArray);
  assert.ok(options.some((x) => vols.get(x.id) !== vols.get(x.option!.underlyingInstrument!)), 'a strike off the underlying\'s volatility');
  assert.ok(options.every((x) => vols.has(x.id)));
  // The console's view of the house account: greeks and one risk array per commodity.
  const view = dispatch({ db, actor: { name: 'viewer', role: 'viewer' }, now: () => new Date(DEMO_AS_OF) }, 'accounts.commodities', { id: 'VOC-H01' }) as AccountCommodities;
  assert.ok(view.greeks !== null && view.commodities.length === 1 && view.commodities[0]!.scenarios.length === 16);
  const ok = deepVerify(db);
  assert.equal(ok.outcome, 'verified', ok.message);
  db.close();
});
