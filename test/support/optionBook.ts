// The options of the lifecycle's tests (optionExpiry.test.ts, exerciseLimits.test.ts) on the small book of
// lifecycleBook.ts: a call and a put on TST-DEC26 (exercised into it), a call on TST-24APR26 (settled in cash), all
// expiring 2026-04-24T08:00Z, held by T-LONG and shorts across T-SHORT, T-SHORT2 and three more accounts.
import { operator, supervisor } from './actors.ts';
import { setUp } from './lifecycleBook.ts';

const OPTIONS: [string, string][] = [
  ['accounts', 'id,member,kind,mode\nO-S1,TSTM,client,cross\nO-S2,TSTM,client,cross\nO-S3,TSTM,client,cross\n'],
  [
    'instruments',
    'id,kind,underlying,multiplier,lot,tick,expiry,option_right,strike,underlying_instrument\n' +
      // On TST-DEC26, which trades on after April: exercised into it.
      'TST-C60,option,TST,1,0.1,0.5,2026-04-24T08:00:00Z,call,60000,TST-DEC26\n' +
      'TST-P58,option,TST,1,0.1,0.5,2026-04-24T08:00:00Z,put,58000,TST-DEC26\n' +
      // On TST-24APR26, which expires with it: settled in cash against that future's final settlement price.
      'TST-C61,option,TST,1,0.1,0.5,2026-04-24T08:00:00Z,call,61000,TST-24APR26\n',
  ],
  ['tiers', 'instrument,floor,mmr,imr\nTST-C60,0,0.1,0.2\nTST-P58,0,0.1,0.2\nTST-C61,0,0.1,0.2\n'],
];

const HOLDINGS =
  'account,instrument,quantity,entry_price\n' +
  'T-LONG,TST-C60,0.3,1200\nT-SHORT2,TST-C60,-0.3,1100\n' +
  'T-LONG,TST-P58,0.2,50\nT-SHORT,TST-P58,-0.2,60\n' +
  'T-LONG,TST-C61,0.5,1500\nO-S1,TST-C61,-0.3,1400\nO-S2,TST-C61,-0.2,1400\nO-S3,TST-C61,-0.2,1400\n';

export function optionBook() {
  const ctx = setUp();
  for (const [k, t] of OPTIONS) ctx.imp(supervisor, k, t);
  ctx.imp(operator, 'collateral', 'account,asset,quantity\nO-S1,USD,100000\nO-S2,USD,100000\nO-S3,USD,100000\n');
  ctx.imp(operator, 'positions', HOLDINGS);
  ctx.imp(operator, 'prices', 'instrument,at,mark\nTST-DEC26,2026-04-24T07:30:00Z,61500\nTST-DEC26,2026-04-24T09:00:00Z,65000\n');
  ctx.imp(supervisor, 'settlement-prices', 'instrument,price,source\nTST-24APR26,62000.5,exchange\n');
  return ctx;
}

