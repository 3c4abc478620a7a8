// `riskdesk verify [--deep]` and `riskdesk checkpoints`: the journal's chain, the ledger rebuilt from it, and the
// chain against the signed checkpoints kept outside the ledger (main/anchor).
import fs from 'node:fs';
import path from 'node:path';
import type { Ledger } from '../ledger/db.ts';
import type { VerifyResult } from '../../shared/contract.ts';
import type { AnchorCheck, DeepVerifyResult } from '../../shared/contractIntegrity.ts';
import { InputError } from '../../shared/errors.ts';
import { fileAnchor } from '../anchor/anchor.ts';
import { table } from '../text/table.ts';
import type { CliIo } from './io.ts';

export interface IntegrityDoor {
  db: string;
  json: boolean;
  /** Runs a channel through the command layer (and anchors after it, as every CLI command does). */
  run(channel: 'journal.verify' | 'journal.verifyDeep'): Promise<unknown>;
  open(): Ledger;
  io: CliIo;
}

function anchorCheck(door: IntegrityDoor): AnchorCheck {
  const db = door.open();
  try {
    return fileAnchor(door.db, door.io.env).check(db);
  } finally {
    db.close();
  }
}

function anchorLine(a: AnchorCheck): string {
  if (!a.ok) return `checkpoints FAIL: ${a.problem}`;
  if (a.latest === null) return `checkpoints: none yet for ${a.path}`;
  return `checkpoints: ${a.checkpoints} matched, the latest anchoring entry ${a.latest.seq} at ${a.latest.at} (${a.latest.kind})`;
}

/** Exit 0 only when the chain (and with --deep the state) verifies and every checkpoint matches. */
export async function verifyCli(door: IntegrityDoor, deep: boolean): Promise<number> {
  // The checkpoints as they stood before this verify, which anchors the head itself when everything passes.
  const checkpoints = anchorCheck(door);
  const r = (await door.run(deep ? 'journal.verifyDeep' : 'journal.verify')) as VerifyResult | DeepVerifyResult;
  const ok = r.ok && checkpoints.ok;
  if (door.json) {
    door.io.stdout.write(`${JSON.stringify({ ...r, ok, checkpoints }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const chain = r as VerifyResult;
  const first = deep
    ? (r as DeepVerifyResult).message
    : chain.ok
      ? `journal verified: ${chain.entries} entries, head ${chain.headHash}`
      : `journal BROKEN at entry ${chain.broken?.seq}: ${chain.broken?.reason} (${chain.entries} entries verified before it)`;
  door.io.stdout.write(`${first}\n${anchorLine(checkpoints)}\n`);
  return ok ? 0 : 1;
}

/** `checkpoints [list] --db F` and `checkpoints export --to F [--db F]`. */
export function checkpointsCli(door: Omit<IntegrityDoor, 'run' | 'db'> & { db: string | undefined; to: string | undefined }, rest: string[]): number {
  const [sub = 'list'] = rest;
  if (sub === 'export') {
    if (!door.to) throw new InputError('--to is required: the file to write the checkpoints to');
    const dir = path.dirname(path.resolve(door.to));
    if (!fs.existsSync(dir)) throw new InputError(`directory ${dir} does not exist`);
    const only = door.db === undefined ? undefined : fileAnchor(door.db, door.io.env).file;
    const anchor = fileAnchor(door.db ?? '.', door.io.env);
    const n = anchor.store.exportTo(door.to, only);
    if (door.json) door.io.stdout.write(`${JSON.stringify({ to: door.to, checkpoints: n, from: anchor.store.file })}\n`);
    else door.io.stderr.write(`exported ${n} checkpoints${only ? ` of ${only}` : ''} from ${anchor.store.file} to ${door.to}\n`);
    return 0;
  }
  if (sub !== 'list') throw new InputError(`unknown checkpoints command "${sub}": list or export`);
  if (door.db === undefined) throw new InputError('--db is required: the ledger whose checkpoints to list');
  const anchor = fileAnchor(door.db, door.io.env);
  const mine = anchor.store.read().flatMap((l) => ('checkpoint' in l && l.checkpoint.path === anchor.file ? [l.checkpoint] : []));
  const check = anchorCheck({ ...door, db: door.db, run: async () => null });
  if (door.json) door.io.stdout.write(`${JSON.stringify({ check, checkpoints: mine }, null, 2)}\n`);
  else {
    table(door.io.stdout, ['at', 'kind', 'seq', 'head', 'by', 'reason'], mine.map((c) => [c.at, c.kind, String(c.seq), c.head.slice(0, 16), c.by ?? '', c.reason ?? '']));
    door.io.stdout.write(`${anchorLine(check)}\n`);
  }
  return check.ok ? 0 : 1;
}
