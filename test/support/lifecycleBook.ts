// A small book on a demo ledger for the lifecycle's tests: a member with four accounts, a perpetual and three futures
// (TST-*), holdings, marks around 2026-04-01 and 2026-04-24, and a clock that moves a second per command.
import { demoLedgers } from './ledger.ts';
import { operator, supervisor, type Runner } from './actors.ts';
import { dispatch } from '../../main/commands/dispatch.ts';
import { readCollateral } from '../../main/ledger/bookRepo.ts';
import { Decimal } from 'decimal.js';
import type { Ledger } from '../../main/ledger/db.ts';
import type { Actor } from '../../main/commands/context.ts';
import type { LimitsView } from '../../shared/contractLifecycle.ts';

const newLedger = demoLedgers('riskdesk-lifecycle-', 20);

export function clockFrom(start: string): Runner & { now: () => Date; set(t: string): void } {
  let clock = Date.parse(start);
  return {
    run<T>(db: Ledger, actor: Actor, channel: string, payload: unknown): T {
      clock += 1000;
      return dispatch({ db, actor, now: () => new Date(clock) }, channel, payload) as T;
    },
    advance(ms: number) {
      clock += ms;
    },
    now: () => new Date(clock),
    set(t: string) {
      clock = Date.parse(t);
    },
  };
}

const REFERENCE: [string, string][] = [
  ['assets', 'id,quantity_scale,price_scale,liquidity_class\nTST,3,2,crypto\n'],
  ['haircuts', 'asset,floor,haircut\nTST,0,0.1\n'],
  ['members', 'id,name,status,default_fund\nTSTM,Test Member,active,1000000\n'],
  ['accounts', 'id,member,kind,mode\nT-LONG,TSTM,house,cross\nT-SHORT,TSTM,client,cross\nT-SHORT2,TSTM,client,cross\nT-ISO,TSTM,client,isolated\n'],
  [
    'instruments',
    'id,kind,underlying,multiplier,lot,tick,expiry\n' +
      'TST-PERP,perpetual,TST,1,0.001,0.1,\n' +
      'TST-24APR26,future,TST,1,0.001,0.5,2026-04-24T08:00:00Z\n' +
      'TST-LM,future,TST,1,0.001,0.5,2026-04-24T08:00:00Z\n' +
      'TST-DEC26,future,TST,1,0.001,0.5,2026-12-24T08:00:00Z\n',
  ],
  ['tiers', 'instrument,floor,mmr,imr\nTST-PERP,0,0.01,0.02\nTST-24APR26,0,0.01,0.02\nTST-LM,0,0.01,0.02\nTST-DEC26,0,0.01,0.02\n'],
];

const BOOK: [string, string][] = [
  ['asset-prices', 'asset,at,price\nTST,2026-03-31T00:00:00Z,60000\n'],
  ['collateral', 'account,asset,quantity\nT-LONG,USD,100000\nT-SHORT,USD,100000\nT-SHORT2,USD,100000\nT-ISO,USD,100000\n'],
  [
    'positions',
    'account,instrument,quantity,entry_price,isolated_margin\n' +
      'T-LONG,TST-PERP,2,59000,\nT-SHORT,TST-PERP,-1.5,59500,\nT-SHORT2,TST-PERP,-0.5,59800,\n' +
      'T-LONG,TST-24APR26,1,60000,\nT-ISO,TST-24APR26,-0.5,61000,3000\nT-SHORT,TST-LM,-2,60500,\nT-LONG,TST-DEC26,0.2,60000,\n',
  ],
  [
    'prices',
    'instrument,at,mark\n' +
      'TST-PERP,2026-03-31T23:59:00Z,60000\nTST-PERP,2026-04-01T07:59:30Z,60001.7\nTST-PERP,2026-04-01T08:30:00Z,60100\n' +
      'TST-24APR26,2026-04-01T08:00:00Z,60400\nTST-LM,2026-04-01T08:00:00Z,60300.5\nTST-LM,2026-04-24T07:59:00Z,61234.5\nTST-LM,2026-04-24T09:00:00Z,70000\n' +
      'TST-DEC26,2026-04-01T08:00:00Z,60500\n',
  ],
];

export const FUNDING = 'instrument,at,rate\nTST-PERP,2026-04-01T00:00:00Z,0.0001\nTST-PERP,2026-04-01T08:00:00Z,-0.000037\n';

export function setUp(start = '2026-04-01T09:00:00Z') {
  const db = newLedger();
  const c = clockFrom(start);
  const imp = (actor: Actor, kind: string, text: string) => c.run(db, actor, 'import.csv', { kind, file: `${kind}.csv`, text });
  // The tests set and measure limits of their own: the demo book's (demo/lifecycleDemo.ts) are lifted first.
  const demo = c.run<LimitsView>(db, supervisor, 'limits.list', {}).limits;
  if (demo.length > 0) imp(supervisor, 'limits', `scope,subject,instrument,max_position\n${demo.map((l) => `${l.scope},${l.subject},${l.instrument},`).join('\n')}\n`);
  for (const [k, t] of REFERENCE) imp(supervisor, k, t);
  for (const [k, t] of BOOK) imp(operator, k, t);
  return { db, c, imp };
}

export const usd = (db: Ledger, account: string): Decimal => {
  const h = readCollateral(db, account).find((x) => x.asset === 'USD');
  return new Decimal(String(h?.quantity ?? 0n)).div(100);
};

