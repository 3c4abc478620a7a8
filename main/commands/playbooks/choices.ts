// A run's recovery choices beside the engine's automatic alternatives (issue 16 item 5, "loss against the automatic
// path"). Each choice's command worked its automatic alternative out at the moment it ran, on the same ledger, in a
// savepoint it undid (an award and a port: the loss of default.closeOut then; the recovery tools: all of them in the
// methodology's order on the same snapshot), and its journal entry records both. The report only reads them, so the
// figures are exact and the same whenever the report is asked for.
import { Decimal } from 'decimal.js';
import type { RunChoice } from '../../../shared/contractPlaybook.ts';

/** A journal entry of the run's timeline, its payload and result parsed. */
export interface TimelineEntry {
  at: string;
  actor: string;
  command: string;
  payload: Record<string, unknown>;
  result: Record<string, unknown>;
}

type Outcome = { loss: string } | { refused: string } | undefined;

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** The command an entry ran and what it returned: a confirmed held command's own, or a command run directly. */
function executed(e: TimelineEntry): { channel: string; payload: Record<string, unknown>; result: Record<string, unknown> } | null {
  if (e.command === 'approvals.confirm') return { channel: String(e.result.channel), payload: obj(e.result.payload), result: obj(e.result.result) };
  // A held request ('approval' in its result) decided nothing yet.
  if (e.result.approval !== undefined) return null;
  return { channel: e.command, payload: e.payload, result: e.result };
}

function amounts(loss: Outcome, automatic: Outcome): Pick<RunChoice, 'loss' | 'automaticLoss' | 'difference' | 'why'> {
  const chosen = loss && 'loss' in loss ? loss.loss : null;
  const auto = automatic && 'loss' in automatic ? automatic.loss : null;
  const why = automatic && 'refused' in automatic ? `the automatic alternative could not run: ${automatic.refused}` : loss && 'refused' in loss ? `the choice's own figure could not be worked out: ${loss.refused}` : null;
  return {
    loss: chosen,
    automaticLoss: auto,
    difference: chosen !== null && auto !== null ? new Decimal(chosen).minus(auto).toFixed() : null,
    why: chosen === null && auto === null && why === null ? 'recorded before choices carried their automatic alternative' : why,
  };
}

function choiceOf(e: TimelineEntry): RunChoice | null {
  const x = executed(e);
  if (x === null) return null;
  const r = x.result;
  const automatic = obj(r.automatic);
  const base = { at: e.at, actor: e.actor };
  switch (x.channel) {
    case 'default.award': {
      const winners = Array.isArray(r.winners) ? (r.winners as { member: string; lot: string; amount: string }[]) : [];
      return {
        ...base,
        channel: 'default.award',
        chosen: `case ${String(r.case)} awarded at auction to ${winners.map((w) => `${w.member} (${w.lot === '*' ? 'the whole portfolio' : w.lot}, ${w.amount})`).join(', ')}`,
        automatic: 'the engine closes the portfolio out through the liquidation machinery (default.closeOut)',
        measure: 'close-out loss',
        ...amounts(r.closeOutLoss as Outcome, automatic.closeOutLoss as Outcome),
      };
    }
    case 'default.port': {
      const accounts = Array.isArray(r.accounts) ? (r.accounts as string[]) : [];
      return {
        ...base,
        channel: 'default.port',
        chosen: `case ${String(r.case)}: ${accounts.length} client account(s) ported to ${String(r.to)} (${accounts.slice(0, 5).join(', ')}${accounts.length > 5 ? ', ...' : ''}), the rest closed out`,
        automatic: 'no port: every account of the defaulter closed out by the engine (default.closeOut)',
        measure: 'close-out loss',
        ...amounts(r.closeOutLoss as Outcome, automatic.closeOutLoss as Outcome),
      };
    }
    case 'default.allocate': {
      const tools = Array.isArray(r.tools) ? (r.tools as string[]) : [];
      const autoTools = Array.isArray(automatic.tools) ? (automatic.tools as string[]) : [];
      return {
        ...base,
        channel: 'default.allocate',
        chosen: `case ${String(r.case)}: recovery tools ${tools.join(', ')}`,
        automatic: `the recovery tools in the methodology's order: ${autoTools.join(', ') || '(not recorded)'}`,
        measure: 'uncovered after the recovery tools',
        ...amounts(typeof r.uncovered === 'string' ? { loss: r.uncovered } : undefined, typeof automatic.uncovered === 'string' ? { loss: automatic.uncovered } : undefined),
      };
    }
    default:
      return null;
  }
}

export function choicesOf(entries: TimelineEntry[]): RunChoice[] {
  return entries.flatMap((e) => {
    const c = choiceOf(e);
    return c ? [c] : [];
  });
}

/** The sum of the choices' differences, or null when no choice has one. */
export function choicesAgainstAutomatic(choices: RunChoice[]): string | null {
  const known = choices.filter((c) => c.difference !== null);
  return known.length === 0 ? null : known.reduce((s, c) => s.plus(c.difference!), new Decimal(0)).toFixed();
}
