// Playbooks and their runs (issue 16, design.md §2.7). A run walks its playbook's steps in order: a manual step is
// signed off with a note (by someone with the step's role; a four-eyes step by two different people), an automated
// step runs its contract channel through the dispatcher as the user who performs it, so that command is checked,
// committed and journalled exactly as from the console, inside this step's transaction. A command held for a second
// supervisor (fourEyes) waits on its step, and the step's next performer confirms it. A command refused by a rule
// stops the run: the step and the run record why. After a step, its branches look at a recorded outcome and may send
// the run to another step. A drill is the same run in a sandbox copy of the ledger (the CLI door makes it).
import { Decimal } from 'decimal.js';
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { Channel } from '../../../shared/contract.ts';
import type { ApprovalView } from '../../../shared/contractRecovery.ts';
import type { Database } from 'better-sqlite3';
import type { PlaybookDefinition, PlaybookImport, PlaybookStep, PlaybookSummary, PlaybookView, RunReport, RunState } from '../../../shared/contractPlaybook.ts';
import { pendingApproval } from '../../ledger/approvalRepo.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import { SIGNED_DECIMAL } from '../../../shared/decimalString.ts';
import {
  latestPlaybookVersions,
  playbookVersion,
  insertPlaybookVersion,
  maxRunId,
  insertRun,
  getRun,
  updateRun,
  openRunStep,
  currentRunStep,
  updateRunStep,
  runSteps,
  setRunCovers,
  setRunPaused,
  addPausedSeconds,
  stepsAwaitingSecond,
  type RunRow,
  type RunStepRow,
} from '../../ledger/playbookRepo.ts';
import { libraryFiles } from '../../playbooks/library.ts';
import { readMember } from '../../ledger/memberRepo.ts';
import { checkPlaybook, NOW_PLUS } from './definition.ts';
import { dispatch } from '../dispatch.ts';
import { needsSecondApprover } from '../approvals.ts';
import { enforce } from '../allowed/verdict.ts';
import { modeRule, notPausedRule, pauseRule, resumeRule, runningRule, signOffRule } from '../allowed/playbooks.ts';
import { buildReport, coverNow } from './report.ts';
import { deliverDue, drillEpoch } from './drillClock.ts';
import { fireDue } from './injected.ts';

function library(): PlaybookDefinition[] {
  return libraryFiles().map((f) => checkPlaybook(f.json, f.file));
}

export function listPlaybooks(ctx: CommandContext): PlaybookSummary[] {
  const stored = latestPlaybookVersions(ctx.db).map((v) => {
    const d = JSON.parse(v.definition) as PlaybookDefinition;
    return { id: v.playbook, name: v.name, version: v.version, steps: d.steps.length, source: v.source };
  });
  const have = new Set(stored.map((s) => s.id));
  const shipped = library()
    .filter((d) => !have.has(d.id))
    .map((d) => ({ id: d.id, name: d.name, version: 0, steps: d.steps.length, source: 'library' as const }));
  return [...stored, ...shipped].sort((a, b) => a.id.localeCompare(b.id));
}

/** A playbook's definition: a stored version, else the library's (version 0: not yet installed). */
export function definitionOf(ctx: CommandContext, id: string, version?: number): PlaybookView {
  const v = playbookVersion(ctx.db, id, version);
  if (v) return { ...(JSON.parse(v.definition) as PlaybookDefinition), version: v.version };
  if (version === undefined) {
    const d = library().find((x) => x.id === id);
    if (d) return { ...d, version: 0 };
  }
  throw new InputError(`no playbook "${id}"${version === undefined ? '' : ` version ${version}`} (riskdesk playbook list names them)`, { field: 'id' });
}

export function getPlaybook(ctx: CommandContext, input: InputOf<'playbooks.get'>): PlaybookView {
  return definitionOf(ctx, input.id, input.version);
}

export function importPlaybook(ctx: CommandContext, input: InputOf<'playbooks.import'>): Handled<'playbooks.import'> {
  const d = checkPlaybook(input.definition);
  const { version: _ignored, ...definition } = d;
  const version = insertPlaybookVersion(ctx.db, {
    playbook: d.id,
    name: d.name,
    definition: JSON.stringify(definition),
    source: 'import',
    addedBy: ctx.approval?.requestedBy ?? ctx.actor.name,
    addedAt: ctx.now().toISOString(),
  });
  const output: PlaybookImport = { id: d.id, name: d.name, version, steps: d.steps.length, source: 'import', pending: null };
  return { output, journal: { payload: { definition, reason: input.reason }, result: output } };
}

