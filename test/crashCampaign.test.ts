// The kill -9 campaign over the writing commands (issue 19; design.md §4 "Nothing half-done"), beyond the cycle and
// the large import that test/crash.test.ts aims precisely: a second cycle, a price import, a deposit, a liquidation's
// approval and its simulated fill, a waiver, a default's declaration, its close-out and its allocation down the
// waterfall (the demo book's waterfall covers a default's loss before the assessments and the recovery tools, so those
// are not reached here), and playbook steps: a live run's automated step, and a drill's step in its sandbox (its
// command, and an injected default declared at that step), where the ledger itself must stay byte-identical. Each run
// copies a prepared ledger to a new file, starts the real CLI on it, SIGKILLs it after a seeded random delay over the
// whole life of the process (and past it), then checks integrity_check, `riskdesk verify`, and that every table is as
// before the command or as after it (an uninterrupted run of the same command on the same clock). Counts are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { riskdesk, riskdeskAs, startRiskdesk, dumpLedger, withLedger, prng, tempDir, sha256File, PASSWORDS, type DemoUser, type LedgerDump } from './support/cli.ts';

// Over 100 runs in all, shared by the commands: each run is a process start, so the campaign's CPU grows with the total.
const RUNS_PER_COMMAND = 10;
const SEED = 0x19_0c4a;
const at = (min: number) => new Date(Date.parse('2026-03-12T21:00:00Z') + min * 60_000).toISOString();

let dir: string;

interface Command {
  name: string;
  /** The prepared ledger it runs on. */
  base: string;
  as?: DemoUser;
  args: (db: string) => string[];
  /** A drill's step: the command writes to run `run`'s sandbox, prepared beside `base`, never to `base` itself. */
  drill?: { sandbox: string; run: number };
}

const commands: Command[] = [];

function ok(r: { code: number | null; describe(): string }) {
  assert.equal(r.code, 0, r.describe());
  return r as typeof r & { json<T = any>(): T };
}

/** A prepared ledger: `from` copied, then `steps` run on it (closed cleanly: no WAL left). */
async function prepare(name: string, from: string | null, steps: (db: string) => Promise<void>): Promise<string> {
  const file = path.join(dir, `${name}.db`);
  if (from) fs.copyFileSync(from, file);
  await steps(file);
  assert.equal(fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0, false, `${name}: a clean file`);
  return file;
}

