// Playbooks, their versions, runs and the steps runs took (migration step 11). Definitions are stored whole, as the
// JSON that was checked against shared/contractPlaybook.ts; a run's variables (its parameters and captured values)
// likewise.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';

export interface PlaybookVersionRow {
  playbook: string;
  version: number;
  name: string;
  definition: string;
  source: 'library' | 'import';
  addedBy: string;
  addedAt: string;
}

function versionOf(r: Record<string, unknown>): PlaybookVersionRow {
  return {
    playbook: r.playbook as string,
    version: Number(r.version),
    name: r.name as string,
    definition: r.definition as string,
    source: r.source as 'library' | 'import',
    addedBy: r.added_by as string,
    addedAt: r.added_at as string,
  };
}

/** Every playbook's latest version, by id. */
export function latestPlaybookVersions(db: Database): PlaybookVersionRow[] {
  const rows = db
    .prepare(
      `SELECT v.* FROM playbook_versions v
        WHERE v.version = (SELECT max(version) FROM playbook_versions w WHERE w.playbook = v.playbook)
        ORDER BY v.playbook`,
    )
    .all() as Record<string, unknown>[];
  return rows.map(versionOf);
}

/** One version of a playbook (the latest when `version` is left out), or undefined. */
export function playbookVersion(db: Database, playbook: string, version?: number): PlaybookVersionRow | undefined {
  const r = (
    version === undefined
      ? db.prepare('SELECT * FROM playbook_versions WHERE playbook = ? ORDER BY version DESC LIMIT 1').get(playbook)
      : db.prepare('SELECT * FROM playbook_versions WHERE playbook = ? AND version = ?').get(playbook, version)
  ) as Record<string, unknown> | undefined;
  return r ? versionOf(r) : undefined;
}

/** Stores the next version of a playbook and returns its number. */
export function insertPlaybookVersion(db: Database, v: Omit<PlaybookVersionRow, 'version'>): number {
  const next = Number(db.prepare('SELECT coalesce(max(version), 0) + 1 FROM playbook_versions WHERE playbook = ?').pluck().get(v.playbook) as bigint);
  db.prepare('INSERT INTO playbook_versions (playbook, version, name, definition, source, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    v.playbook,
    next,
    v.name,
    v.definition,
    v.source,
    v.addedBy,
    v.addedAt,
  );
  return next;
}

export interface RunRow {
  id: number;
  playbook: string;
  version: number;
  mode: 'live' | 'drill';
  status: 'running' | 'done' | 'aborted';
  currentStep: number | null;
  vars: Record<string, unknown>;
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  abortReason: string | null;
  /** Cover-1 and Cover-2 when the run started and when it ended (JSON as the command layer wrote it). */
  covers: { start?: unknown; end?: unknown };
  /** Set while the run is paused: no step is taken until it is resumed. */
  paused: { by: string; at: string; reason: string } | null;
  /** A drill's market scenario: its path, in market time, and market seconds per second of the drill. */
  scenario: {
    id: string;
    acceleration: number;
    /** When the drill's market clock starts: the run's start, or just after the ledger's latest mark if that is later. */
    epoch: string;
    points: { at: number; instrument: string; price: string }[];
  } | null;
  /** How many of the scenario's points have been delivered. */
  scenarioDone: number;
  /**
   * A drill's injected events (contractPlaybook.ts injectedEvent), in minutes of the drill's clock; `fired` once the
   * event has happened on the sandbox: when, and what it did; `by` the conductor who injected it by hand.
   */
  injected: (({ kind: 'stale'; at: number; until: number } | { kind: 'missedCall' | 'default'; at: number; member: string }) & { by?: string; fired?: { at: string; effect: string } })[];
}

function runOf(r: Record<string, unknown>): RunRow {
  return {
    id: Number(r.id),
    playbook: r.playbook as string,
    version: Number(r.version),
    mode: r.mode as 'live' | 'drill',
    status: r.status as RunRow['status'],
    currentStep: r.current_step === null ? null : Number(r.current_step),
    vars: JSON.parse(r.vars as string) as Record<string, unknown>,
    startedBy: r.started_by as string,
    startedAt: r.started_at as string,
    endedAt: (r.ended_at as string | null) ?? null,
    abortReason: (r.abort_reason as string | null) ?? null,
    covers: JSON.parse(r.covers as string) as RunRow['covers'],
    paused: r.paused === null ? null : (JSON.parse(r.paused as string) as RunRow['paused']),
    scenario: r.scenario === null ? null : (JSON.parse(r.scenario as string) as RunRow['scenario']),
    scenarioDone: Number(r.scenario_done),
    injected: JSON.parse(r.injected as string) as RunRow['injected'],
  };
}

export function maxRunId(db: Database): number {
  return Number(db.prepare('SELECT coalesce(max(id), 0) FROM playbook_runs').pluck().get() as bigint);
}

