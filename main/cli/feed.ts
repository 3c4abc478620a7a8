// `riskdesk feed --db F [--as USER]`: the market-data door. Takes NDJSON marks ({"instrument","price","time"} per
// line, or a perpetual's funding-rate mark {"instrument","fundingRate","fundingTime","time"}, which goes to
// funding.tick) from stdin, a file being appended (--file), or a local socket (--socket PATH, --port N on
// 127.0.0.1), or replays a price path (--replay prices.csv, or --daily --days FROM..TO from ../shared/data) at
// --speed 1-3600, and sends them in batches to prices.tick through dispatch, as the signed-in user or the batch
// actor. A bad line is refused on stderr with its line number and why; the feed goes on. During a replay, lines typed
// on stdin steer it: pause, resume, step, speed N, stop.
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import readline from 'node:readline';
import { dispatch } from '../commands/dispatch.ts';
import { signIn } from '../commands/auth.ts';
import type { Actor } from '../commands/context.ts';
import { openLedger, type Ledger } from '../ledger/db.ts';
import { ResidentBook } from '../resident/residentBook.ts';
import { LiveConsole, type LiveDoor } from '../doors/liveConsole.ts';
import { DEFAULT_BATCH_MARKS } from '../feed/hub.ts';
import type { TickOutput } from '../../shared/contract.ts';
import { InputError } from '../../shared/errors.ts';
import { normaliseTime } from '../../shared/time.ts';
import { readPassword } from './password.ts';
import type { CliIo } from './io.ts';
import { MIN_REPLAY_SPEED, MAX_REPLAY_SPEED } from '../../shared/contractFeed.ts';
import { decodeCsv } from '../csv/encoding.ts';

export const FEED_USAGE = `riskdesk feed --db F [--as USER] [--now ISO] [SOURCE] [--batch-ms 0] [--batch-size 100] [--json]
  SOURCE (default: NDJSON lines on stdin, {"instrument":"BTC-PERP","price":"64250.5","time":"2026-03-12T16:00:00Z"},
  or a perpetual's funding rate, {"instrument":"BTC-PERP","fundingRate":"0.0001","fundingTime":"2026-03-12T16:00:00Z","time":"..."}):
    --file F [--from-start]        follow a file being appended (from its end unless --from-start)
    --socket PATH | --port N       listen on a unix socket, or on 127.0.0.1:N
    --replay PRICES.csv            replay the app's prices CSV (instrument, at, mark)
    --daily --days FROM..TO        replay ../shared/data daily closes, bridged intraday [--steps N] [--seed S]
    with a replay: --speed X (1-3600, default 60), --keep-times (marks keep the path's times and each batch runs on
    the market's clock: for a drill on a copy), and stdin lines pause | resume | step | speed N | stop`;

