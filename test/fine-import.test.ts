// A fine instrument (issue 13 item 7) comes in through both doors and is margined: CSV files imported into a real
// ledger and the standalone what-if. A memecoin perpetual quoted to 1e-8 USD with a lot of 1 token: one lot moving
// one tick is worth 0.01 micro-USD, so each position's money is rounded once (main/engine/lotValue.ts); the worked
// figures are main/engine/fine.test.ts's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import type { CycleSummary } from '../shared/contract.ts';
import { readAccounts, readBook, readInstruments } from '../main/ledger/bookRepo.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { referenceEvaluate } from './support/reference.ts';
import { computeWhatIf } from '../main/calculators/margin/run.ts';

const demoLedger = demoLedgers('riskdesk-fine-', 20);
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };

test('CSV: a memecoin perpetual with a tick of 1e-8 is imported, stored with its scale and margined to the unit', () => {
  const db = demoLedger();
  const run = (kind: string, text: string) => dispatch({ db, actor: supervisor, now: () => new Date(DEMO_AS_OF) }, 'import.csv', { kind, file: `${kind}.csv`, text });
  const account = readAccounts(db).find((a) => a.mode === 'cross')!.id;
  run('instruments', 'id,kind,underlying,multiplier,lot,tick\nMEME-PERP,perpetual,MEME,1,1,0.00000001\n');
  run('tiers', 'instrument,floor,mmr,imr\nMEME-PERP,0,0.05,0.1\n');
  run('prices', 'instrument,at,mark\nMEME-PERP,2026-03-12T20:00:00Z,0.00001234\n');
  run('positions', `account,instrument,quantity,entry_price\n${account},MEME-PERP,123457,0.000012\n`);

  const meme = readInstruments(db).find((i) => i.id === 'MEME-PERP')!;
  assert.deepEqual([meme.lotTickValue, meme.lotTickScale, meme.tick], [1n, 2, '0.00000001']); // K = 0.01 micro-USD
  const { book } = readBook(db, DEMO_AS_OF);
  assert.equal(book.marks.get('MEME-PERP'), 1_234n);
  const a = book.accounts.findIndex((x) => x.id === account);
  const engine = evaluateAccounts(book)[a]!;
  assert.deepEqual(engine, referenceEvaluate(book)[a]);
  // 123,457 x 1,234 x 0.01 = 1,523,459.38 micro: notional up to 1,523,460, value down to 1,523,459, upnl 41,975.
  assert.deepEqual(engine.positions.find((p) => p.instrument === 'MEME-PERP'), {
    instrument: 'MEME-PERP', quantity: 123_457n, notional: 1_523_460n, upnl: 41_975n, mm: 76_173n, im: 152_346n, isolated: null,
  });
  // The margin cycle takes the account (now on the BigInt path) like any other.
  const s = dispatch<'cycle.run'>({ db, actor: supervisor, now: () => new Date(DEMO_AS_OF) }, 'cycle.run', { at: DEMO_AS_OF }) as CycleSummary;
  assert.equal(s.accounts, book.accounts.length);
  db.close();
});

test('what-if: the same memecoin position is accepted and margined to the unit', () => {
  const r = computeWhatIf({
    asOf: '2026-03-12T16:00:00Z',
    instruments: [{ id: 'MEME', kind: 'perpetual', underlying: 'MEME', multiplier: '1', lot: '1', tick: '0.00000001', margin: 'tiered', tiers: [{ floor: '0', mmr: '0.05', imr: '0.1' }] }],
    prices: { MEME: '0.00001234' },
    accounts: [
      { id: 'L', collateral: { USD: '0.110371' }, positions: [{ instrument: 'MEME', quantity: '123457', entryPrice: '0.000012' }] },
      { id: 'S', collateral: { USD: '0.118148' }, positions: [{ instrument: 'MEME', quantity: '-123457', entryPrice: '0.000012' }] },
    ],
  });
  const [l, s] = r.accounts;
  assert.deepEqual([l!.equity, l!.mm, l!.im, l!.status, l!.call], ['0.152346', '0.076173', '0.152346', 'healthy', null]);
  assert.deepEqual([l!.positions[0]!.notional, l!.positions[0]!.upnl], ['1.52346', '0.041975']);
  // The short owes the larger whole: upnl -0.041976, equity 0.076172, one micro-USD below MM: a call, rounded up.
  assert.deepEqual([s!.equity, s!.status, s!.call, s!.positions[0]!.upnl], ['0.076172', 'call', '0.08', '-0.041976']);
});
