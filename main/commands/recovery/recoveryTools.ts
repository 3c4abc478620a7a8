// Recovery tools on a case's residual (methodology §8.1 layer 7, §8.2): compare two allocation policies side by side
// on one snapshot (read-only), then apply the chosen one.
//
// The snapshot: the residual left after the assessments; VM gains since the default = for each account of a member
// not in default, its equity in the latest margin cycle less its equity in the case's baseline cycle (the latest at
// confirmation) less the cash deposited against its margin calls in between, positive part (0 when no cycle ran
// since); the defaulter's closed-out positions, net per instrument,
// and the opposing positions of surviving members' cross accounts with their equity at the latest prices (ADL); the
// surviving members' default-fund contributions as the waterfall saw them (socialised loss).
// Applying: a VM haircut and a socialised loss are cash debits (USD) on the accounts (socialised loss: the member's
// house account); ADL closes the ranked positions, and a partial tear-up the opposing positions pro rata, at the
// price that raises the instrument's share of the loss (realised into the account's settlement asset, no fees).
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import { enforce } from '../allowed/verdict.ts';
import { allocateRule } from '../allowed/defaults.ts';
import type { InputOf } from '../../../shared/contract.ts';
import { AUTOMATIC_RECOVERY_TOOLS, type RecoveryComparison, type RecoveryPolicyResult, type LedgerRecoveryTool } from '../../../shared/contractRecovery.ts';
import { allocateRecovery, memberTotals, type RecoveryInput, type RecoveryResult, type AdlInstrument } from '../../engine/recoveryAllocation.ts';
import { closeEffect, cashToQuantity } from '../../engine/closeMath.ts';
import { readPolicy, readInstruments, readPositions } from '../../ledger/bookRepo.ts';
import { latestCycle, cycleRunAt } from '../../ledger/cycleRepo.ts';
import { depositsBetween } from '../../ledger/callRepo.ts';
import { readCycleResults } from '../../ledger/cycleResults.ts';
import { accountColumns } from '../../ledger/consoleRepo.ts';
import { writePosition, addCollateral } from '../../ledger/holdingsRepo.ts';
import { addCashCollateral, cashAsset } from '../../ledger/collateralRepo.ts';
import { settlementAt } from '../liquidations/execute.ts';
import { limitGate } from '../lifecycle/limits.ts';
import { readMembers, memberAccounts } from '../../ledger/memberRepo.ts';
import { closeOutPositions, memberAllocations, insertLayers, insertRecoveryAllocation, updateCase, addCaseEvent, type CaseRow } from '../../ledger/defaultRepo.ts';
import { caseDetail, loadCase } from './views.ts';
import { subBook, evaluateAll, priceTimeOf } from './book.ts';
import { formatAmount } from '../../../shared/units.ts';
import { RuleError } from '../../../shared/errors.ts';

/** The recovery tools the engine applies by itself, in the methodology's order (§8.1 layer 7). */
export const AUTOMATIC_TOOLS: readonly LedgerRecoveryTool[] = AUTOMATIC_RECOVERY_TOOLS;

interface Snapshot {
  asOf: string;
  input: Omit<RecoveryInput, 'tools'>;
}

