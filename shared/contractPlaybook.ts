// Recovery playbooks (issue 16, design.md §2.7): the playbook file's schema (imported and exported as JSON, and
// published as docs/schemas/playbook.schema.json), the views of runs and their reports, and the channels. Merged into
// the contract in contract.ts. Which channel an automated step may call, and whether a file's branches hold, is
// checked on the server (main/commands/playbooks/definition.ts): the console shows what it is told.
import { z } from 'zod';
import { ROLES, type Role } from './roles.ts';
import { id, reason, note, rowId } from './schemaParts.ts';
import { SIGNED_DECIMAL, UNSIGNED_DECIMAL } from './decimalString.ts';
import type { CoverFigure, WaterfallLayerView } from './contractRecovery.ts';
import type { ActionVerdict } from './contractAllowed.ts';
import { defineCommand, returns } from './command.ts';

const title = z.string().trim().min(1, 'a title is required').max(200);
const varName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a name of letters, digits and _ such as "member"');
/** A dotted path into a command's output: "id", "waterfall.layers.5.used". */
const outputPath = z.string().min(1).max(200).regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted path such as "waterfall.layers.5.used"');

/** "After this step, if step N's recorded outcome is X, go to step M" (steps are numbered from 1). */
export const playbookBranch = z
  .object({
    when: z.object({ step: z.number().int().min(1), outcome: z.string().min(1).max(200) }).strict(),
    goto: z.number().int().min(1),
  })
  .strict();

/** How an automated step's outcome is read from its command's output: the first rule that holds names it. */
export const outcomeRule = z
  .object({
    outcome: z.string().min(1).max(200),
    path: outputPath,
    /** Holds when the value at path is a decimal greater than this one. */
    above: z.string().regex(SIGNED_DECIMAL, 'expected a decimal string such as "0"').optional(),
    /** Holds when the value at path, as a string, is this. */
    equals: z.string().max(200).optional(),
  })
  .strict()
  .refine((r) => (r.above === undefined) !== (r.equals === undefined), { message: 'give exactly one of "above" and "equals"', path: ['above'] });

const common = {
  title,
  instructions: z.string().trim().min(1, 'instructions are required').max(4000),
  /** What the desk aims for, in seconds from the step's start to its completion. */
  targetSeconds: z.number().int().min(1).max(7 * 86_400),
  branches: z.array(playbookBranch).max(20).optional(),
};

export const manualStep = z
  .object({
    kind: z.literal('manual'),
    ...common,
    /** The least role that may sign it off. */
    role: z.enum(ROLES),
    /** A second, different person signs it off too. */
    fourEyes: z.boolean().optional(),
    /** The outcomes a sign-off chooses from (--outcome); without a list, the outcome is "signed off". */
    outcomes: z.array(z.string().min(1).max(200)).min(1).max(20).optional(),
  })
  .strict();

export const automatedStep = z
  .object({
    kind: z.literal('automated'),
    ...common,
    /** A contract channel, run through the dispatcher as the user who performs the step. */
    channel: z.string().min(1).max(100),
    /**
     * Its payload. A string "${name}" is replaced by the run's parameter or captured value of that name (kept as a
     * number when it is one); "${now+24h}" by the run's clock plus so many hours; "${name}" inside a longer string
     * is written into it.
     */
    params: z.record(z.string(), z.unknown()).optional(),
    /** Values kept from the output for later steps: name -> dotted path ("case": "id"). */
    capture: z.record(varName, outputPath).optional(),
    outcomes: z.array(outcomeRule).max(20).optional(),
  })
  .strict();

export const playbookStep = z.discriminatedUnion('kind', [manualStep, automatedStep]);