before(async () => {
  dir = tempDir(undefined, 'riskdesk-killcampaign-');
  const cycled = await prepare('cycled', null, async (db) => {
    ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '300', '--seed', '7', '--now', at(-60)]));
    ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', at(0), '--now', at(0)]));
  });
  const call = ok(await riskdesk(['calls', '--db', cycled, '--json'])).json<{ id: number; status: string; outstanding: string }[]>().find((c) => c.status === 'open' || c.status === 'overdue')!;
  const liqs = ok(await riskdesk(['liquidations', '--db', cycled, '--json'])).json<{ id: number }[]>();
  assert.ok(call && liqs.length > 0, 'the cycle opened calls and proposed liquidations');
  // A liquidation one operator may approve alone (below the four-eyes threshold), approved: ready to fill.
  let fillable: { id: number; instrument: string; quantity: string } | null = null;
  const approved = await prepare('approved', cycled, async (db) => {
    for (const l of liqs) {
      const d = ok(await riskdesk(['liquidations', 'show', '--db', db, '--id', String(l.id), '--json'])).json<{ fourEyes: boolean; orders: { instrument: string; quantity: string }[] }>();
      if (d.fourEyes || d.orders.length === 0) continue;
      const o = d.orders[0]!;
      ok(await riskdeskAs('operator', ['liquidations', 'approve', '--db', db, '--id', String(l.id), '--orders', `${o.instrument}=${o.quantity}`, '--now', at(1)]));
      fillable = { id: l.id, instrument: o.instrument, quantity: o.quantity };
      return;
    }
  });
  assert.ok(fillable, 'a liquidation below the four-eyes threshold');
  const f = fillable as { id: number; instrument: string; quantity: string };
  let caseId = 0;
  const confirmed = await prepare('confirmed', cycled, async (db) => {
    caseId = ok(await riskdeskAs('supervisor', ['default', 'declare', '--db', db, '--member', 'TWC', '--reason', 'missed settlement', '--json', '--now', at(1)])).json<{ id: number }>().id;
    ok(await riskdeskAs('supervisor2', ['default', 'confirm', '--db', db, '--case', String(caseId), '--now', at(2)]));
  });
  const closedOut = await prepare('closed-out', confirmed, async (db) => {
    ok(await riskdeskAs('supervisor', ['default', 'close-out', '--db', db, '--case', String(caseId), '--now', at(3)]));
  });
  // A live run of the flash-crash playbook and a drill of it (an injected default of KCM at its first minute): the
  // next step of each pauses automation through the dispatcher, and the drill's also declares the default.
  let liveRun = 0;
  const running = await prepare('running', cycled, async (db) => {
    liveRun = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', db, '--playbook', 'flash-crash', '--mode', 'live', '--now', at(3), '--json'])).json<{ run: number }>().run;
  });
  let drill = { sandbox: '', run: 0 };
  const drilled = await prepare('drilled', cycled, async (db) => {
    const d = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', db, '--playbook', 'flash-crash', '--mode', 'drill', '--inject', 'default:KCM@0', '--now', at(3), '--json'])).json<{ run: number; sandbox: string }>();
    drill = { sandbox: d.sandbox, run: d.run };
  });
  const prices = path.join(dir, 'prices.csv');
  const { instruments, marks } = withLedger(cycled, (d) => ({
    instruments: d.prepare('SELECT id FROM instruments ORDER BY id').pluck().all() as string[],
    marks: new Map(d.prepare("SELECT instrument_id, mark FROM prices WHERE at = (SELECT max(at) FROM prices)").raw().all() as [string, bigint][]),
  }));
  // The latest marks again, a minute apart for two hours (ticks as stored: the marks are exact multiples already).
  const ticks = withLedger(cycled, (d) => new Map(d.prepare('SELECT id, tick FROM instruments').raw().all() as [string, string][]));
  const lines = ['instrument,at,mark,source'];
  for (let m = 1; m <= 120; m++) {
    for (const id of instruments) {
      const mark = marks.get(id);
      if (mark === undefined) continue;
      const tick = ticks.get(id)!;
      const [w, fr = ''] = tick.split('.');
      const n = mark * BigInt(`${w}${fr}`);
      const s = n.toString().padStart(fr.length + 1, '0');
      lines.push(`${id},${at(5 + m)},${fr.length ? `${s.slice(0, -fr.length)}.${s.slice(-fr.length)}` : s},gen`);
    }
  }
  fs.writeFileSync(prices, `${lines.join('\n')}\n`);

  commands.push(
    { name: 'cycle', base: cycled, as: 'operator', args: (db) => ['cycle', '--db', db, '--at', at(0), '--now', at(10)] },
    { name: 'import prices', base: cycled, args: (db) => ['import', '--db', db, 'prices', prices, '--now', at(10)] },
    { name: 'deposit', base: cycled, as: 'operator', args: (db) => ['deposit', '--db', db, '--id', String(call.id), '--amount', call.outstanding, '--now', at(10)] },
    { name: 'liquidation approve', base: cycled, as: 'operator', args: (db) => ['liquidations', 'approve', '--db', db, '--id', String(f.id), '--orders', `${f.instrument}=${f.quantity}`, '--now', at(10)] },
    { name: 'liquidation fill', base: approved, as: 'operator', args: (db) => ['liquidations', 'fill', '--db', db, '--id', String(f.id), '--instrument', f.instrument, '--quantity', f.quantity, '--simulate', '--now', at(10)] },
    { name: 'default declare', base: cycled, as: 'supervisor', args: (db) => ['default', 'declare', '--db', db, '--member', 'TWC', '--reason', 'missed settlement', '--now', at(10)] },
    { name: 'default close-out', base: confirmed, as: 'supervisor', args: (db) => ['default', 'close-out', '--db', db, '--case', String(caseId), '--now', at(10)] },
    { name: 'waive', base: cycled, as: 'supervisor', args: (db) => ['waive', '--db', db, '--id', String(call.id), '--reason', 'fee dispute settled', '--now', at(10)] },
    { name: 'default waterfall', base: closedOut, as: 'supervisor', args: (db) => ['default', 'waterfall', '--db', db, '--case', String(caseId), '--now', at(10)] },
    { name: 'playbook step (live)', base: running, as: 'supervisor', args: (db) => ['playbook', 'step', '--db', db, '--run', String(liveRun), '--now', at(10)] },
    { name: 'playbook step (drill)', base: drilled, drill, as: 'supervisor', args: (db) => ['playbook', 'step', '--db', db, '--run', String(drill.run), '--now', at(10)] },
  );
}, { timeout: 180_000 });

