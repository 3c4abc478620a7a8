// The what-if computation (methodology §10): validate, convert exactly, evaluate with the same engine as the
// margin cycle, and report every figure as a decimal string. No ledger, no clock.
import { marginInputSchema, type MarginOutput, type AccountOut } from './schema.ts';
import { toBook } from './toBook.ts';
import { evaluateAccounts } from '../../engine/evaluate.ts';
import { positionLiquidationPrice, positionBankruptcyPrice } from '../../engine/positionLiquidation.ts';
import { scannedPositionViews, type ScannedView } from '../../engine/scannedPrices.ts';
import { formatAmount, divRound, formatUnits, unitsOf } from '../../../shared/units.ts';
import { planAccount, planContext, type PlanContext } from '../../engine/liquidationPlan.ts';
import type { Book, Instrument } from '../../engine/model.ts';
import type { AccountResult, PositionResult } from '../../engine/results.ts';
import { scenarioLabel } from '../../engine/portfolio/scenarios.ts';
import { bookRisk, type Greeks, type InstrumentRisk } from '../../engine/portfolio/riskArrays.ts';
import { positionGreeks, sumGreeks, greeksText } from '../../engine/portfolio/greeks.ts';
import { schemaError } from '../../../shared/errors.ts';

/** equity / MM to 8 decimal places, half-even; null when MM is zero (infinite health). */
export function health(equity: bigint, mm: bigint): string | null {
  if (mm === 0n) return null;
  return formatUnits(divRound(equity * 100_000_000n, mm, 'halfEven'), 8, 8);
}

function planOf(book: Book, pc: PlanContext, r: AccountResult, instruments: Map<string, Instrument>): NonNullable<AccountOut['liquidationPlan']> {
  const positions = r.positions.map((p) => book.positions.find((x) => x.account === r.id && x.instrument === p.instrument)!);
  const collateral = book.collateral.filter((c) => c.account === r.id);
  const plan = planAccount(pc, { id: r.id, positions, collateral, cross: r });
  return (plan?.orders ?? []).map((o) => {
    const inst = instruments.get(o.instrument)!;
    return {
      instrument: o.instrument,
      side: o.side,
      quantity: unitsOf(o.lots, inst.lot),
      estimatedPrice: unitsOf(o.price, inst.tick),
      fee: formatAmount(o.liquidationFee + o.insuranceFee),
    };
  });
}

/** A position's figures with the liquidation and bankruptcy prices given. */
function positionOut(p: PositionResult, liquidationPrice: string | null, bankruptcyPrice: string | null): AccountOut['positions'][number] {
  return {
    instrument: p.instrument,
    notional: formatAmount(p.notional),
    upnl: formatAmount(p.upnl),
    im: formatAmount(p.im),
    mm: formatAmount(p.mm),
    liquidationPrice,
    bankruptcyPrice,
  };
}

function portfolioPosition(p: PositionResult, g: Greeks | null, sv: ScannedView | null): AccountOut['positions'][number] {
  return { ...positionOut(p, sv?.liquidationPrice ?? null, sv?.bankruptcyPrice ?? null), ...(g ? { greeks: greeksText(g) } : {}) };
}

const greeksOf = (g: AccountOut['greeks']) => (g ? { greeks: g } : {});

/** An account's greeks: the sum over its portfolio positions; undefined when it holds none. */
function accountGreeks(book: Book, id: string, instruments: Map<string, Instrument>, risk: Map<string, InstrumentRisk>): AccountOut['greeks'] {
  const held = book.positions.filter((x) => x.account === id && instruments.get(x.instrument)!.margin === 'portfolio');
  return held.length === 0 ? undefined : greeksText(sumGreeks(held.map((x) => positionGreeks(x, instruments.get(x.instrument)!, risk))));
}

export function computeWhatIf(json: unknown): MarginOutput {
  const parsed = marginInputSchema.safeParse(json);
  if (!parsed.success) throw schemaError('margin', parsed.error);
  const { book } = toBook(parsed.data);
  const instruments = new Map(book.instruments.map((x) => [x.id, x]));
  const results = evaluateAccounts(book);
  const risk = bookRisk(book);
  const pc = planContext(book);
  const accounts: AccountOut[] = results.map((r) => accountOut(r, scannedPositionViews(book, r.id)));
  return { accounts };

  function accountOut(r: (typeof results)[number], scanned: ReturnType<typeof scannedPositionViews>): AccountOut {
    return {
      id: r.id,
      equity: formatAmount(r.equity),
      im: formatAmount(r.im),
      mm: formatAmount(r.mm),
      health: health(r.equity, r.mm),
      status: r.status,
      call: r.callAmount === null ? null : formatAmount(r.callAmount, book.policy.amountScale),
      positions: r.positions.map((p) => {
        const inst = instruments.get(p.instrument)!;
        const pos = book.positions.find((x) => x.account === r.id && x.instrument === p.instrument)!;
        // Margined with its combined commodity: its prices are found by scanning (engine/scannedPrices.ts).
        if (inst.margin === 'portfolio') return portfolioPosition(p, positionGreeks(pos, inst, risk), scanned(pos));
        const mark = book.marks.get(p.instrument)!;
        // An option's prices are found by scanning too (its value bends with its underlying's price).
        const sv = scanned(pos);
        const lp = sv ? sv.liquidationPrice : positionLiquidationPrice(r, pos, p, inst, mark);
        const bp = sv ? sv.bankruptcyPrice : positionBankruptcyPrice(r, pos, p, inst, mark);
        return {
          ...positionOut(p, lp, bp),
          ...(p.isolated
            ? { isolated: { equity: formatAmount(p.isolated.equity), im: formatAmount(p.isolated.im), mm: formatAmount(p.isolated.mm), status: p.isolated.status } }
            : {}),
        };
      }),
      ...greeksOf(accountGreeks(book, r.id, instruments, risk)),
      commodities: (r.commodities ?? []).map((c) => ({
        underlying: c.underlying,
        scanRisk: formatAmount(c.scanRisk),
        credits: formatAmount(c.credits),
        mm: formatAmount(c.mm),
        im: formatAmount(c.im),
        worstScenario: { scenario: c.worst, label: scenarioLabel(c.worst), pnl: formatAmount(c.scenarios[c.worst - 1]!) },
      })),
      ...(r.status === 'liquidation' || r.status === 'bankrupt' ? { liquidationPlan: planOf(book, pc, r, instruments) } : {}),
    };
  }
}