export function insertRun(db: Database, r: Omit<RunRow, 'endedAt' | 'abortReason' | 'status' | 'covers' | 'paused' | 'scenarioDone'>): void {
  db.prepare(
    `INSERT INTO playbook_runs (id, playbook, version, mode, status, current_step, vars, started_by, started_at, scenario, injected)
     VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
  ).run(r.id, r.playbook, r.version, r.mode, r.currentStep, JSON.stringify(r.vars), r.startedBy, r.startedAt, r.scenario === null ? null : JSON.stringify(r.scenario), JSON.stringify(r.injected));
}

export function setScenarioDone(db: Database, id: number, done: number): void {
  db.prepare('UPDATE playbook_runs SET scenario_done = ? WHERE id = ?').run(done, id);
}

export function setInjected(db: Database, id: number, injected: RunRow['injected']): void {
  db.prepare('UPDATE playbook_runs SET injected = ? WHERE id = ?').run(JSON.stringify(injected), id);
}

/** The drills running in this ledger (only a drill's sandbox holds any). */
export function runningDrills(db: Database): RunRow[] {
  return (prepared(db, "SELECT * FROM playbook_runs WHERE mode = 'drill' AND status = 'running' ORDER BY id").all() as Record<string, unknown>[]).map(runOf);
}

export function getRun(db: Database, id: number): RunRow | undefined {
  const r = db.prepare('SELECT * FROM playbook_runs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  return r ? runOf(r) : undefined;
}

/** Moves a run on: its current step and variables, or its end (done, or aborted with a reason). */
export function updateRun(db: Database, id: number, u: { status: RunRow['status']; currentStep: number | null; vars: Record<string, unknown>; endedAt: string | null; abortReason: string | null }): void {
  db.prepare('UPDATE playbook_runs SET status = ?, current_step = ?, vars = ?, ended_at = ?, abort_reason = ? WHERE id = ?').run(
    u.status,
    u.currentStep,
    JSON.stringify(u.vars),
    u.endedAt,
    u.abortReason,
    id,
  );
}

export function setRunPaused(db: Database, id: number, paused: RunRow['paused']): void {
  db.prepare('UPDATE playbook_runs SET paused = ? WHERE id = ?').run(paused === null ? null : JSON.stringify(paused), id);
}

/** Adds a pause's length to the step it happened in (its time against the target leaves the pause out). */
export function addPausedSeconds(db: Database, run: number, seq: number, seconds: number): void {
  db.prepare('UPDATE playbook_run_steps SET paused_seconds = paused_seconds + ? WHERE run = ? AND seq = ?').run(seconds, run, seq);
}

/** Every run, newest first. */
export function listRuns(db: Database): RunRow[] {
  return (db.prepare('SELECT * FROM playbook_runs ORDER BY id DESC').all() as Record<string, unknown>[]).map(runOf);
}

export function setRunCovers(db: Database, id: number, covers: RunRow['covers']): void {
  db.prepare('UPDATE playbook_runs SET covers = ? WHERE id = ?').run(JSON.stringify(covers), id);
}

export interface RunStepRow {
  run: number;
  seq: number;
  step: number;
  status: 'open' | 'awaiting_second' | 'done' | 'refused' | 'aborted';
  startedAt: string;
  endedAt: string | null;
  actor: string | null;
  secondActor: string | null;
  note: string | null;
  outcome: string | null;
  why: string | null;
  approvalId: number | null;
  pausedSeconds: number;
}

function stepOf(r: Record<string, unknown>): RunStepRow {
  return {
    run: Number(r.run),
    seq: Number(r.seq),
    step: Number(r.step),
    status: r.status as RunStepRow['status'],
    startedAt: r.started_at as string,
    endedAt: (r.ended_at as string | null) ?? null,
    actor: (r.actor as string | null) ?? null,
    secondActor: (r.second_actor as string | null) ?? null,
    note: (r.note as string | null) ?? null,
    outcome: (r.outcome as string | null) ?? null,
    why: (r.why as string | null) ?? null,
    approvalId: r.approval_id === null ? null : Number(r.approval_id),
    pausedSeconds: Number(r.paused_seconds),
  };
}

/** Opens the run's next step row (the step it has reached), started at `at`. */
export function openRunStep(db: Database, run: number, step: number, at: string): void {
  const seq = Number(db.prepare('SELECT coalesce(max(seq), 0) + 1 FROM playbook_run_steps WHERE run = ?').pluck().get(run) as bigint);
  db.prepare(`INSERT INTO playbook_run_steps (run, seq, step, status, started_at) VALUES (?, ?, ?, 'open', ?)`).run(run, seq, step, at);
}

/** The run's step row still open (open or waiting for a second person), if any. */
export function currentRunStep(db: Database, run: number): RunStepRow | undefined {
  const r = db.prepare(`SELECT * FROM playbook_run_steps WHERE run = ? AND status IN ('open', 'awaiting_second') ORDER BY seq DESC LIMIT 1`).get(run) as
    | Record<string, unknown>
    | undefined;
  return r ? stepOf(r) : undefined;
}

export function updateRunStep(db: Database, s: RunStepRow): void {
  db.prepare(
    `UPDATE playbook_run_steps SET status = ?, ended_at = ?, actor = ?, second_actor = ?, note = ?, outcome = ?, why = ?, approval_id = ?
      WHERE run = ? AND seq = ?`,
  ).run(s.status, s.endedAt, s.actor, s.secondActor, s.note, s.outcome, s.why, s.approvalId, s.run, s.seq);
}

/** The steps the run took, in order. */
export function runSteps(db: Database, run: number): RunStepRow[] {
  return (db.prepare('SELECT * FROM playbook_run_steps WHERE run = ? ORDER BY seq').all(run) as Record<string, unknown>[]).map(stepOf);
}

/** Manual steps of running runs signed once and waiting for a second person (a held command waits as an approval). */
export function stepsAwaitingSecond(db: Database): { run: number; playbook: string; version: number; step: number; actor: string; startedAt: string }[] {
  const rows = db
    .prepare(
      `SELECT s.run, r.playbook, r.version, s.step, s.actor, s.started_at FROM playbook_run_steps s JOIN playbook_runs r ON r.id = s.run
        WHERE s.status = 'awaiting_second' AND s.approval_id IS NULL AND r.status = 'running' ORDER BY s.run`,
    )
    .all() as Record<string, unknown>[];
  return rows.map((r) => ({ run: Number(r.run), playbook: r.playbook as string, version: Number(r.version), step: Number(r.step), actor: r.actor as string, startedAt: r.started_at as string }));
}
