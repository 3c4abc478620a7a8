// `node scripts/e2e-ledger.ts '<json>'`: makes the ledger a Playwright worker serves (e2e/fixtures.ts), in one
// process: the demo book (`riskdesk init --demo`), the spec's policy values (each asked by one demo supervisor and
// confirmed by the second, journalled and versioned as a desk does it), and a drill's start, all through the real
// CLI's main(argv, io) (each step was a process of its own: 1 + 2 per policy value + 1 for a drill).
//
// Workers with the same book (accounts, clock, policy) get a copy of the first one made in this Playwright run
// (`cache`, a folder the run's global set-up owns): a worker restarts whenever the next spec file asks for other
// options, so the same book was built again and again. A drill starts on the worker's own copy, never the cached one.
// Prints {"sandbox", "run"} for a drill, {} otherwise; any failure exits non-zero with the step's output.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../main/cli/main.ts';

interface Request {
  file: string;
  accounts: number;
  /** Made on this clock (`--now`), or on the wall clock when null. */
  now: string | null;
  policy: Record<string, string>;
  drill: string | null;
  inject: string | null;
  cache: string | null;
}

const PASSWORDS = { supervisor: 'supervisor-demo', supervisor2: 'supervisor2-demo' } as const;

const req = JSON.parse(process.argv[2] ?? '') as Request;

async function cli(args: string[], user: keyof typeof PASSWORDS | null = null): Promise<string> {
  let stdout = '';
  let stderr = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.RISKDESK_PASSWORD;
  if (user) env.RISKDESK_PASSWORD = PASSWORDS[user];
  const argv = [...args, ...(user ? ['--as', user, '--json'] : [])];
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env,
  });
  if (code !== 0) throw new Error(`riskdesk ${argv.join(' ')} failed (exit ${code}): ${stderr || stdout}`);
  return stdout;
}

async function build(file: string): Promise<void> {
  const at = req.now === null ? [] : ['--now', req.now];
  await cli(['init', '--db', file, '--demo', '--accounts', String(req.accounts), '--seed', '7', ...at]);
  for (const [key, value] of Object.entries(req.policy)) {
    const asked = JSON.parse(await cli(['policies', 'change', key, value, '--reason', 'e2e set-up', '--db', file], 'supervisor')) as {
      pending: { approval: number } | null;
    };
    if (!asked.pending) throw new Error(`riskdesk policies change ${key} ${value} left nothing to confirm`);
    await cli(['approvals', 'confirm', '--id', String(asked.pending.approval), '--db', file], 'supervisor2');
  }
}

/** Copies a closed ledger file (the CLI checkpoints and removes its WAL on close, so the .db alone is the ledger). */
function copy(from: string, to: string): void {
  if (fs.existsSync(`${from}-wal`)) throw new Error(`${from} has a WAL beside it: not a closed ledger`);
  fs.copyFileSync(from, to);
}

if (req.cache === null) {
  await build(req.file);
} else {
  const key = createHash('sha256').update(JSON.stringify([req.accounts, req.now, Object.entries(req.policy)])).digest('hex').slice(0, 16);
  const cached = path.join(req.cache, `${key}.db`);
  if (fs.existsSync(cached)) copy(cached, req.file);
  else {
    await build(req.file);
    // Published whole by a rename: a worker making the same book at the same time finds no file or a complete one.
    const partial = path.join(req.cache, `${key}.${process.pid}.partial`);
    copy(req.file, partial);
    fs.renameSync(partial, cached);
  }
}

const out = req.drill
  ? (JSON.parse(
      await cli(['playbook', 'start', '--db', req.file, '--playbook', req.drill, '--mode', 'drill', ...(req.inject ? ['--inject', req.inject] : [])], 'supervisor'),
    ) as { sandbox: string; run: number })
  : {};
process.stdout.write(`${JSON.stringify(out)}\n`);