/** What the recovery tools act on besides the loss: VM gains since the default and the opposing positions (see the header). */
export function recoveryMarket(db: Database, c: CaseRow, asOf: string): Pick<RecoveryInput, 'vmGains' | 'adl'> {
  const members = readMembers(db);
  const defaulted = new Set(members.filter((m) => m.status === 'defaulted').map((m) => m.id));
  const owner = accountColumns(db);
  const memberOf = new Map(owner.id.map((id, i) => [id, owner.member[i]!]));

  const vmGains: RecoveryInput['vmGains'][number][] = [];
  const latest = latestCycle(db);
  if (c.baselineCycle !== null && latest && latest.id !== c.baselineCycle) {
    const before = readCycleResults(db, c.baselineCycle);
    const after = readCycleResults(db, latest.id);
    const base = new Map(before.ids.map((id, i) => [id, before.equity[i]!]));
    // Cash paid in against margin calls between the two cycles raised equity without any market gain: it is not VM.
    const paidIn = depositsBetween(db, cycleRunAt(db, c.baselineCycle), cycleRunAt(db, latest.id));
    after.ids.forEach((id, i) => {
      const m = memberOf.get(id);
      const b = base.get(id);
      if (m === undefined || b === undefined || defaulted.has(m)) return;
      const gain = after.equity[i]! - b - (paidIn.get(id) ?? 0n);
      if (gain > 0n) vmGains.push({ account: id, member: m, gain });
    });
  }

  const net = new Map<string, bigint>();
  for (const p of closeOutPositions(db, c.id)) net.set(p.instrument, (net.get(p.instrument) ?? 0n) + p.quantity);
  const adl: AdlInstrument[] = [];
  if ([...net.values()].some((q) => q !== 0n)) {
    const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
    const book = subBook(db, asOf, (a) => !defaulted.has(a.member));
    const results = evaluateAll(book);
    for (const [instrument, q] of [...net].sort()) {
      const mark = book.marks.get(instrument);
      if (q === 0n || mark === undefined) continue;
      adl.push({
        instrument,
        lotTickValue: instruments.get(instrument)!.lotTickValue,
        lotTickScale: instruments.get(instrument)!.lotTickScale,
        mark,
        defaulterQuantity: q,
        candidates: book.positions
          .filter((p) => p.instrument === instrument && p.isolatedMargin === null && p.quantity !== 0n && p.quantity > 0n !== q > 0n)
          .map((p) => ({ account: p.account, member: memberOf.get(p.account)!, quantity: p.quantity, entryValue: p.entryValue, equity: results.get(p.account)!.equity })),
      });
    }
  }
  return { vmGains, adl };
}

function snapshot(db: Database, c: CaseRow, asOf: string): Snapshot {
  const defaulted = new Set(readMembers(db).filter((m) => m.status === 'defaulted').map((m) => m.id));
  // Pro rata to the contributions the waterfall saw (before it used them), not to what is left of them.
  const survivors = memberAllocations(db, c.id)
    .filter((m) => !defaulted.has(m.member))
    .map((m) => ({ member: m.member, defaultFund: m.defaultFund }));
  return { asOf, input: { ...recoveryMarket(db, c, asOf), loss: c.residual ?? 0n, amountScale: readPolicy(db).amountScale, survivors } };
}

function policyView(tools: LedgerRecoveryTool[], r: RecoveryResult): RecoveryPolicyResult {
  return {
    tools,
    layers: r.layers.map((l) => ({ name: l.name, available: formatAmount(l.available), used: formatAmount(l.used), remaining: formatAmount(l.remaining) })),
    uncovered: formatAmount(r.uncovered),
    members: [...memberTotals(r)]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([member, t]) => ({ member, total: formatAmount(t.total), byTool: Object.fromEntries([...t.byTool].map(([k, v]) => [k, formatAmount(v)])) })),
  };
}

function needResidual(c: CaseRow): void {
  enforce(allocateRule(c));
}

export function compareCommand(ctx: CommandContext, input: InputOf<'default.compare'>): RecoveryComparison {
  const c = loadCase(ctx.db, input.case);
  needResidual(c);
  const s = snapshot(ctx.db, c, priceTimeOf(ctx.db, ctx.now()));
  const a = allocateRecovery({ ...s.input, tools: input.a });
  const b = allocateRecovery({ ...s.input, tools: input.b });
  const ta = memberTotals(a);
  const tb = memberTotals(b);
  const ids = [...new Set([...ta.keys(), ...tb.keys()])].sort();
  return {
    case: c.id,
    residual: formatAmount(s.input.loss),
    asOf: s.asOf,
    policies: [policyView(input.a, a), policyView(input.b, b)],
    members: ids.map((m) => {
      const x = ta.get(m)?.total ?? 0n;
      const y = tb.get(m)?.total ?? 0n;
      return { member: m, a: formatAmount(x), b: formatAmount(y), difference: formatAmount(y - x) };
    }),
  };
}