export const playbookDefinition = z
  .object({
    id: id,
    name: title,
    description: z.string().max(4000).optional(),
    /** Given when a run starts (riskdesk playbook start --param member=NGC); a default makes one optional. */
    parameters: z
      .array(
        z
          .object({
            name: varName,
            description: z.string().max(500),
            default: z.string().max(200).optional(),
            /** "integer": given as digits, passed to commands as a number (a case id); "string" by default. */
            type: z.enum(['string', 'integer']).optional(),
          })
          .strict(),
      )
      .max(20)
      .optional(),
    steps: z.array(playbookStep).min(1, 'a playbook has at least one step').max(200),
    /** Written by export; ignored on import (a stored change is always the next version). */
    version: z.number().int().min(1).optional(),
  })
  .strict();

export type PlaybookDefinition = z.infer<typeof playbookDefinition>;
export type PlaybookStep = z.infer<typeof playbookStep>;

/**
 * The market scenarios a drill replays while it runs: real days from the data folder's daily files (../shared/data),
 * bridged intraday and rescaled to the book's marks, delivered on the drill's clock.
 */
export const DRILL_SCENARIOS = {
  'march-2020': { name: 'March 2020: the COVID crash', from: '2020-03-09', to: '2020-03-16' },
  'may-2021': { name: 'May 2021: the crypto crash', from: '2021-05-12', to: '2021-05-23' },
  luna: { name: 'May 2022: the LUNA collapse', from: '2022-05-06', to: '2022-05-13' },
  ftx: { name: 'November 2022: the FTX week', from: '2022-11-06', to: '2022-11-13' },
} as const;
export type DrillScenarioId = keyof typeof DRILL_SCENARIOS;
export const DRILL_SCENARIO_IDS = Object.keys(DRILL_SCENARIOS) as DrillScenarioId[];

/** A scenario as a drill starts with it: its path (made by the door from the data files) and how fast the drill's clock runs. */
export const drillScenario = z
  .object({
    id: z.enum(DRILL_SCENARIO_IDS as [DrillScenarioId, ...DrillScenarioId[]]),
    /** Market seconds per second of the drill: 288 plays a market day in 5 minutes. */
    acceleration: z.number().int().min(1).max(86_400),
    points: z
      .array(z.object({ at: z.number().int(), instrument: id, price: z.string().regex(UNSIGNED_DECIMAL) }).strict())
      .min(1)
      .max(50_000),
  })
  .strict();

const minute = z.number().int().min(0).max(7 * 1440);
/**
 * Events a drill injects at so many minutes of the drill's clock (pauses left out): the feed goes stale (the
 * scenario's marks stop until it comes back, then catch up), a member misses its margin calls, a member defaults.
 * Each appears in the Runner and the report when its time comes; the desk responds as the playbook says.
 */
export const injectedEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stale'), at: minute, until: minute }).strict(),
  z.object({ kind: z.literal('missedCall'), at: minute, member: id }).strict(),
  z.object({ kind: z.literal('default'), at: minute, member: id }).strict(),
]);
export type InjectedEvent = z.infer<typeof injectedEvent>;

/**
 * An event the drill's conductor injects by hand while the drill runs (playbooks.inject): it happens now, at the
 * drill's current minute. A stale feed lasts `minutes` of the drill's clock.
 */
export const handEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stale'), minutes: z.number().int().min(1).max(1440) }).strict(),
  z.object({ kind: z.literal('missedCall'), member: id }).strict(),
  z.object({ kind: z.literal('default'), member: id }).strict(),
]);
export type HandEvent = z.infer<typeof handEvent>;

/** A drill holds at most this many injected events, given at its start and by hand together. */
export const MAX_INJECTED = 50;

/** What a drill's event did when it happened, as the journal records it (event: its place in the run's list). */
const firedRecord = z.object({ event: z.number().int().min(0).max(MAX_INJECTED - 1), effect: z.string().max(2000) }).strict();

/** An injected event that has happened, as the Runner and the report show it. */
export interface HappenedEvent {
  at: string;
  kind: InjectedEvent['kind'];
  text: string;
  /** What it did to the sandbox when it happened (null while the drill has taken no step since). */
  effect: string | null;
  /** Who injected it by hand (the drill's conductor), or null: it was set when the drill started. */
  by: string | null;
}

