// `riskdesk playbook list|show|import|export|start|step|pause|resume|abort|inject|report`: recovery playbooks and their runs from the
// command line, through the same command layer as the console (scripted drills). A door: the rules are in
// main/commands/playbooks.
//
// Drills. `start --mode drill` opens the live ledger read-only, copies it with SQLite's online backup into the
// sidecar folder beside it, `<ledger>.drills/`, and starts the run in the copy (main/doors/makeDrill.ts, as a
// console's playbooks.drill does): the drill's run, its steps and every command they run are journalled in the copy,
// never in the live file (which is never opened for writing). The copy is named after its run, `<ledger>.drills/run-N.db`, so `step`, `abort` and `report --run N --db <ledger>` find
// it there without reading or writing the live file; `riskdesk verify --db <ledger>.drills/run-N.db` checks its
// journal. Drill and live run numbers never meet: a drill's run takes a number above every live run (the copy holds
// them) and every earlier drill, and a live run one above every drill in the folder.
import fs from 'node:fs';
import YAML from 'yaml';
import type { Channel, InputOf } from '../../shared/contract.ts';
import { DRILL_SCENARIO_IDS, type DrillScenarioId, type InjectedEvent } from '../../shared/contractPlaybook.ts';
import type { HandEvent, HappenedEvent, PlaybookImport, PlaybookSummary, PlaybookView, RunReport, RunState } from '../../shared/contractPlaybook.ts';
import { InputError } from '../../shared/errors.ts';
import { parseInjected } from '../../shared/drillEvents.ts';
import { checkPlaybook } from '../commands/playbooks/definition.ts';
import { briefOf } from '../commands/playbooks/report.ts';
import { reportHtml } from '../playbooks/reportHtml.ts';
import { exportFile } from './exportFile.ts';
import { drillFile } from '../playbooks/sandbox.ts';
import { drillIds, makeDrill, scenarioPath, type Where } from '../doors/makeDrill.ts';
import { table } from '../text/table.ts';
import type { CliIo, Writer } from './io.ts';

export interface PlaybookDoor {
  run(channel: Channel, payload: unknown): Promise<unknown>;
  json: boolean;
  opt(key: string): string | boolean | undefined;
  need(key: string, what: string): string;
  io: CliIo;
  /** The ledger named by --db. */
  db: string;
  /** Runs a channel against a ledger file (the ledger, or a drill's sandbox copy of it), signed in there. */
  runAt(at: Where, channel: Channel, payload: unknown): Promise<unknown>;
}

function emit(door: PlaybookDoor, value: unknown, human: (out: Writer) => void): void {
  if (door.json) door.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else human(door.io.stdout);
}

/** Where run N lives: its drill's sandbox when there is one, else the ledger itself. */
function ledgerOfRun(door: PlaybookDoor, run: number): Where {
  const f = drillFile(door.db, run);
  return fs.existsSync(f) ? { file: f, sandbox: true } : { file: door.db, sandbox: false };
}

function runOpt(door: PlaybookDoor): number {
  const v = door.need('run', 'the run number');
  if (!/^[1-9]\d{0,15}$/.test(v)) throw new InputError(`--run must be a run number (a positive whole number), not "${v}"`, { field: 'run' });
  return Number(v);
}

/** --param member=NGC,x=y as the run's parameters. */
function params(door: PlaybookDoor): Record<string, string> | undefined {
  const v = door.opt('param');
  if (typeof v !== 'string') return undefined;
  const out: Record<string, string> = {};
  v.split(',').forEach((part, i) => {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m) throw new InputError(`--param entry ${i + 1} "${part}" must look like NAME=VALUE`, { field: 'param' });
    out[m[1]!] = m[2]!;
  });
  return out;
}

const isYaml = (file: string) => /\.ya?ml$/i.test(file);