/** A held import in words, and what its requester sees: the version it would make, waiting on its approval. */
export function describeImport(db: Database, input: InputOf<'playbooks.import'>): { subject: string; summary: string; view: (db: Database) => PlaybookImport } {
  const d = checkPlaybook(input.definition);
  const subject = `playbook:${d.id}`;
  const next = (playbookVersion(db, d.id)?.version ?? 0) + 1;
  return {
    subject,
    summary: `store version ${next} of playbook ${d.id} "${d.name}" (${d.steps.length} steps): ${input.reason}`,
    view: (db) => {
      const a = pendingApproval(db, subject, 'playbooks.import')!;
      return { id: d.id, name: d.name, version: next, steps: d.steps.length, source: 'import', pending: { approval: a.id, requestedBy: a.requestedBy } };
    },
  };
}

function stateOf(ctx: CommandContext, run: RunRow, def: PlaybookDefinition): RunState {
  const step = run.currentStep === null ? null : def.steps[run.currentStep - 1]!;
  const row = run.status === 'running' ? currentRunStep(ctx.db, run.id) : undefined;
  return {
    run: run.id,
    status: run.status,
    current:
      step === null || run.currentStep === null
        ? null
        : { index: run.currentStep, title: step.title, kind: step.kind, waitingForSecond: row?.status === 'awaiting_second' },
    why: run.abortReason,
    paused: run.paused !== null,
  };
}

export function loadRun(ctx: CommandContext, id: number): { run: RunRow; def: PlaybookDefinition } {
  const run = getRun(ctx.db, id);
  if (!run) throw new InputError(`no playbook run ${id}`, { field: 'run' });
  return { run, def: definitionOf(ctx, run.playbook, run.version) };
}

export function startRun(ctx: CommandContext, input: InputOf<'playbooks.start'>): Handled<'playbooks.start'> {
  if (!ctx.replaying) enforce(modeRule(input.mode, ctx.sandbox === true));
  const at = ctx.now().toISOString();
  let view = definitionOf(ctx, input.playbook);
  if (view.version === 0) {
    // A library playbook's first run installs it: the run refers to the version it ran, stored in the ledger.
    const { version: _v, ...definition } = view;
    const version = insertPlaybookVersion(ctx.db, { playbook: view.id, name: view.name, definition: JSON.stringify(definition), source: 'library', addedBy: ctx.actor.name, addedAt: at });
    view = { ...definition, version };
  }
  const given = input.params ?? {};
  const declared = view.parameters ?? [];
  for (const k of Object.keys(given)) {
    if (!declared.some((p) => p.name === k)) throw new InputError(`playbook ${view.id} has no parameter "${k}"${declared.length ? ` (it takes ${declared.map((p) => p.name).join(', ')})` : ''}`, { field: `params.${k}` });
  }
  const vars: Record<string, unknown> = {};
  for (const p of declared) {
    const v = given[p.name] ?? p.default;
    if (v === undefined) throw new InputError(`playbook ${view.id} needs the parameter "${p.name}": ${p.description}`, { field: `params.${p.name}` });
    if (p.type === 'integer' && !/^[1-9]\d{0,14}$/.test(v)) throw new InputError(`parameter "${p.name}" must be a positive whole number, not "${v}"`, { field: `params.${p.name}` });
    vars[p.name] = p.type === 'integer' ? Number(v) : v;
  }
  if (input.scenarioId !== undefined || input.speed !== undefined) {
    throw new InputError('a scenario by name is expanded by a console door into its path (scenario); this door sent the name', { field: 'scenarioId' });
  }
  if (input.scenario && input.mode !== 'drill') throw new InputError('a market scenario is replayed only in a drill, never on the live ledger', { field: 'scenario' });
  const inject = input.inject ?? [];
  if (inject.length > 0 && input.mode !== 'drill') throw new InputError('events are injected only in a drill, never on the live ledger', { field: 'inject' });
  inject.forEach((e, i) => {
    if (e.kind === 'stale' && e.until <= e.at) throw new InputError(`injected event ${i + 1}: the feed comes back (minute ${e.until}) after it goes stale (minute ${e.at})`, { field: `inject[${i}].until` });
    if (e.kind !== 'stale' && !readMember(ctx.db, e.member)) throw new InputError(`injected event ${i + 1}: no member "${e.member}"`, { field: `inject[${i}].member` });
  });
  const id = Math.max(maxRunId(ctx.db) + 1, input.firstId ?? 1);
  insertRun(ctx.db, { id, playbook: view.id, version: view.version, mode: input.mode, currentStep: 1, vars, startedBy: ctx.actor.name, startedAt: at, scenario: input.scenario ? { ...input.scenario, epoch: drillEpoch(ctx, at) } : null, injected: inject });
  openRunStep(ctx.db, id, 1, at);
  setRunCovers(ctx.db, id, { start: coverNow(ctx) });
  const output = stateOf(ctx, getRun(ctx.db, id)!, view);
  return { output, journal: { result: { ...output, playbook: view.id, version: view.version, mode: input.mode } } };
}