/** Where each running drill's clock stands, as the console's drill clock reads it before each beat (playbooks.clock). */
export interface DrillClockView {
  drills: {
    run: number;
    /** Minutes of the drill's clock so far, pauses left out (2 decimals, rounded down). */
    minute: string;
    paused: boolean;
    /** Something is due now: a point of its market, an event whose minute has come, or an overdue call of a member missing its calls. */
    due: boolean;
  }[];
}

/** What one beat of the drill's clock made happen (playbooks.fire). */
export interface DrillBeat {
  run: number;
  /** Points of the drill's market scenario delivered at this beat. */
  delivered: number;
  fired: { event: number; kind: InjectedEvent['kind']; text: string; effect: string }[];
  /** Calls of members missing theirs escalated at this beat. */
  escalated: number[];
}

export const PLAYBOOK_MODES = ['live', 'drill'] as const;
export type PlaybookMode = (typeof PLAYBOOK_MODES)[number];
export type RunStatus = 'running' | 'done' | 'aborted';

export interface PlaybookSummary {
  id: string;
  name: string;
  /** The latest version in the ledger, or 0 for a library playbook not yet installed (a run installs it as 1). */
  version: number;
  steps: number;
  source: 'library' | 'import';
}

/** An import: stored (pending null), or asked and waiting for a second supervisor (approval N); version is the one it makes. */
export interface PlaybookImport extends PlaybookSummary {
  pending: { approval: number; requestedBy: string } | null;
}

export interface PlaybookView extends PlaybookDefinition {
  version: number;
}

export interface RunState {
  run: number;
  status: RunStatus;
  current: { index: number; title: string; kind: 'manual' | 'automated'; waitingForSecond: boolean } | null;
  paused: boolean;
  /** Why the run stopped: an abort's reason, or the rule that refused a step. */
  why: string | null;
}

export interface RunStepReport {
  index: number;
  title: string;
  kind: 'manual' | 'automated';
  status: 'open' | 'awaiting_second' | 'done' | 'refused' | 'aborted';
  actor: string | null;
  secondActor: string | null;
  startedAt: string;
  endedAt: string | null;
  seconds: number | null;
  targetSeconds: number;
  onTime: boolean | null;
  outcome: string | null;
  note: string | null;
  why: string | null;
}

/** Cover-1 and Cover-2 over the stress scenarios at one moment of a run (methodology §8.3). */
export interface CoverSnapshot {
  asOf: string;
  /** Default funds plus the clearing house's first tranche. */
  prefunded: string;
  cover1: CoverFigure;
  cover2: CoverFigure;
}

/** One thing that happened during the run, from the ledger's journal: a step, or a command a person ran. */
export interface RunTimelineEntry {
  at: string;
  actor: string;
  command: string;
  /** The run's step it belongs to, when it is one of the run's own entries. */
  step: number | null;
  what: string;
}

/** A choice a person made during the run, beside what the engine would have done by itself. */
export interface RunDecision {
  at: string;
  actor: string;
  step: number | null;
  decision: string;
  /** The engine's automatic path here, or null where only a person decides (no automatic path exists). */
  automatic: string | null;
}

/** The default case the run managed (its "case" value): the close-out, the waterfall and what was left. */
export interface RunLosses {
  case: number;
  member: string;
  closeOut: { method: 'liquidation' | 'auction'; loss: string; automaticLoss: string } | null;
  waterfall: { layers: WaterfallLayerView[]; residual: string } | null;
  uncovered: string | null;
}

/**
 * A recovery choice the desk took (an auction award, a port, the recovery tools) beside the engine's automatic
 * alternative, both worked out by the engine at the moment of the choice on the same ledger (the command's journal
 * entry records them): exact amounts in USD.
 */