after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A new copy of the command's ledger (and of its drill's sandbox beside it); `target`: the file the command writes. */
function copyOf(c: Command): { ledger: string; target: string } {
  // A new name each run: the CLI keeps checkpoints per ledger path, and a run's must not meet another's.
  const ledger = path.join(dir, `run-${++n}.db`);
  fs.copyFileSync(c.base, ledger);
  if (!c.drill) return { ledger, target: ledger };
  const target = path.join(`${ledger}.drills`, `run-${c.drill.run}.db`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(c.drill.sandbox, target);
  return { ledger, target };
}

function remove(files: { ledger: string }): void {
  for (const s of ['', '-wal', '-shm']) fs.rmSync(files.ledger + s, { force: true });
  fs.rmSync(`${files.ledger}.drills`, { recursive: true, force: true });
}

function envOf(c: Command) {
  return { env: c.as ? { RISKDESK_PASSWORD: PASSWORDS[c.as] } : {} };
}

function argsOf(c: Command, db: string): string[] {
  return c.as ? [...c.args(db), '--as', c.as] : c.args(db);
}

/** An uninterrupted run: how long it lives, and the ledger after it. */
async function reference(c: Command): Promise<{ ms: number; after: LedgerDump }> {
  const files = copyOf(c);
  const { done } = startRiskdesk(argsOf(c, files.ledger), envOf(c));
  const r = await done;
  assert.equal(r.code, 0, r.describe());
  const after = dumpLedger(files.target);
  remove(files);
  return { ms: r.ms, after };
}

type Outcome = 'before' | 'after';

/** Which of the two states `got` is, table by table; tables that differ between two clean runs compare by row count. */
function outcomeOf(got: LedgerDump, beforeDump: LedgerDump, afterDump: LedgerDump, loose: Set<string>): Outcome | string {
  const same = (a: LedgerDump) =>
    a.schema === got.schema &&
    Object.keys(a.tables).every((t) => (loose.has(t) ? a.tables[t]!.rows === got.tables[t]?.rows : a.tables[t]!.sha256 === got.tables[t]?.sha256));
  if (same(beforeDump)) return 'before';
  if (same(afterDump)) return 'after';
  const differs = Object.keys(got.tables).filter((t) => got.tables[t]!.sha256 !== beforeDump.tables[t]?.sha256 && got.tables[t]!.sha256 !== afterDump.tables[t]?.sha256);
  return `neither before nor after: ${differs.join(', ')}`;
}

test(`kill -9 campaign: ${RUNS_PER_COMMAND} runs of each writing command leave a ledger that checks, verifies, and is before or after`, { timeout: 600_000 }, async (t) => {
  const rnd = prng(SEED);
  const totals = { runs: 0, killed: 0, before: 0, after: 0 };
  for (const c of commands) {
    const beforeDump = dumpLedger(c.drill?.sandbox ?? c.base);
    const ledgerSha = sha256File(c.base);
    const a = await reference(c);
    const b = await reference(c);
    const loose = new Set(Object.keys(a.after.tables).filter((k) => a.after.tables[k]!.sha256 !== b.after.tables[k]!.sha256));
    assert.notDeepEqual(a.after.journalHead, beforeDump.journalHead, `${c.name}: the command writes`);
    const span = Math.min(a.ms, b.ms);
    const tally = { killed: 0, before: 0, after: 0 };
    for (let i = 0; i < RUNS_PER_COMMAND; i++) {
      const files = copyOf(c);
      const file = files.target;
      // Spread over the whole life of the process and past it: a loaded machine stretches a run well beyond its span.
      const delay = Math.round(span * (0.05 + 1.6 * ((i + rnd()) / RUNS_PER_COMMAND)));
      const { child, done } = startRiskdesk(argsOf(c, files.ledger), envOf(c));
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await done;
      clearTimeout(timer);
      const killed = r.signal === 'SIGKILL';
      if (!killed) assert.equal(r.code, 0, `${c.name} run ${i}: ${r.describe()}`);
      const integrity = withLedger(file, (d) => d.pragma('integrity_check', { simple: true }));
      assert.equal(integrity, 'ok', `${c.name} run ${i} (kill at ${delay} ms): integrity_check`);
      const v = await riskdesk(['verify', '--db', file]);
      assert.equal(v.code, 0, `${c.name} run ${i} (kill at ${delay} ms): ${v.describe()}`);
      const outcome = outcomeOf(dumpLedger(file), beforeDump, a.after, loose);
      assert.ok(outcome === 'before' || outcome === 'after', `${c.name} run ${i} (kill at ${delay} ms${killed ? '' : ', finished'}): ${outcome}`);
      if (c.drill) assert.equal(sha256File(files.ledger), ledgerSha, `${c.name} run ${i}: the ledger itself is byte-identical`);
      if (killed) tally.killed++;
      tally[outcome]++;
      remove(files);
    }
    const line = `${c.name}: ${RUNS_PER_COMMAND} runs (span ${Math.round(span)} ms), ${tally.killed} killed, ledger as before ${tally.before}, as after ${tally.after}`;
    t.diagnostic(line);
    process.stdout.write(`kill -9 ${line}\n`);
    totals.runs += RUNS_PER_COMMAND;
    totals.killed += tally.killed;
    totals.before += tally.before;
    totals.after += tally.after;
  }
  process.stdout.write(`kill -9 campaign: ${totals.runs} runs, ${totals.killed} killed, as before ${totals.before}, as after ${totals.after}\n`);
  assert.ok(totals.runs >= 100);
  assert.ok(totals.before > 0 && totals.after > 0, 'both outcomes occur');
});