const OPTIONS = {
  db: { type: 'string' },
  as: { type: 'string' },
  now: { type: 'string' },
  file: { type: 'string' },
  'from-start': { type: 'boolean', default: false },
  socket: { type: 'string' },
  port: { type: 'string' },
  replay: { type: 'string' },
  daily: { type: 'boolean', default: false },
  days: { type: 'string' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  speed: { type: 'string' },
  'keep-times': { type: 'boolean', default: false },
  'batch-ms': { type: 'string' },
  'batch-size': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const BATCH: Actor = { name: 'batch', role: 'operator', batch: true };

function whole(v: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InputError(`--${name} must be a whole number from ${min} to ${max}, not "${v}"`, { field: name });
  return Number(v);
}

/** The clock: the wall clock, or one that starts at --now and runs at the wall clock's pace. */
function clockOf(now: string | undefined): () => Date {
  if (now === undefined) return () => new Date();
  const offset = Date.parse(normaliseTime(now, 'now')) - Date.now();
  return () => new Date(Date.now() + offset);
}

export async function feedCli(argv: string[], io: CliIo): Promise<number> {
  const { values: o } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  if (o.help) {
    io.stdout.write(`${FEED_USAGE}\n`);
    return 0;
  }
  if (!o.db) throw new InputError('--db is required: the ledger file');
  if (!fs.existsSync(o.db)) throw new InputError(`ledger file not found: ${o.db}`);
  const sources = [o.file, o.socket, o.port, o.replay, o.daily ? 'daily' : undefined].filter((x) => x !== undefined);
  if (sources.length > 1) throw new InputError('give one source: --file, --socket, --port, --replay or --daily (none: stdin)');
  const speed = o.speed === undefined ? 60 : Number(o.speed);
  if (!(speed >= MIN_REPLAY_SPEED && speed <= MAX_REPLAY_SPEED)) throw new InputError(`--speed must be from ${MIN_REPLAY_SPEED} to ${MAX_REPLAY_SPEED}, not "${o.speed}"`, { field: 'speed' });
  const now = clockOf(o.now);
  let db: Ledger;
  try {
    db = openLedger(o.db);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  try {
    const actor = o.as === undefined ? BATCH : (await signIn(db, { name: o.as, password: io.env.RISKDESK_PASSWORD ?? (await readPassword(io, `password for ${o.as}: `)), source: `cli:${os.userInfo().username}` }, now)).actor;
    // A feed runs for long: it keeps the book resident, as the console does, so a batch does not read it whole.
    const resident = new ResidentBook(db);
    const door: LiveDoor = {
      db,
      now,
      runAs: (who, channel, payload, clock) => {
        const value = dispatch({ db, actor: who, now: clock ? () => clock : now, resident }, channel, payload);
        if (channel === 'prices.tick') for (const c of (value as TickOutput).calls) io.stderr.write(`riskdesk feed: call ${c.callId} issued to ${c.account} for ${c.amount}\n`);
        return value;
      },
      emit: (e) => {
        if (e.type === 'alert') io.stderr.write(`riskdesk feed: ${e.alert.level}: ${e.alert.text}\n`);
      },
      log: (line) => io.stderr.write(`${line}\n`),
      // The CLI feed runs no cycle of its own between marks: nothing to wait for.
      whenIdle: (f) => f(),
    };
    const live = new LiveConsole(door, {
      schedule: false,
      batchMs: whole(o['batch-ms'], 'batch-ms', 0, 60_000, 0),
      batchSize: whole(o['batch-size'], 'batch-size', 1, 10_000, DEFAULT_BATCH_MARKS),
    });
    const finished = await run(live, actor, o, speed, io);
    const status = live.hub.status();
    await live.stop();
    if (o.json) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else io.stderr.write(`riskdesk feed: ${status.accepted} marks taken, ${status.refused} refused${finished}\n`);
    return 0;
  } finally {
    db.close();
  }
}

type Opts = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];

/** Runs the chosen source until it ends (stdin closed, replay done) or a signal stops it; says how it ended. */
async function run(live: LiveConsole, actor: Actor, o: Opts, speed: number, io: CliIo): Promise<string> {
  const stopped = new Promise<string>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(` (${signal})`);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  if (o.replay !== undefined || o.daily) {
    let path;
    if (o.replay !== undefined) {
      if (!fs.existsSync(o.replay)) throw new InputError(`file not found: ${o.replay}`);
      path = live.replayPath(actor, { source: 'csv', file: o.replay, text: decodeCsv(fs.readFileSync(o.replay), o.replay), speed });
    } else {
      const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(o.days ?? '');
      if (!m) throw new InputError('--daily needs --days FROM..TO, e.g. --days 2020-03-09..2020-03-13', { field: 'days' });
      path = live.replayPath(actor, { source: 'daily', from: m[1]!, to: m[2]!, speed, stepsPerDay: whole(o.steps, 'steps', 1, 1440, 288), seed: whole(o.seed, 'seed', 0, 0xffffffff, 1) });
    }
    live.hub.startReplay(actor, path, speed, o['keep-times'] === true);
    io.stderr.write(`riskdesk feed: replaying ${path.label} at ${speed}x; type pause, resume, step, speed N or stop\n`);
    const controls = readline.createInterface({ input: io.stdin, terminal: false });
    controls.on('line', (line) => steer(live, line.trim(), io));
    const done = new Promise<string>((resolve) => {
      const check = setInterval(() => {
        const s = live.hub.replayStatus();
        if (s && (s.state === 'done' || s.state === 'stopped')) {
          clearInterval(check);
          resolve(` (replay ${s.state}: ${s.done} of ${s.total} points)`);
        }
      }, 100);
    });
    const how = await Promise.race([done, stopped]);
    controls.close();
    return how;
  }
  if (o.file !== undefined) {
    live.followFile(o.file, actor, o['from-start'] ? 'start' : 'end');
    io.stderr.write(`riskdesk feed: following ${o.file}; Ctrl+C stops\n`);
    return stopped;
  }
  if (o.socket !== undefined || o.port !== undefined) {
    const address = o.socket !== undefined ? { path: o.socket } : { port: whole(o.port, 'port', 0, 65535, 0) };
    const sock = await live.listen(address, actor);
    io.stderr.write(`riskdesk feed: listening on ${sock.where}; Ctrl+C stops\n`);
    return stopped;
  }
  const input = live.hub.attach('stdin', 'stdin', actor);
  const ended = new Promise<string>((resolve) => {
    io.stdin.on('data', (chunk: Buffer) => input.write(chunk));
    io.stdin.on('end', () => {
      input.end();
      input.close();
      resolve('');
    });
  });
  return Promise.race([ended, stopped]);
}

function steer(live: LiveConsole, line: string, io: CliIo): void {
  try {
    const player = live.hub.replay();
    const m = /^speed\s+(\d+(\.\d+)?)$/.exec(line);
    if (line === 'pause') player.pause();
    else if (line === 'resume') player.resume();
    else if (line === 'step') player.step();
    else if (line === 'stop') player.stop();
    else if (m) player.setSpeed(Number(m[1]));
    else if (line !== '') throw new Error(`"${line}" is not a replay control: pause, resume, step, speed N or stop`);
    const s = player.status();
    io.stderr.write(`riskdesk feed: replay ${s.state} at ${s.speed}x, ${s.done} of ${s.total} points, market time ${s.at}\n`);
  } catch (e) {
    io.stderr.write(`riskdesk feed: ${(e as Error).message}\n`);
  }
}