export interface RunChoice {
  at: string;
  actor: string;
  channel: 'default.award' | 'default.port' | 'default.allocate';
  /** What was chosen, and the automatic alternative, in words. */
  chosen: string;
  automatic: string;
  /** What the amounts measure: the case's close-out loss (award, port) or what the recovery tools left uncovered. */
  measure: 'close-out loss' | 'uncovered after the recovery tools';
  loss: string | null;
  automaticLoss: string | null;
  /** loss - automaticLoss: negative when the choice did better; null (with why) when the alternative could not run. */
  difference: string | null;
  why: string | null;
}

export interface RunScore {
  /** Steps completed within their target, over the steps the run took, and the ratio (4 places, rounded down). */
  onTime: number;
  steps: number;
  ratio: string;
  /** The close-out loss the desk's path took, and the automatic path's (close-out at the marks); null without a case. */
  loss: string | null;
  automaticLoss: string | null;
  /**
   * The desk's path against the automatic one: the sum of every recovery choice's difference (RunChoice), each taken
   * at its own stage; without such choices, the close-out's loss - automaticLoss. Negative when the desk did better.
   */
  lossAgainstAutomatic: string | null;
  /** Cover-2 still within the prefunded resources at the run's end (null while it runs). */
  cover2Held: boolean | null;
}

/** Who ran which playbook, how, and where it stands: the head of a run's report and of its Runner view. */
export interface RunHead {
  run: number;
  playbook: string;
  name: string;
  version: number;
  mode: PlaybookMode;
  status: RunStatus;
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  why: string | null;
}

export interface RunReport extends RunHead {
  /** A drill's market scenario: which, how fast its clock ran, and how much of it the run played. */
  scenario: { id: string; name: string; acceleration: number; delivered: number; points: number } | null;
  /** A drill's injected events that happened before it ended. */
  events: HappenedEvent[];
  steps: RunStepReport[];
  timeline: RunTimelineEntry[];
  /** Everyone who acted, with the steps each performed or signed. */
  actors: { name: string; steps: number[]; commands: number }[];
  decisions: RunDecision[];
  losses: RunLosses | null;
  /** The recovery choices of the run's people beside the engine's automatic alternatives. */
  choices: RunChoice[];
  cover: { start: CoverSnapshot | null; end: CoverSnapshot | null };
  score: RunScore;
}

/** The report as `riskdesk playbook report --json` prints it (issue 16 item 6): the run's steps and its score. */
export interface RunReportBrief {
  run: number;
  playbook: string;
  mode: PlaybookMode;
  status: RunStatus;
  steps: Pick<RunStepReport, 'index' | 'title' | 'kind' | 'actor' | 'startedAt' | 'endedAt' | 'seconds' | 'targetSeconds' | 'outcome'>[];
  score: RunScore;
}

/** The Runner screen's library and runs, with what the signed-in user may start (issue 16 item 4). */
export interface RunnerView {
  /** This ledger is a drill's sandbox copy: every screen says DRILL, and only drills start here. */
  drill: boolean;
  library: (PlaybookSummary & {
    parameters: { name: string; description: string; default: string | null }[];
    start: { live: ActionVerdict; drill: ActionVerdict };
  })[];
  runs: { run: number; playbook: string; name: string; mode: PlaybookMode; status: RunStatus; startedBy: string; startedAt: string; endedAt: string | null; current: number | null }[];
}

