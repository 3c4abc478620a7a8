// CSV import (design.md §4): the whole file is parsed and validated first, then written in the command's one
// transaction. One bad row refuses the file, naming file, row, column and reason, and nothing is written.
import { createHash } from 'node:crypto';
import type { CommandContext } from './context.ts';
import type { ImportResult, InputOf } from '../../shared/contract.ts';
import { parseCsv } from '../csv/parse.ts';
import { ledgerRef, writeRows, stagePrices, publishStagedPrices, hasStage, instrumentsFingerprint } from '../ledger/importRepo.ts';
import { normaliseTime } from '../../shared/time.ts';
import { roleAllows } from './allowed/verdict.ts';
import { Decimal } from 'decimal.js';
import { InputError, RuleError } from '../../shared/errors.ts';
import { instrumentInUse, assetInUse, accountPositionCount, isolatedPositionsIn, optionsOnRangeOf } from '../ledger/importRepo.ts';
import type { CsvRef, Rows } from '../csv/types.ts';
import { guardExpiryChanges, guardLifecycleImport, refuseExpiredPositions } from './lifecycle/importGuards.ts';
import { limitGate, type LimitGate } from './lifecycle/limits.ts';

/**
 * Positions are stored in lots, marks in ticks, holdings in asset units: a re-import that changed what those units
 * mean would silently revalue everything stored against them. Such a change is refused while anything depends on
 * it (create a new instrument or asset instead). Member status is not imported over an existing member: defaults
 * and suspensions have their own commands, with reasons and four eyes; nor is an account moved to another member
 * (that is a port), nor a defaulted member's fund changed.
 */
function guardReferenceChanges(ctx: CommandContext, parsed: Rows, ref: CsvRef): void {
  const where = (row: number, column: string) => ({ file: parsed.file, row: row + 1, column });
  switch (parsed.kind) {
    case 'instruments':
      guardExpiryChanges(ctx, parsed, ref);
      parsed.rows.forEach((x, r) => {
        const old = ref.instrument(x.id);
        if (!old) return;
        // Options scanned with this instrument's range need it to keep one.
        if (old.portfolio?.scanRange != null && x.portfolio?.scanRange == null) {
          const leaning = optionsOnRangeOf(ctx.db, x.id);
          if (leaning.length > 0) {
            throw new InputError(`instrument ${x.id}'s scan range is the one options ${leaning.join(', ')} move by: give it a scan range, or them their own first`, where(r, 'scan_range'));
          }
        }
        // A portfolio position is scanned in the cross part: an isolated one would carry no margin at all.
        if (x.margin === 'portfolio' && old.margin !== 'portfolio') {
          const n = isolatedPositionsIn(ctx.db, x.id);
          if (n > 0) throw new InputError(`instrument ${x.id} is held in ${n} isolated positions: it cannot become portfolio-margined (scanned in the cross part)`, where(r, 'margin'));
        }
        const sameDecimal = (a: string, b: string) => new Decimal(a).eq(b);
        const changed =
          old.kind !== x.kind ? 'kind' : (['lot', 'tick', 'multiplier'] as const).find((k) => !sameDecimal(old[k], x[k]));
        if (!changed) return;
        const use = instrumentInUse(ctx.db, x.id);
        if (use.positions + use.prices > 0) {
          throw new InputError(
            `instrument ${x.id} already has ${use.positions} positions and ${use.prices} marks stored in its ${old.lot} lots and ${old.tick} ticks: changing its ${changed} would revalue them (create a new instrument instead)`,
            where(r, changed),
          );
        }
      });
      return;
    case 'assets':
      parsed.rows.forEach((x, r) => {
        const old = ref.asset(x.id);
        if (!old || (old.quantityScale === x.quantityScale && old.priceScale === x.priceScale)) return;
        const use = assetInUse(ctx.db, x.id);
        if (use.holdings + use.prices > 0) {
          const column = old.quantityScale !== x.quantityScale ? 'quantity_scale' : 'price_scale';
          throw new InputError(`asset ${x.id} already has ${use.holdings} holdings and ${use.prices} prices stored at its scales: changing ${column} would revalue them`, where(r, column));
        }
      });
      return;
    case 'accounts':
      parsed.rows.forEach((x, r) => {
        const old = ref.account(x.id);
        if (old && old.member !== x.member) {
          throw new InputError(
            `account ${x.id} belongs to member ${old.member}: moving it to ${x.member} is a port (riskdesk default port, with its checks), not an import`,
            where(r, 'member'),
          );
        }
        if (old && old.mode !== x.mode && accountPositionCount(ctx.db, x.id) > 0) {
          throw new InputError(`account ${x.id} has positions: its margin mode cannot change from ${old.mode} to ${x.mode} by import`, where(r, 'mode'));
        }
      });
      return;
    case 'members':
      parsed.rows.forEach((x, r) => {
        const old = ref.member(x.id);
        if (old ? old.status !== x.status : x.status !== 'active' && x.status !== 'watch') {
          throw new InputError(
            old
              ? `member ${x.id} is ${old.status}: a member's status is changed by its own commands (with a reason), not by import`
              : `a new member starts active or on watch, not ${x.status}`,
            where(r, 'status'),
          );
        }
        if (old && old.status === 'defaulted' && old.defaultFund !== x.defaultFund) {
          throw new InputError(`member ${x.id} is in default: its default-fund contribution is its default case's, not an import's`, where(r, 'default_fund'));
        }
      });
      return;
    case 'positions':
      // A defaulted or suspended member takes no new positions: its book changes only through its default case.
      refuseExpiredPositions(ctx, parsed, ref);
      parsed.rows.forEach((x, r) => {
        const member = ref.member(ref.account(x.account)?.member ?? '');
        if (member && (member.status === 'defaulted' || member.status === 'suspended')) {
          throw new RuleError('member_not_active', `${parsed.file} row ${r + 1}, column account: account ${x.account} belongs to member ${member.id}, which is ${member.status}: it takes no new positions`);
        }
      });
      return;
    case 'funding-rates':
    case 'settlement-prices':
    case 'deliveries':
      guardLifecycleImport(ctx, parsed);
      return;
    default:
      return;
  }
}