/** "${name}" replaced by the run's value (kept as it is when the whole string is one), "${now+Nh}" by the clock. */
function resolve(value: unknown, vars: Record<string, unknown>, now: Date): unknown {
  if (typeof value === 'string') {
    const valueOf = (name: string): unknown => {
      const m = NOW_PLUS.exec(name);
      if (m) return new Date(now.getTime() + Number(m[1]) * 3_600_000).toISOString();
      if (!Object.hasOwn(vars, name)) throw new RuleError('playbook_value_missing', `no value for "\${${name}}": the step that captures it did not run`);
      return vars[name];
    };
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    if (whole) return valueOf(whole[1]!);
    return value.replace(/\$\{([^}]*)\}/g, (_, name: string) => String(valueOf(name)));
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, vars, now));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, vars, now)]));
  return value;
}

function at(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function outcomeOf(step: Extract<PlaybookStep, { kind: 'automated' }>, output: unknown): string {
  for (const r of step.outcomes ?? []) {
    const v = at(output, r.path);
    // A rule compares the scalar at its path; an object or array there matches no rule.
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean') continue;
    if (r.equals !== undefined && String(v) === r.equals) return r.outcome;
    if (r.above !== undefined && SIGNED_DECIMAL.test(String(v)) && new Decimal(String(v)).gt(r.above)) return r.outcome;
  }
  return 'done';
}

/** The step after `index`: the first of its branches whose step recorded that outcome, else the next. */
function nextStep(ctx: CommandContext, runId: number, def: PlaybookDefinition, index: number): number {
  const step = def.steps[index - 1]!;
  const taken = runSteps(ctx.db, runId);
  for (const b of step.branches ?? []) {
    const last = [...taken].reverse().find((r) => r.step === b.when.step && r.status === 'done');
    if (last?.outcome === b.when.outcome) return b.goto;
  }
  return index + 1;
}

function isRefusal(e: unknown): e is RuleError | InputError {
  return e instanceof RuleError || e instanceof InputError;
}

/** Runs `channel` through the dispatcher as the step's performer: a refusal comes back as a value, not a throw. */
function perform(ctx: CommandContext, channel: Channel, payload: unknown): { ok: true; output: unknown } | { ok: false; why: string } {
  try {
    return { ok: true, output: dispatch(ctx, channel, payload) };
  } catch (e) {
    if (isRefusal(e)) return { ok: false, why: e.message };
    throw e;
  }
}

/** What an automated step's command did, as its step's journal entry records it. */
type Performed = { refused: string } | { held: number } | { outcome: string; capture: Record<string, unknown> };

/** The step's command, run through the dispatcher as the performer. */
function performStep(ctx: CommandContext, step: Extract<PlaybookStep, { kind: 'automated' }>, vars: Record<string, unknown>, now: Date): Performed {
  const channel = step.channel as Channel;
  let payload: unknown;
  try {
    payload = resolve(step.params ?? {}, vars, now);
  } catch (e) {
    if (isRefusal(e)) return { refused: e.message };
    throw e;
  }
  const r = perform(ctx, channel, payload);
  if (!r.ok) return { refused: r.why };
  if (needsSecondApprover(channel)) {
    // Held for a second supervisor: the step waits on the approval, which its next performer confirms.
    const held = (dispatch(ctx, 'approvals.list', { status: 'pending' }) as ApprovalView[])
      .filter((a) => a.channel === channel && a.requestedBy === ctx.actor.name)
      .sort((a, b) => b.id - a.id)[0];
    if (!held) throw new Error(`${channel} was held for a second supervisor but no pending approval of ${ctx.actor.name} was found`);
    return { held: held.id };
  }
  const capture: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const v = at(r.output, path);
    if (v === undefined || v === null) return { refused: `${channel} returned no "${path}" to keep as "${name}"` };
    capture[name] = v;
  }
  return { outcome: outcomeOf(step, r.output), capture };
}