/** One run as the Runner shows it: the current step's instructions and action, the sign-offs, the timers. */
export interface RunView extends RunHead {
  /** The server's clock when the view was made: the console counts the current step's timer from it. */
  now: string;
  current: {
    index: number;
    title: string;
    kind: 'manual' | 'automated';
    instructions: string;
    targetSeconds: number;
    startedAt: string;
    /** Seconds the run was paused in this step so far (left out of its time against the target). */
    pausedSeconds: number;
    /** A manual step's least role; an automated step's command. */
    role: string | null;
    channel: string | null;
    fourEyes: boolean;
    /** The outcomes a sign-off chooses from, or null (it is "signed off"). */
    outcomes: string[] | null;
    /** Signed (or performed and held) once: who, waiting for a second, different person. */
    firstSigner: string | null;
  } | null;
  /** While the run is paused: who paused it, when and why. */
  paused: { by: string; at: string; reason: string } | null;
  /** A drill's injected events that have happened so far. */
  events: HappenedEvent[];
  steps: RunStepReport[];
  actions: { step: ActionVerdict; pause: ActionVerdict; resume: ActionVerdict; abort: ActionVerdict; inject: ActionVerdict };
}

const runId = rowId;

/**
 * Drills opened from a live console (the console's door answers these, main/doors/drillRooms.ts): it copies the
 * ledger with the online backup into its sidecar folder and starts the run in the copy, never in the ledger, and the
 * caller's console then works on that copy (every screen reads it and says DRILL) until they leave it.
 */
export const DRILL_CHANNELS = ['playbooks.drill', 'playbooks.drills', 'playbooks.enter', 'playbooks.leave'] as const;

/** A drill a console may open: its run (the sandbox is named after it) and whether this caller's console is on it. */
export interface DrillRoom {
  run: number;
  /** The sandbox file, `<ledger>.drills/run-N.db`. */
  sandbox: string;
  /** Open in this console now (someone entered it since the console started). */
  open: boolean;
}

export interface DrillRoomsView {
  /** The drill this caller's console is on, or null when it is on the ledger itself. */
  current: number | null;
  /** Drills of this ledger (its sidecar folder), newest first; empty on a console opened on a sandbox. */
  drills: DrillRoom[];
  /** Entering one of them (the door's verdict: none from a console that is itself a sandbox or in memory). */
  enter: ActionVerdict;
}

/** A drill just started or entered: the console works on its sandbox from now on. */
export interface DrillEntered {
  run: number;
  mode: 'drill';
  sandbox: string;
}

/**
 * A file's fields in one order whatever order the file had: a held import keeps its payload, and the journal's
 * replay (which stores payloads with sorted keys) must hold the very same text.
 */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortedKeys(o[k])]));
}

/** What a console sends to start a run: the run's parameters, and a drill's scenario by name. */
const startedByName = {
  params: z.record(z.string(), z.string().max(200)).optional(),
  /**
   * A scenario by name, from a console: the console door expands it into `scenario` from the data files (the
   * command layer reads no files), at `speed` market seconds per drill second (default 288).
   */
  scenarioId: z.enum(DRILL_SCENARIO_IDS as [DrillScenarioId, ...DrillScenarioId[]]).optional(),
  speed: z.number().int().min(1).max(86_400).optional(),
};