/** Limits measured before and after the file's holdings land; a breach names the file's first row for the account. */
function importLimitGate(ctx: CommandContext, parsed: Extract<Rows, { kind: 'positions' | 'collateral' }>): LimitGate {
  const rows = parsed.rows as readonly { account: string }[];
  return limitGate(
    ctx,
    rows.map((r) => r.account),
    (account, message) => {
      throw new InputError(message, { file: parsed.file, row: rows.findIndex((r) => r.account === account) + 1, column: 'quantity' });
    },
  );
}

/** Reference data defines what every stored quantity and price means: changing it is a supervisor's decision. */
const REFERENCE_KINDS: ReadonlySet<string> = new Set(['members', 'accounts', 'assets', 'haircuts', 'instruments', 'tiers', 'impact', 'settlement-prices', 'deliveries', 'limits', 'risk-arrays', 'spreads']);

/** A prices file parsed, checked and staged before its transaction, and what it was checked against. */
export interface StagedImport {
  text: string;
  rows: number;
  instruments: string;
}

/**
 * Before the transaction (dispatchAsync, so the CLI's imports): a prices file, the long kind, is parsed and checked
 * against a snapshot of the ledger and its rows staged (importRepo.ts), all without the write lock; the transaction
 * then only publishes them, if the instruments they were checked against are still as they were. A file refused here
 * is refused as the command would refuse it, and nothing is written. Every other kind is left to the command.
 */
export function stageImport(ctx: CommandContext, input: InputOf<'import.csv'>): { staged?: StagedImport } {
  if (input.kind !== 'prices') return {};
  // Tried again after the ledger was busy: the file staged then is still there; it is not parsed again (publishing it
  // again, were it published, writes the same rows: the staged rows are what this file means while the instruments
  // stand, and the command checks that they do).
  const last = lastStaged.get(ctx.db);
  if (last && last.text === input.text && hasStage(ctx.db)) return { staged: last };
  // One read transaction: the reference data and its fingerprint from one snapshot (WAL: no lock on writers).
  const { ref, instruments } = ctx.db.transaction(() => ({ ref: ledgerRef(ctx.db), instruments: instrumentsFingerprint(ctx.db) }))();
  const parsed = parseCsv('prices', input.file, input.text, ref);
  stagePrices(ctx.db, parsed, (s) => normaliseTime(s));
  const staged = { text: input.text, rows: parsed.rows.length, instruments };
  lastStaged.set(ctx.db, staged);
  return { staged };
}

/** The file each connection staged last (hasStage says whether its stage is still there). */
const lastStaged = new WeakMap<CommandContext['db'], StagedImport>();

export function importCsvCommand(ctx: CommandContext, input: InputOf<'import.csv'>, prepared?: { staged?: StagedImport }): { output: ImportResult; journal: { payload: unknown } } {
  if (REFERENCE_KINDS.has(input.kind) && !roleAllows(ctx.actor.role, 'supervisor')) {
    throw new RuleError('forbidden', `${ctx.actor.name} (${ctx.actor.role}) may not import ${input.kind}: reference data needs the supervisor role`);
  }
  const staged = prepared?.staged;
  let rows: number;
  if (staged && input.kind === 'prices' && staged.text === input.text && staged.instruments === instrumentsFingerprint(ctx.db)) {
    publishStagedPrices(ctx.db);
    rows = staged.rows;
  } else {
    const ref = ledgerRef(ctx.db);
    const parsed = parseCsv(input.kind, input.file, input.text, ref);
    guardReferenceChanges(ctx, parsed, ref);
    const gate = parsed.kind === 'positions' || parsed.kind === 'collateral' ? importLimitGate(ctx, parsed) : null;
    writeRows(ctx.db, parsed, (s) => normaliseTime(s));
    gate?.check();
    rows = parsed.rows.length;
  }
  // The journal keeps the file's contents beside its fingerprint: the entry is then all a replay needs (verify --deep
  // rebuilds the ledger from the journal), and the file on disk may be gone or changed since.
  const sha256 = createHash('sha256').update(input.text).digest('hex');
  return { output: { kind: input.kind, file: input.file, rows }, journal: { payload: { kind: input.kind, file: input.file, sha256, rows, text: input.text } } };
}
