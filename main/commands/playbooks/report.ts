// A run's report (issue 16 item 5): the steps against their targets, the timeline and actors from the ledger's journal
// (in a drill, the sandbox's own), the decisions people took beside the engine's automatic path, the default case's
// losses and waterfall, Cover-1 and Cover-2 at start and end, and the score. Built from what the ledger holds, so a
// report reads the same whenever it is asked for, an aborted run's included.
import { Decimal } from 'decimal.js';
import type { CommandContext } from '../context.ts';
import type {
  CoverSnapshot,
  PlaybookDefinition,
  RunChoice,
  RunDecision,
  RunHead,
  RunLosses,
  RunReport,
  RunReportBrief,
  RunStepReport,
  RunTimelineEntry,
} from '../../../shared/contractPlaybook.ts';
import { InputError } from '../../../shared/errors.ts';
import { DRILL_SCENARIOS, type DrillScenarioId } from '../../../shared/contractPlaybook.ts';
import { AUTOMATIC_RECOVERY_TOOLS } from '../../../shared/contractRecovery.ts';
import { runSteps, type RunRow } from '../../ledger/playbookRepo.ts';
import { scanJournal, type JournalEntry } from '../../ledger/journal.ts';
import { caseDetail } from '../recovery/views.ts';
import { runLedgerStress } from '../recovery/stress.ts';
import { priceTimeOf } from '../recovery/book.ts';
import { DRILL_CLOCK, happened } from './drillClock.ts';
import { choicesOf, choicesAgainstAutomatic } from './choices.ts';
import { closeOutAgainstMarks } from '../overrides/costs.ts';
import { overrideOf } from '../overrides/journalled.ts';
import type { OverrideRecord } from '../../../shared/contractReports.ts';

/** Cover-1 and Cover-2 over every stress scenario at the latest marks, as the run starts or ends. */
export function coverNow(ctx: CommandContext): CoverSnapshot {
  const r = runLedgerStress(ctx.db, priceTimeOf(ctx.db, ctx.now()), undefined);
  return { asOf: r.asOf, prefunded: r.prefunded.total, cover1: r.cover1, cover2: r.cover2 };
}

function seconds(from: string, to: string): number {
  return Math.floor((Date.parse(to) - Date.parse(from)) / 1000);
}

export function stepsOf(ctx: CommandContext, run: RunRow, def: PlaybookDefinition): RunStepReport[] {
  return runSteps(ctx.db, run.id).map((r) => {
    const s = def.steps[r.step - 1]!;
    const secs = r.endedAt === null ? null : seconds(r.startedAt, r.endedAt) - r.pausedSeconds;
    return {
      index: r.step,
      title: s.title,
      kind: s.kind,
      status: r.status,
      actor: r.actor,
      secondActor: r.secondActor,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      seconds: secs,
      targetSeconds: s.targetSeconds,
      onTime: r.status === 'done' ? secs! <= s.targetSeconds : r.endedAt === null ? null : false,
      outcome: r.outcome,
      note: r.note,
      why: r.why,
    };
  });
}