/** The held command of a step confirmed by its next performer, through the dispatcher (four eyes decide there). */
function confirmHeld(ctx: CommandContext, row: RunStepRow, note: string | null): Performed {
  const r = perform(ctx, 'approvals.confirm', { id: row.approvalId!, ...(note !== null ? { note } : {}) });
  return r.ok ? { outcome: 'done', capture: {} } : { refused: r.why };
}

export function stepRun(ctx: CommandContext, input: InputOf<'playbooks.step'>): Handled<'playbooks.step'> {
  const { run, def } = loadRun(ctx, input.run);
  enforce(runningRule(run));
  enforce(notPausedRule(run));
  // The market moves first: the drill's scenario up to now, so the step acts on the book as it stands then.
  deliverDue(ctx, run);
  // Then the drill's injected events whose minute has come happen on the sandbox.
  const { fired } = fireDue(ctx, run, input.injected);
  const index = run.currentStep!;
  const step = def.steps[index - 1]!;
  const row = currentRunStep(ctx.db, run.id)!;
  const now = ctx.now();
  const when = now.toISOString();
  const me = ctx.actor.name;
  const note = input.note ?? null;
  const vars = { ...run.vars };
  let refused: string | null = null;
  let recorded: Performed | undefined;
  let done = false;
  const updated: RunStepRow = { ...row };

  if (step.kind === 'manual') {
    enforce(signOffRule(step, row.status === 'awaiting_second' ? row.actor : null, ctx.actor));
    if (row.status === 'open') {
      const choices = step.outcomes;
      if (choices && (input.outcome === undefined || !choices.includes(input.outcome))) {
        throw new InputError(`step ${index} "${step.title}" is signed off with an outcome: ${choices.map((c) => `"${c}"`).join(' or ')}`, { field: 'outcome' });
      }
      if (!choices && input.outcome !== undefined && input.outcome !== 'signed off') {
        throw new InputError(`step ${index} "${step.title}" takes no outcome: it is signed off`, { field: 'outcome' });
      }
      Object.assign(updated, { actor: me, note, outcome: input.outcome ?? 'signed off' });
      if (step.fourEyes) updated.status = 'awaiting_second';
      else done = true;
    } else {
      Object.assign(updated, { secondActor: me, note: [row.note, note].filter((x) => x).join(' / ') || null });
      done = true;
    }
  } else {
    // What the step's command did: run now through the dispatcher, or, while verify --deep replays the journal, as
    // this step's entry recorded it (the command's own entry, just before this one, has already been replayed).
    let did: Performed;
    if (ctx.replaying) {
      if (!input.recorded) throw new InputError(`the entry of step ${index} does not record what its command did`, { field: 'recorded' });
      did = input.recorded;
    } else {
      if (input.recorded) throw new InputError('recorded is written by the journal, never sent', { field: 'recorded' });
      did = row.status === 'awaiting_second' ? confirmHeld(ctx, row, note) : performStep(ctx, step, vars, now);
    }
    recorded = did;
    if ('refused' in did) refused = did.refused;
    else if ('held' in did) Object.assign(updated, { actor: me, note, status: 'awaiting_second', approvalId: did.held });
    else {
      Object.assign(vars, did.capture);
      if (row.status === 'awaiting_second') Object.assign(updated, { secondActor: me, outcome: did.outcome });
      else Object.assign(updated, { actor: me, note, outcome: did.outcome });
      done = true;
    }
  }

  let nextRun: Parameters<typeof updateRun>[2];
  if (refused !== null) {
    Object.assign(updated, { status: 'refused', endedAt: when, why: refused, actor: updated.actor ?? me, secondActor: updated.status === 'awaiting_second' ? me : updated.secondActor });
    if (updated.secondActor === updated.actor) updated.secondActor = null;
    nextRun = { status: 'aborted', currentStep: null, vars, endedAt: when, abortReason: `step ${index} "${step.title}" refused: ${refused}` };
  } else if (done) {
    Object.assign(updated, { status: 'done', endedAt: when });
    nextRun = { status: 'running', currentStep: index, vars, endedAt: null, abortReason: null }; // chosen below
  } else {
    nextRun = { status: 'running', currentStep: index, vars, endedAt: null, abortReason: null };
  }
  updateRunStep(ctx.db, updated);
  // Branches read the recorded outcome, so the step is stored before the next one is chosen.
  if (done && refused === null) {
    const next = nextStep(ctx, run.id, def, index);
    nextRun = next > def.steps.length ? { status: 'done', currentStep: null, vars, endedAt: when, abortReason: null } : { status: 'running', currentStep: next, vars, endedAt: null, abortReason: null };
  }
  updateRun(ctx.db, run.id, nextRun);
  if (nextRun.status !== 'running') setRunCovers(ctx.db, run.id, { ...run.covers, end: coverNow(ctx) });
  if (nextRun.status === 'running' && nextRun.currentStep !== index) openRunStep(ctx.db, run.id, nextRun.currentStep!, when);
  const output = stateOf(ctx, getRun(ctx.db, run.id)!, def);
  return {
    output,
    journal: {
      payload: { ...input, ...(recorded ? { recorded } : {}), ...(fired.length > 0 ? { injected: fired } : {}) },
      result: { ...output, step: index, title: step.title, stepStatus: updated.status, outcome: updated.outcome, why: updated.why },
    },
  };
}