/** A playbook file, JSON or YAML by its extension, parsed (not yet checked). */
function readPlaybookFile(file: string): unknown {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new InputError(`playbook file not found: ${file}`, { file });
  const text = fs.readFileSync(file, 'utf8');
  try {
    return isYaml(file) ? (YAML.parse(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (e) {
    throw new InputError(`not ${isYaml(file) ? 'YAML' : 'JSON'}: ${(e as Error).message}`, { file });
  }
}

/** The step's --json shape (issue 16 item 6); why a run stopped goes to stderr, where a script's log keeps it. */
const stepShape = (s: RunState) => ({
  run: s.run,
  status: s.status,
  current: s.current === null ? null : { index: s.current.index, title: s.current.title, kind: s.current.kind },
});

function printState(door: PlaybookDoor, s: RunState): void {
  const out = door.io.stdout;
  out.write(`run ${s.run}: ${s.status}${s.paused ? ', paused' : ''}${s.why ? ` (${s.why})` : ''}\n`);
  if (s.current) out.write(`next: step ${s.current.index} "${s.current.title}" (${s.current.kind})${s.current.waitingForSecond ? ', waiting for a second person' : ''}\n`);
}

/** The whole report (item 5) to a new file: .json as the command layer gives it, .html as one page, .pdf printed. */
function exportReport(r: RunReport, to: string): void {
  exportFile(to, { '.json': () => `${JSON.stringify(r, null, 2)}\n`, '.html': () => reportHtml(r) });
}

/** --inject stale@30..45,missed-call:KCM@60,default:KCM@90 (minutes of the drill's clock) as the drill's events. */
function injected(door: PlaybookDoor): InjectedEvent[] | undefined {
  const v = door.opt('inject');
  return typeof v === 'string' ? parseInjected(v, '--inject') : undefined;
}

/** --event default:KCM | missed-call:NGC | stale:15 (minutes): an event the conductor injects by hand, now. */
function handEventOf(door: PlaybookDoor): HandEvent {
  const v = door.need('event', 'the event: default:MEMBER, missed-call:MEMBER or stale:MINUTES');
  const s = /^\s*stale:(\d{1,4})\s*$/.exec(v);
  if (s) return { kind: 'stale', minutes: Number(s[1]) };
  const m = /^\s*(missed-call|default):([A-Za-z0-9._:-]+)\s*$/.exec(v);
  if (m) return { kind: m[1] === 'default' ? 'default' : 'missedCall', member: m[2]! };
  throw new InputError(`--event "${v}" must look like default:MEMBER, missed-call:MEMBER or stale:MINUTES`, { field: 'event' });
}

/** --scenario ID [--speed N]: the scenario's path over the sandbox's book (its instruments and marks), and the drill clock's speed. */
async function scenarioOf(door: PlaybookDoor, at: Where): Promise<InputOf<'playbooks.start'>['scenario']> {
  const id = door.opt('scenario');
  if (typeof id !== 'string') return undefined;
  if (!(DRILL_SCENARIO_IDS as string[]).includes(id)) throw new InputError(`--scenario must be one of ${DRILL_SCENARIO_IDS.join(', ')}, not "${id}"`, { field: 'scenario' });
  const speed = door.opt('speed');
  if (speed !== undefined && (typeof speed !== 'string' || !/^[1-9]\d{0,4}$/.test(speed) || Number(speed) > 86_400)) {
    throw new InputError('--speed must be market seconds per drill second, a whole number from 1 to 86400', { field: 'speed' });
  }
  return scenarioPath(id as DrillScenarioId, speed === undefined ? undefined : Number(speed), (channel, payload) => door.runAt(at, channel, payload));
}

function startDrill(door: PlaybookDoor, payload: Record<string, unknown>): Promise<{ run: number; sandbox: string }> {
  return makeDrill(door.db, async (where, firstId) => {
    const scenario = await scenarioOf(door, where);
    const inject = injected(door);
    const s = (await door.runAt(where, 'playbooks.start', { ...payload, mode: 'drill', firstId, ...(scenario ? { scenario } : {}), ...(inject ? { inject } : {}) })) as RunState;
    return s.run;
  });
}

export async function playbookCli(door: PlaybookDoor, rest: string[]): Promise<number> {
  const [sub = 'list', file] = rest;
  const out = door.io.stdout;
  switch (sub) {
    case 'list': {
      const rows = (await door.run('playbooks.list', {})) as PlaybookSummary[];
      const shaped = rows.map((r) => ({ id: r.id, name: r.name, version: r.version, steps: r.steps }));
      emit(door, shaped, (o) => table(o, ['id', 'name', 'version', 'steps', 'source'], rows.map((r) => [r.id, r.name, r.version === 0 ? '(library)' : String(r.version), String(r.steps), r.source])));
      return 0;
    }
    case 'show':
    case 'export': {
      const version = door.opt('version');
      if (version !== undefined && (typeof version !== 'string' || !/^[1-9]\d{0,8}$/.test(version))) throw new InputError('--version must be a positive whole number', { field: 'version' });
      const v = (await door.run('playbooks.get', { id: door.need('playbook', 'the playbook id'), ...(typeof version === 'string' ? { version: Number(version) } : {}) })) as PlaybookView;
      if (sub === 'export') {
        const to = door.opt('to');
        const text = typeof to === 'string' && isYaml(to) ? YAML.stringify(v) : `${JSON.stringify(v, null, 2)}\n`;
        if (typeof to === 'string') {
          if (fs.existsSync(to)) throw new InputError(`${to} already exists: export never overwrites a file`);
          fs.writeFileSync(to, text, { flag: 'wx' });
          door.io.stderr.write(`exported ${v.id} version ${v.version} to ${to}\n`);
        } else out.write(text);
        return 0;
      }
      emit(door, v, (o) => {
        o.write(`${v.name} (${v.id}), version ${v.version === 0 ? '(library, not yet installed)' : v.version}\n`);
        if (v.description) o.write(`${v.description}\n`);
        table(
          o,
          ['#', 'kind', 'title', 'who / command', 'target s', 'branches'],
          v.steps.map((s, i) => [
            String(i + 1),
            s.kind,
            s.title,
            s.kind === 'manual' ? `${s.role}${s.fourEyes ? ' x2' : ''}` : s.channel,
            String(s.targetSeconds),
            (s.branches ?? []).map((b) => `step ${b.when.step} "${b.when.outcome}" -> ${b.goto}`).join('; '),
          ]),
        );
      });
      return 0;
    }
    case 'import': {
      if (file === undefined) throw new InputError('usage: riskdesk playbook import FILE.json|FILE.yaml --db F --reason R --as USER', { field: 'file' });
      const json = readPlaybookFile(file);
      checkPlaybook(json, file); // refused here with the file named; the command layer checks it again
      const s = (await door.run('playbooks.import', { definition: json, reason: door.need('reason', 'why the playbook changes') })) as PlaybookImport;
      emit(door, s, (o) =>
        o.write(
          s.pending
            ? `asked: ${s.id} version ${s.version} (${s.steps} steps) waits for a second supervisor: riskdesk approvals confirm --id ${s.pending.approval}\n`
            : `imported ${s.id} as version ${s.version} (${s.steps} steps)\n`,
        ),
      );
      return 0;
    }
    case 'start': {
      const mode = door.need('mode', 'drill or live');
      if (mode !== 'drill' && mode !== 'live') throw new InputError(`--mode must be drill or live, not "${mode}"`, { field: 'mode' });
      const p = params(door);
      const payload = { playbook: door.need('playbook', 'the playbook id'), ...(p ? { params: p } : {}) };
      let shaped: { run: number; mode: string; sandbox: string | null };
      if (mode === 'drill') {
        const d = await startDrill(door, payload);
        shaped = { run: d.run, mode, sandbox: d.sandbox };
      } else {
        if (door.opt('scenario') !== undefined) throw new InputError('--scenario replays a market only in a drill (--mode drill), never on the live ledger', { field: 'scenario' });
        if (door.opt('inject') !== undefined) throw new InputError('--inject is for a drill (--mode drill), never the live ledger', { field: 'inject' });
        const firstId = Math.max(0, ...drillIds(door.db)) + 1;
        const s = (await door.run('playbooks.start', { ...payload, mode, firstId })) as RunState;
        shaped = { run: s.run, mode, sandbox: null };
      }
      emit(door, shaped, (o) => o.write(`run ${shaped.run} started (${mode}${shaped.sandbox ? `, sandbox ${shaped.sandbox}` : ''})\n`));
      return 0;
    }
    case 'step':
    case 'pause':
    case 'resume':
    case 'abort': {
      const run = runOpt(door);
      const at = ledgerOfRun(door, run);
      let s: RunState;
      if (sub === 'step') {
        const note = door.opt('note');
        const outcome = door.opt('outcome');
        s = (await door.runAt(at, 'playbooks.step', { run, ...(typeof note === 'string' ? { note } : {}), ...(typeof outcome === 'string' ? { outcome } : {}) })) as RunState;
      } else if (sub === 'pause') s = (await door.runAt(at, 'playbooks.pause', { run, reason: door.need('reason', 'why the run is paused') })) as RunState;
      else if (sub === 'resume') s = (await door.runAt(at, 'playbooks.resume', { run })) as RunState;
      else s = (await door.runAt(at, 'playbooks.abort', { run, reason: door.need('reason', 'why the run is aborted') })) as RunState;
      if (door.json) {
        emit(door, stepShape(s), () => {});
        if (s.why) door.io.stderr.write(`run ${s.run} ${s.status}: ${s.why}\n`);
        if (s.current?.waitingForSecond) door.io.stderr.write(`step ${s.current.index} waits for a second person\n`);
      } else printState(door, s);
      return 0;
    }
    case 'inject': {
      const run = runOpt(door);
      const h = (await door.runAt(ledgerOfRun(door, run), 'playbooks.inject', { run, event: handEventOf(door) })) as HappenedEvent;
      emit(door, { run, ...h }, (o) => o.write(`run ${run}: ${h.by} injected at ${h.at}: ${h.text}\n  ${h.effect}\n`));
      return 0;
    }
    case 'report': {
      const run = runOpt(door);
      const r = (await door.runAt(ledgerOfRun(door, run), 'playbooks.report', { run })) as RunReport;
      const to = door.opt('export');
      if (typeof to === 'string') {
        exportReport(r, to);
        door.io.stderr.write(`exported the report of run ${r.run} to ${to}\n`);
        return 0;
      }
      emit(door, briefOf(r), (o) => {
        o.write(`run ${r.run}: ${r.name} v${r.version}, ${r.mode}, ${r.status}${r.why ? ` (${r.why})` : ''}; started by ${r.startedBy} at ${r.startedAt}\n`);
        table(
          o,
          ['#', 'title', 'kind', 'actor', 'second', 'started', 'seconds', 'target', 'outcome'],
          r.steps.map((s) => [String(s.index), s.title, s.kind, s.actor ?? '', s.secondActor ?? '', s.startedAt, s.seconds === null ? '' : String(s.seconds), String(s.targetSeconds), s.outcome ?? s.why ?? s.status]),
          [6, 7],
        );
        const sc = r.score;
        o.write(`score: ${sc.onTime} of ${sc.steps} steps on time (${sc.ratio})`);
        if (sc.loss !== null) o.write(`; loss ${sc.loss} against ${sc.automaticLoss} on the automatic path`);
        if (sc.cover2Held !== null) o.write(`; Cover-2 ${sc.cover2Held ? 'held' : 'NOT held'} at the end`);
        o.write('\n');
      });
      return 0;
    }
    default:
      throw new InputError(`unknown playbook subcommand "${sub}": list, show, import, export, start, step, pause, resume, abort, inject, report`);
  }
}