export function allocateCommand(ctx: CommandContext, input: InputOf<'default.allocate'>): Handled<'default.allocate'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const c = loadCase(db, input.case);
  needResidual(c);
  const pt = priceTimeOf(ctx.db, ctx.now());
  const s = snapshot(db, c, pt);
  const r = allocateRecovery({ ...s.input, tools: input.tools });
  // The automatic path: every tool, in the methodology's order (§8.1 layer 7), on the same snapshot.
  const automatic = allocateRecovery({ ...s.input, tools: [...AUTOMATIC_TOOLS] });
  const cash = cashAsset(db);
  const policy = readPolicy(db);
  const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
  const house = new Map<string, string | null>();
  const closing = r.allocations.find((a) => a.close !== undefined)?.tool;
  const settlement = closing ? settlementAt(db, pt) : null;
  // ADL and tear-up close positions at a price worse than the mark: the equity it takes can raise an account's
  // leverage over its limit. Measured on the accounts they close, after every tool (a haircut on the same account
  // counts too).
  const gate = limitGate(ctx, r.allocations.flatMap((a) => (a.close ? [a.close.account] : [])), (_account, message) => {
    throw new RuleError('limit_breached', `${closing === 'partialTearUp' ? 'partial tear-up' : 'auto-deleveraging'} refused: ${message}`);
  });
  for (const a of r.allocations) {
    let account = a.account;
    let detail: Record<string, unknown> = {};
    if (a.tool === 'vmGainsHaircut') {
      addCashCollateral(db, a.account!, cash, -a.amount, 'tools');
    } else if (a.tool === 'socialisedLoss') {
      if (!house.has(a.member)) house.set(a.member, memberAccounts(db, a.member).find((x) => x.kind === 'house')?.id ?? null);
      account = house.get(a.member)!;
      if (account === null) throw new RuleError('no_house_account', `member ${a.member} has no house account to charge its share of the socialised loss to`);
      addCashCollateral(db, account, cash, -a.amount, 'tools');
    } else {
      const x = a.close!;
      const inst = instruments.get(x.instrument)!;
      const pos = readPositions(db, x.account).find((p) => p.instrument === x.instrument)!;
      const close = pos.quantity > 0n ? x.lots : -x.lots;
      const eff = closeEffect({ quantity: pos.quantity, entryValue: pos.entryValue, close, price: x.price, inst, policy: { ...policy, liquidationFeeRate: 0n, insuranceFeeRate: 0n } });
      writePosition(db, pos.quantity === close ? { account: x.account, instrument: x.instrument, closed: true } : { ...pos, quantity: pos.quantity - close, entryValue: pos.entryValue - eff.portion });
      addCollateral(db, x.account, settlement!.asset.id, cashToQuantity(settlement, eff.cash));
      detail = { instrument: x.instrument, lots: String(x.lots), price: String(x.price), realised: formatAmount(eff.realised) };
    }
    insertRecoveryAllocation(db, c.id, { tool: a.tool, member: a.member, account, amount: a.amount, detail: JSON.stringify(detail) });
  }
  gate.check();
  insertLayers(db, c.id, r.layers);
  updateCase(db, c.id, { status: 'recovered', recoveryTools: input.tools, recoveredAt: at, uncovered: r.uncovered }, at);
  const layers = r.layers.map((l) => ({ name: l.name, available: formatAmount(l.available), used: formatAmount(l.used), remaining: formatAmount(l.remaining) }));
  addCaseEvent(db, c.id, {
    at,
    actor: ctx.actor.name,
    kind: 'recovered',
    note: `recovery tools ${input.tools.join(', ')}: ${formatAmount((c.residual ?? 0n) - r.uncovered)} covered, ${formatAmount(r.uncovered)} uncovered`,
    detail: { layers, asOf: pt },
  });
  return { output: caseDetail(db, c.id), journal: {
      result: {
        case: c.id,
        tools: input.tools,
        layers,
        uncovered: formatAmount(r.uncovered),
        allocations: r.allocations.length,
        automatic: { tools: AUTOMATIC_TOOLS, uncovered: formatAmount(automatic.uncovered) },
      },
    },
  };
}
