// Stress tests (methodology §8.3, design.md §2.6): the editable scenario library and the run over the whole book at
// the latest prices. A run changes nothing (no journal entry); `runLedgerStress` takes a progress callback for long
// runs on large books (a console door runs it on a thread of its own, stressThread.ts, and relays the steps).
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { StressReport, StressScenarioView, CoverFigure } from '../../../shared/contractRecovery.ts';
import { stressSteps, type StressProgress, type CoverResult, type StressResult } from '../../engine/stress.ts';
import type { Book } from '../../engine/model.ts';
import { readBook } from '../../ledger/bookRepo.ts';
import { readShockKeys, readScenarios, upsertScenario, deleteScenario, type ScenarioRow } from '../../ledger/scenarioRepo.ts';
import { readMembers } from '../../ledger/memberRepo.ts';
import { readRecoveryPolicy } from '../../ledger/recoveryPolicyRepo.ts';
import { priceTimeOf } from './book.ts';
import { parseShocks } from '../shock.ts';
import { formatAmount } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';

const view = (s: ScenarioRow): StressScenarioView => ({ ...s });

export function listScenarios(ctx: CommandContext): StressScenarioView[] {
  return readScenarios(ctx.db).map(view);
}

export function saveScenario(ctx: CommandContext, input: InputOf<'stress.saveScenario'>): StressScenarioView {
  const known = readShockKeys(ctx.db);
  parseShocks(input.shocks, (k) => (known.has(k) ? null : `"${k}" is neither an underlying nor a collateral asset of this ledger`));
  const row: ScenarioRow = {
    id: input.id,
    name: input.name,
    kind: input.kind,
    description: input.description ?? '',
    shocks: Object.fromEntries(Object.entries(input.shocks).sort(([a], [b]) => (a < b ? -1 : 1))),
    updatedBy: ctx.actor.name,
    updatedAt: ctx.now().toISOString(),
  };
  upsertScenario(ctx.db, row);
  return view(readScenarios(ctx.db).find((s) => s.id === input.id)!);
}

export function deleteScenarioCommand(ctx: CommandContext, input: InputOf<'stress.deleteScenario'>): { deleted: string } {
  if (!deleteScenario(ctx.db, input.id)) throw new InputError(`no scenario "${input.id}"`, { field: 'id' });
  return { deleted: input.id };
}

function cover(c: CoverResult, prefunded: bigint): CoverFigure {
  return { amount: formatAmount(c.amount), scenario: c.scenario, members: c.members, surplus: formatAmount(prefunded - c.amount), covered: c.amount <= prefunded };
}

interface PreparedStress {
  t0: number;
  asOf: string;
  book: Book;
  members: ReturnType<typeof readMembers>;
  chosen: ScenarioRow[];
}

function prepareStress(db: Database, asOf: string, scenarioIds: readonly string[] | undefined): PreparedStress {
  const t0 = performance.now();
  const library = readScenarios(db);
  const chosen =
    scenarioIds === undefined
      ? library
      : scenarioIds.map((id, i) => {
          const s = library.find((x) => x.id === id);
          if (!s) throw new InputError(`no scenario "${id}"`, { field: `scenarios[${i}]` });
          return s;
        });
  if (chosen.length === 0) throw new RuleError('no_scenarios', 'the scenario library is empty: add a scenario first');
  const { book } = readBook(db, asOf);
  const held = new Set(book.positions.map((p) => p.instrument));
  for (const i of held) if (!book.marks.has(i)) throw new RuleError('no_price', `no price for instrument ${i} at or before ${asOf}`);
  for (const c of book.collateral) if (!book.assetPrices.has(c.asset)) throw new RuleError('no_price', `no price for asset ${c.asset} at or before ${asOf}`);
  book.instruments = book.instruments.filter((i) => held.has(i.id));
  // A defaulted member's book is the default case's (its loss allocated down the waterfall, its fund used): stress
  // measures the survivors, against the survivors' funds.
  const members = readMembers(db).filter((m) => m.status !== 'defaulted');
  const surviving = new Set(members.map((m) => m.id));
  const accounts = new Set(book.accounts.filter((a) => surviving.has(a.member)).map((a) => a.id));
  if (accounts.size < book.accounts.length) {
    book.accounts = book.accounts.filter((a) => accounts.has(a.id));
    book.positions = book.positions.filter((p) => accounts.has(p.account));
    book.collateral = book.collateral.filter((c) => accounts.has(c.account));
  }
  return { t0, asOf, book, members, chosen };
}

function stepsOf(p: PreparedStress, progress?: StressProgress): Generator<void, StressResult, void> {
  return stressSteps(
    p.book,
    p.members.map((m) => m.id),
    p.chosen.map((s) => ({ id: s.id, shocks: parseShocks(s.shocks, () => null, `scenario ${s.id} shocks`) })),
    progress,
  );
}

function reportOf(db: Database, p: PreparedStress, r: StressResult): StressReport {
  const { book, members, chosen } = p;
  const defaultFunds = members.reduce((s, m) => s + m.defaultFund, 0n);
  const tranche = readRecoveryPolicy(db).ccpFirstTranche;
  const prefunded = defaultFunds + tranche;
  const byId = new Map(chosen.map((s) => [s.id, s]));
  return {
    asOf: p.asOf,
    accounts: book.accounts.length,
    positions: book.positions.length,
    ms: Math.round(performance.now() - p.t0),
    prefunded: { defaultFunds: formatAmount(defaultFunds), ccpFirstTranche: formatAmount(tranche), total: formatAmount(prefunded) },
    scenarios: r.scenarios.map((s) => ({
      id: s.id,
      name: byId.get(s.id)!.name,
      kind: byId.get(s.id)!.kind,
      members: s.members.map((m) => ({
        member: m.member,
        marginHeld: formatAmount(m.marginHeld),
        pnl: formatAmount(m.pnl),
        stressLoss: formatAmount(m.stressLoss),
        uncovered: formatAmount(m.uncovered),
      })),
      cover1: formatAmount(s.cover1),
      cover2: formatAmount(s.cover2),
    })),
    cover1: cover(r.cover1, prefunded),
    cover2: cover(r.cover2, prefunded),
  };
}

/** The stress run over the ledger's whole book at the prices as of `asOf`. */
export function runLedgerStress(db: Database, asOf: string, scenarioIds: readonly string[] | undefined, progress?: StressProgress): StressReport {
  const p = prepareStress(db, asOf, scenarioIds);
  const steps = stepsOf(p, progress);
  for (;;) {
    const r = steps.next();
    if (r.done) return reportOf(db, p, r.value);
  }
}

export function stressRunCommand(ctx: CommandContext, input: InputOf<'stress.run'>): StressReport {
  return runLedgerStress(ctx.db, priceTimeOf(ctx.db, ctx.now()), input.scenarios);
}