export function pauseRun(ctx: CommandContext, input: InputOf<'playbooks.pause'>): Handled<'playbooks.pause'> {
  const { run, def } = loadRun(ctx, input.run);
  enforce(pauseRule(run));
  setRunPaused(ctx.db, run.id, { by: ctx.actor.name, at: ctx.now().toISOString(), reason: input.reason });
  return { output: stateOf(ctx, getRun(ctx.db, run.id)!, def) };
}

/** Ends a pause: its length goes to the step it happened in, which the report leaves out of the step's time. */
function endPause(ctx: CommandContext, run: RunRow): void {
  if (!run.paused) return;
  const row = currentRunStep(ctx.db, run.id);
  if (row) addPausedSeconds(ctx.db, run.id, row.seq, Math.max(0, Math.floor((ctx.now().getTime() - Date.parse(run.paused.at)) / 1000)));
  setRunPaused(ctx.db, run.id, null);
}

export function resumeRun(ctx: CommandContext, input: InputOf<'playbooks.resume'>): Handled<'playbooks.resume'> {
  const { run, def } = loadRun(ctx, input.run);
  enforce(resumeRule(run));
  endPause(ctx, run);
  return { output: stateOf(ctx, getRun(ctx.db, run.id)!, def) };
}

export function abortRun(ctx: CommandContext, input: InputOf<'playbooks.abort'>): Handled<'playbooks.abort'> {
  const { run, def } = loadRun(ctx, input.run);
  enforce(runningRule(run));
  endPause(ctx, run);
  const when = ctx.now().toISOString();
  const row = currentRunStep(ctx.db, run.id);
  if (row) updateRunStep(ctx.db, { ...row, status: 'aborted', endedAt: when, why: input.reason });
  updateRun(ctx.db, run.id, { status: 'aborted', currentStep: null, vars: run.vars, endedAt: when, abortReason: `aborted by ${ctx.actor.name}: ${input.reason}` });
  setRunCovers(ctx.db, run.id, { ...run.covers, end: coverNow(ctx) });
  return { output: stateOf(ctx, getRun(ctx.db, run.id)!, def) };
}

/** Manual four-eyes sign-offs waiting for a second person, with the step they wait on (for the inbox). */
export function signOffsWaiting(ctx: CommandContext): { run: number; index: number; step: Extract<PlaybookStep, { kind: 'manual' }>; name: string; firstSigner: string; since: string }[] {
  return stepsAwaitingSecond(ctx.db).flatMap((w) => {
    const def = definitionOf(ctx, w.playbook, w.version);
    const step = def.steps[w.step - 1]!;
    return step.kind === 'manual' ? [{ run: w.run, index: w.step, step, name: def.name, firstSigner: w.actor, since: w.startedAt }] : [];
  });
}

export function runReport(ctx: CommandContext, input: InputOf<'playbooks.report'>): RunReport {
  const { run, def } = loadRun(ctx, input.run);
  return buildReport(ctx, run, def);
}