export const playbookContract = {
  /** The ledger's playbooks (latest version) and the library's not yet installed. */
  'playbooks.list': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<PlaybookSummary[]>(),
    emits: [],
    refuses: [],
  }),
  /** One playbook: a version from the ledger (the latest by default), or the library's. */
  'playbooks.get': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ id, version: z.number().int().min(1).optional() }).strict(),
    output: returns<PlaybookView>(),
    emits: [],
    refuses: [],
  }),
  /**
   * A playbook file, checked now (a bad one is refused naming the step and field), then held until a second,
   * different supervisor confirms it (approvals.confirm): it is stored as the playbook's next version then.
   */
  'playbooks.import': defineCommand({
    role: 'supervisor' as Role,
    mutates: true,
    fourEyes: true as const,
    input: z.object({ definition: z.unknown().transform(sortedKeys), reason }).strict(),
    output: returns<PlaybookImport>(),
    emits: [],
    refuses: [],
  }),
  /** A run of a playbook's latest version (a library one is installed first), at its first step. */
  'playbooks.start': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z
      .object({
        playbook: id,
        mode: z.enum(PLAYBOOK_MODES),
        /** A drill's market scenario, replayed on the drill's clock as its steps are taken. */
        scenario: drillScenario.optional(),
        ...startedByName,
        /** A drill's injected events. */
        inject: z.array(injectedEvent).max(MAX_INJECTED).optional(),
        /** The least id the run may take: the CLI keeps a ledger's drills and live runs from sharing a number. */
        firstId: z.number().int().min(1).optional(),
      })
      .strict(),
    output: returns<RunState>(),
    emits: [],
    refuses: ['drill_needs_sandbox', 'live_in_sandbox', 'no_price', 'no_scenarios'],
  }),
  /** Performs (automated) or signs off (manual) the run's current step as the signed-in user. */
  'playbooks.step': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z
      .object({
        run: runId,
        note: note.optional(),
        outcome: z.string().min(1).max(200).optional(),
        /**
         * Written by the journal, never sent: what the step's command did (refused and why, held as approval N, or
         * its outcome and captured values), so that verify --deep replays the step without running the command twice.
         */
        recorded: z
          .union([
            z.object({ refused: z.string() }).strict(),
            z.object({ held: z.number().int().positive() }).strict(),
            z.object({ outcome: z.string(), capture: z.record(z.string(), z.unknown()) }).strict(),
          ])
          .optional(),
        /**
         * Written by the journal, never sent: the drill's injected events that happened at this step and what each
         * did to the sandbox (a refused default declaration says why), so that verify --deep replays them as they were.
         */
        injected: z.array(firedRecord).max(MAX_INJECTED).optional(),
      })
      .strict(),
    output: returns<RunState>(),
    emits: [],
    refuses: ['approval_pending', 'assessed', 'call_closed', 'case_exists', 'case_state', 'four_eyes', 'fund_empty', 'member_active', 'member_defaulted', 'member_suspended', 'no_assessment', 'no_bids', 'no_change', 'no_price', 'no_residual', 'no_scenarios', 'not_approvable', 'not_approved', 'not_open', 'not_overdue', 'not_pending', 'not_rejected', 'nothing_due', 'playbook_value_missing', 'run_ended', 'run_paused', 'sign_in_required', 'waiver_stale', 'policy_read_only'],
  }),
  /** Where every running drill's clock stands and whether something is due: what the console's drill clock reads. */
  'playbooks.clock': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<DrillClockView>(),
    emits: [],
    refuses: [],
  }),
  /**
   * One beat of a drill's clock (the console door's timer runs it as system:drill-clock): its market moves to the
   * drill's time, the events whose minute has come happen, and overdue calls of members missing theirs are escalated,
   * as at a step. Refused, changing
   * nothing, when nothing is due, so a beat early (or a person calling it) makes nothing happen before its time.
   */
  'playbooks.fire': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z
      .object({
        run: runId,
        /** Written by the journal, never sent: what each event did, so that verify --deep replays the beat as it was. */
        injected: z.array(firedRecord).max(MAX_INJECTED).optional(),
        escalated: z.array(rowId).max(100_000).optional(),
      })
      .strict(),
    output: returns<DrillBeat>(),
    emits: [],
    refuses: ['approval_pending', 'assessed', 'call_closed', 'case_exists', 'case_state', 'drill_needs_sandbox', 'four_eyes', 'fund_empty', 'member_active', 'member_defaulted', 'member_suspended', 'no_assessment', 'no_bids', 'no_change', 'no_residual', 'not_a_drill', 'not_approvable', 'not_approved', 'not_open', 'not_overdue', 'not_pending', 'not_rejected', 'nothing_due', 'run_ended', 'run_paused', 'sign_in_required', 'waiver_stale', 'policy_read_only'],
  }),
  /**
   * The drill's conductor injects an event by hand: it happens now on the sandbox, through the dispatcher, and the
   * desk responds as the playbook says. The conductor is the person who started the drill, or a supervisor.
   */
  'playbooks.inject': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z
      .object({
        run: runId,
        event: handEvent,
        /** Written by the journal, never sent: what the event did when it happened. */
        recorded: z.object({ effect: z.string().max(2000) }).strict().optional(),
      })
      .strict(),
    output: returns<HappenedEvent>(),
    emits: [],
    refuses: ['approval_pending', 'assessed', 'call_closed', 'case_exists', 'case_state', 'drill_needs_sandbox', 'four_eyes', 'fund_empty', 'member_active', 'member_defaulted', 'member_suspended', 'no_assessment', 'no_bids', 'no_change', 'no_residual', 'not_a_drill', 'not_approvable', 'not_approved', 'not_open', 'not_overdue', 'not_pending', 'not_rejected', 'nothing_due', 'run_ended', 'run_paused', 'sign_in_required', 'too_many_events', 'waiver_stale', 'policy_read_only'],
  }),
  /** Stops the clock of a running run: no step is taken until it is resumed (the pause is left out of step times). */
  'playbooks.pause': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z.object({ run: runId, reason }).strict(),
    output: returns<RunState>(),
    emits: [],
    refuses: ['run_ended', 'run_paused'],
  }),
  'playbooks.resume': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z.object({ run: runId }).strict(),
    output: returns<RunState>(),
    emits: [],
    refuses: ['not_paused', 'run_ended'],
  }),
  /** Ends a running run with a reason; its report stays. */
  'playbooks.abort': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z.object({ run: runId, reason }).strict(),
    output: returns<RunState>(),
    emits: [],
    refuses: ['no_price', 'no_scenarios', 'run_ended'],
  }),
  'playbooks.runner': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<RunnerView>(),
    emits: [],
    refuses: ['drill_needs_sandbox', 'live_in_sandbox'],
  }),
  'playbooks.run': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ run: runId }).strict(),
    output: returns<RunView>(),
    emits: [],
    refuses: ['drill_needs_sandbox', 'four_eyes', 'held_missing', 'not_a_drill', 'not_paused', 'run_ended', 'run_paused', 'too_many_events'],
  }),
  'playbooks.report': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ run: runId }).strict(),
    output: returns<RunReport>(),
    emits: [],
    refuses: [],
  }),
  /**
   * A drill from a live console: the door copies the ledger (online backup, the ledger opened read-only), starts the
   * run in the copy as playbooks.start does, and moves the caller's console onto the copy. The ledger is not written.
   */
  'playbooks.drill': defineCommand({
    role: 'operator' as Role,
    mutates: false,
    input: z
      .object({
        playbook: id,
        ...startedByName,
        /** The drill's injected events, each at its minute of the drill's clock. */
        inject: z.array(injectedEvent).max(MAX_INJECTED).optional(),
      })
      .strict(),
    output: returns<DrillEntered>(),
    emits: [],
    // The door's own refusals (doors/drillRooms.ts), declared by hand as the feed's are; the run's start in the copy
    // refuses as playbooks.start does.
    refuses: ['in_drill', 'drill_in_sandbox', 'no_ledger_file'],
  }),
  /** The drills of this console's ledger, and the one the caller's console is on. */
  'playbooks.drills': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<DrillRoomsView>(),
    emits: [],
    refuses: [],
  }),
  /** Moves the caller's console onto a drill's sandbox, signed in there as themselves. */
  'playbooks.enter': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    // A drill's file is named after its run: a whole number, so no name can reach outside the sidecar folder.
    input: z.object({ run: runId.max(999_999_999_999) }).strict(),
    output: returns<DrillEntered>(),
    emits: [],
    refuses: ['in_drill', 'drill_in_sandbox', 'no_ledger_file'],
  }),
  /** Moves the caller's console back onto the ledger (their session in the drill ends). */
  'playbooks.leave': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<{ left: number | null }>(),
    emits: [],
    refuses: [],
  }),
} as const;