function parse(text: string): Record<string, unknown> {
  const v = JSON.parse(text) as unknown;
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** What an entry did, in a line: its reason or note when it gives one. */
function gist(e: JournalEntry, payload: Record<string, unknown>): string {
  const said = [payload.reason, payload.note].find((x): x is string => typeof x === 'string' && x !== '');
  const ids = ['id', 'case', 'member', 'account'].filter((k) => payload[k] !== undefined).map((k) => `${k} ${String(payload[k])}`);
  return [e.command, ids.join(', '), said ? `"${said}"` : ''].filter((x) => x !== '').join(' ');
}

/**
 * The run's own entries (its start, steps and abort) and every command the run's people ran while it ran: in a live
 * ledger others keep working, and a price feed ticks, so only the run's actors' commands belong to its timeline.
 */
type Entry = RunTimelineEntry & { payload: Record<string, unknown>; result: Record<string, unknown>; override?: OverrideRecord | null };

function timelineOf(ctx: CommandContext, run: RunRow, people: Set<string>): Entry[] {
  const to = run.endedAt === null ? undefined : new Date(Date.parse(run.endedAt) + 1).toISOString();
  const out: Entry[] = [];
  for (const e of scanJournal(ctx.db, { from: run.startedAt, ...(to ? { to } : {}), newestFirst: false })) {
    const payload = parse(e.payload);
    const result = parse(e.result);
    if (e.command.startsWith('playbooks.')) {
      const mine = e.command === 'playbooks.start' ? result.run === run.id : payload.run === run.id;
      if (!mine) continue;
      if (e.command === 'playbooks.start') out.push({ at: e.at, actor: e.actor, command: e.command, step: null, what: `started ${run.playbook} v${run.version} (${run.mode})`, payload, result });
      else if (e.command === 'playbooks.abort') out.push({ at: e.at, actor: e.actor, command: e.command, step: null, what: `aborted: ${String(payload.reason)}`, payload, result });
      else if (e.command === 'playbooks.pause') out.push({ at: e.at, actor: e.actor, command: e.command, step: null, what: `paused: ${String(payload.reason)}`, payload, result });
      else if (e.command === 'playbooks.resume') out.push({ at: e.at, actor: e.actor, command: e.command, step: null, what: 'resumed', payload, result });
      // The drill clock's beats and the conductor's injections are in the timeline as the events they made happen.
      else if (e.command === 'playbooks.fire' || e.command === 'playbooks.inject') continue;
      else {
        const status = String(result.stepStatus);
        const detail = status === 'refused' ? `refused: ${String(result.why)}` : status === 'awaiting_second' ? 'first sign-off, waiting for a second person' : `done: ${String(result.outcome)}`;
        out.push({ at: e.at, actor: e.actor, command: e.command, step: Number(result.step), what: `step ${String(result.step)} "${String(result.title)}" ${detail}`, payload, result });
      }
    } else if (people.has(e.actor)) out.push({ at: e.at, actor: e.actor, command: e.command, step: null, what: gist(e, payload), payload, result, override: overrideOf(e) });
  }
  return out;
}

/**
 * The engine's automatic path where a person overrode it, for an entry journalled before overrides recorded their
 * own (result.override); commands not listed here are not overrides.
 */
function automaticFor(command: string, payload: Record<string, unknown>, losses: RunLosses | null): string | null | undefined {
  switch (command) {
    case 'liquidations.reject':
    case 'liquidations.hold':
      return `proposal ${String(payload.id)} executes as the engine planned it`;
    case 'liquidations.approve':
      return payload.orders === undefined ? undefined : `proposal ${String(payload.id)} with the engine's orders, unedited`;
    case 'calls.waive':
      return `call ${String(payload.id)} stands until met, and is escalated when overdue`;
    case 'calls.extend':
      return `call ${String(payload.id)} keeps its deadline`;
    case 'automation.set':
      return payload.enabled === false ? 'automation executes liquidation proposals at each cycle' : undefined;
    case 'default.award':
      return losses?.closeOut ? `close-out at the marks: loss ${losses.closeOut.automaticLoss}` : 'close-out at the marks';
    case 'default.allocate':
      return `the recovery tools in the methodology's order (${AUTOMATIC_RECOVERY_TOOLS.join(', ')})`;
    case 'default.port':
      return 'no port: every account of the defaulter closed out';
    case 'policies.change':
      return `${String(payload.key)} keeps its value`;
    default:
      return undefined;
  }
}

function decisionsOf(def: PlaybookDefinition, steps: RunStepReport[], timeline: ReturnType<typeof timelineOf>, losses: RunLosses | null): RunDecision[] {
  const out: RunDecision[] = [];
  for (const s of steps) {
    const step = def.steps[s.index - 1]!;
    if (step.kind === 'manual' && step.outcomes && s.status === 'done' && s.outcome !== null) {
      out.push({ at: s.endedAt!, actor: s.actor!, step: s.index, decision: `${s.title}: ${s.outcome}`, automatic: null });
    }
  }
  for (const t of timeline) {
    if (t.command.startsWith('playbooks.')) continue;
    const automatic = t.override ? t.override.automatic : automaticFor(t.command, t.payload, losses);
    if (automatic !== undefined) out.push({ at: t.at, actor: t.actor, step: null, decision: t.what, automatic });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * The case the run managed (its "case" value), if any. The automatic path closes out at the marks; an auction's
 * bids are priced against the marks (BidView.amount), so the close-out at the marks would have lost the auction's
 * loss plus what the winning bids paid over them.
 */
function lossesOf(ctx: CommandContext, run: RunRow, choices: RunChoice[]): RunLosses | null {
  const id = run.vars.case;
  if (typeof id !== 'number') return null;
  let c;
  try {
    c = caseDetail(ctx.db, id);
  } catch (e) {
    if (e instanceof InputError) return null;
    throw e;
  }
  // An award records the engine's own close-out loss at that moment, exact; an older one is priced at the marks.
  const award = choices.find((x) => x.channel === 'default.award' && x.automaticLoss !== null);
  const atMarks = closeOutAgainstMarks(c);
  const closeOut: RunLosses['closeOut'] = atMarks && atMarks.method === 'auction' && award ? { ...atMarks, automaticLoss: award.automaticLoss! } : atMarks;
  return {
    case: c.id,
    member: c.member,
    closeOut,
    waterfall: c.waterfall ? { layers: c.waterfall.layers, residual: c.waterfall.residual } : null,
    uncovered: c.uncovered,
  };
}

export function headOf(run: RunRow, def: PlaybookDefinition): RunHead {
  return {
    run: run.id,
    playbook: run.playbook,
    name: def.name,
    version: run.version,
    mode: run.mode,
    status: run.status,
    startedBy: run.startedBy,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    why: run.abortReason,
  };
}

export function buildReport(ctx: CommandContext, run: RunRow, def: PlaybookDefinition): RunReport {
  const steps = stepsOf(ctx, run, def);
  const people = new Set([run.startedBy, ...steps.flatMap((s) => [s.actor, s.secondActor]).filter((x): x is string => x !== null)]);
  const entries = timelineOf(ctx, run, people);
  const timeline: RunTimelineEntry[] = entries.map(({ payload: _p, result: _r, ...t }) => t);
  const choices = choicesOf(entries);
  const losses = lossesOf(ctx, run, choices);
  const actors = [...people].sort().map((name) => ({
    name,
    steps: [...new Set(steps.filter((s) => s.actor === name || s.secondActor === name).map((s) => s.index))],
    commands: timeline.filter((t) => t.actor === name && !t.command.startsWith('playbooks.')).length,
  }));
  const onTime = steps.filter((s) => s.onTime === true).length;
  const start = (run.covers.start as CoverSnapshot | undefined) ?? null;
  const end = (run.covers.end as CoverSnapshot | undefined) ?? null;
  const co = losses?.closeOut ?? null;
  const sc = run.scenario;
  const events = happened(ctx, run, run.endedAt ? new Date(run.endedAt) : ctx.now());
  for (const e of events) timeline.push({ at: e.at, actor: e.by ?? DRILL_CLOCK.name, command: 'drill.inject', step: null, what: `injected${e.by ? ' by hand' : ''}: ${e.text}${e.effect ? ` (${e.effect})` : ''}` });
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  return {
    ...headOf(run, def),
    scenario: sc
      ? { id: sc.id, name: DRILL_SCENARIOS[sc.id as DrillScenarioId]?.name ?? sc.id, acceleration: sc.acceleration, delivered: run.scenarioDone, points: sc.points.length }
      : null,
    events,
    steps,
    timeline,
    actors,
    decisions: decisionsOf(def, steps, entries, losses),
    losses,
    choices,
    cover: { start, end },
    score: {
      onTime,
      steps: steps.length,
      ratio: steps.length === 0 ? '0' : new Decimal(onTime).div(steps.length).toDecimalPlaces(4, Decimal.ROUND_DOWN).toString(),
      loss: co?.loss ?? null,
      automaticLoss: co?.automaticLoss ?? null,
      lossAgainstAutomatic: choicesAgainstAutomatic(choices) ?? (co ? new Decimal(co.loss).minus(co.automaticLoss).toFixed() : null),
      cover2Held: end === null ? null : end.cover2.covered,
    },
  };
}

/** The report in the shape `riskdesk playbook report --json` prints (issue 16 item 6): a refused or aborted step's outcome says why. */
export function briefOf(r: RunReport): RunReportBrief {
  return {
    run: r.run,
    playbook: r.playbook,
    mode: r.mode,
    status: r.status,
    steps: r.steps.map((s) => ({
      index: s.index,
      title: s.title,
      kind: s.kind,
      actor: s.actor,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      seconds: s.seconds,
      targetSeconds: s.targetSeconds,
      outcome: s.status === 'refused' || s.status === 'aborted' ? `${s.status}: ${s.why ?? ''}` : s.outcome,
    })),
    score: r.score,
  };
}
