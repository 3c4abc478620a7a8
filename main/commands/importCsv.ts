// CSV import (design.md §4): the whole file is parsed and validated first (before the transaction at the doors that
// stage it, stageImport), then written in the command's one transaction. One bad row refuses the file, naming file,
// row, column and reason, and nothing is written.
import type { CommandContext } from './context.ts';
import type { ImportKind, ImportResult, InputOf } from '../../shared/contract.ts';
import { recordFile, type FileRecord } from './importRecord.ts';
import { parseCsv } from '../csv/parse.ts';
import { ledgerRef, writeRows, isSeries, stageSeries, publishStagedSeries, hasStage, refFingerprint, REF_TABLES, type RefTable } from '../ledger/importRepo.ts';
import { chunkedPublish, publishedInChunks, dropUnpublished, type ChunkedPublish } from './importChunks.ts';
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
      // Among them the series kinds (prices, volatilities, asset prices): their staged rows are published unguarded.
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

function refuseRole(ctx: CommandContext, kind: ImportKind): void {
  if (REFERENCE_KINDS.has(kind) && !roleAllows(ctx.actor.role, 'supervisor')) {
    throw new RuleError('forbidden', `${ctx.actor.name} (${ctx.actor.role}) may not import ${kind}: reference data needs the supervisor role`);
  }
}

/**
 * What a kind's parse reads of the ledger's reference data, where it is not all of it: market data is checked against
 * its instruments or assets only, so that a deposit or a member's change while a million marks are staged is no
 * reason to parse them again with the write lock held.
 */
const PARSE_READS: Partial<Record<ImportKind, readonly RefTable[]>> = {
  prices: ['instruments'],
  volatilities: ['instruments'],
  'funding-rates': ['instruments'],
  'asset-prices': ['assets'],
};
const parseReads = (kind: ImportKind): readonly RefTable[] => PARSE_READS[kind] ?? REF_TABLES;

/** A file parsed, checked and staged before its transaction, and what it was checked against. */
export interface StagedImport {
  kind: ImportKind;
  file: string;
  text: string;
  rows: number;
  /** The reference data the rows were parsed against, as it stood (refFingerprint of what the kind's parse reads). */
  checkedAgainst: string;
  ref: CsvRef;
  /** The parsed rows; null for a series kind, whose rows wait in the connection's bulk stage (importRepo.ts). */
  parsed: Rows | null;
  /** The file as the journal entry will record it, compressed if large (importRecord.ts). */
  record: FileRecord;
  /** A series file's publish generation, once its rows are written hidden in chunks (importChunks.ts). */
  generation?: number;
}

/**
 * Before the transaction (dispatchAsync: the CLI's imports and the console's), a file of any kind is parsed against a
 * snapshot of the reference data and checked, its rows staged and its journal record made, all without the write lock;
 * the transaction then checks again only what a parse cannot (the guards, which read the books, and the limits) and
 * writes the staged rows, if the reference data they were parsed against still stands (else it parses the file again).
 * A file refused here is refused as the command would refuse it, naming row and column, and nothing is written.
 */
export function stageImport(ctx: CommandContext, input: InputOf<'import.csv'>): { staged: StagedImport; ahead?: ChunkedPublish } {
  refuseRole(ctx, input.kind);
  // Tried again after the ledger was busy: the file staged then is still there and what it was parsed against stands,
  // so it is not parsed again (the command checks that again, with the lock).
  const last = lastStaged.get(ctx.db);
  if (last && sameFile(last, input) && staged(ctx, last) && last.checkedAgainst === refFingerprint(ctx.db, parseReads(input.kind))) return withChunks(ctx, last);
  // One read transaction: the reference data and its fingerprint from one snapshot (WAL: no lock on writers).
  const { ref, checkedAgainst } = ctx.db.transaction(() => ({ ref: ledgerRef(ctx.db), checkedAgainst: refFingerprint(ctx.db, parseReads(input.kind)) }))();
  const parsed = parseCsv(input.kind, input.file, input.text, ref);
  // Checked now so that a bad file is refused before the lock; checked again in the transaction, against the books then.
  guardReferenceChanges(ctx, parsed, ref);
  const series = isSeries(parsed);
  if (series) stageSeries(ctx.db, parsed, (s) => normaliseTime(s));
  const done: StagedImport = { kind: input.kind, file: input.file, text: input.text, rows: parsed.rows.length, checkedAgainst, ref, parsed: series ? null : parsed, record: recordFile(input.text) };
  lastStaged.set(ctx.db, done);
  return withChunks(ctx, done);
}

/** A series file is published in chunks before its transaction (dispatchAsync runs `ahead`); other kinds are not. */
function withChunks(ctx: CommandContext, s: StagedImport): { staged: StagedImport; ahead?: ChunkedPublish } {
  delete s.generation;
  return s.parsed === null ? { staged: s, ahead: chunkedPublish(ctx, s) } : { staged: s };
}

/** The file each connection staged last: a series stage is the connection's temp table, which the next one replaces. */
const lastStaged = new WeakMap<CommandContext['db'], StagedImport>();

const sameFile = (s: StagedImport, input: InputOf<'import.csv'>) => s.kind === input.kind && s.file === input.file && s.text === input.text;

/** Whether the stage's rows are still there to publish. */
function staged(ctx: CommandContext, s: StagedImport): boolean {
  return s.parsed !== null || (lastStaged.get(ctx.db) === s && hasStage(ctx.db));
}

/** The stage, if it is of this file, still there, and the reference data it was parsed against stands. */
function usableStage(ctx: CommandContext, input: InputOf<'import.csv'>, s: StagedImport | undefined): StagedImport | null {
  if (!s || !sameFile(s, input) || !staged(ctx, s)) return null;
  return s.checkedAgainst === refFingerprint(ctx.db, parseReads(input.kind)) ? s : null;
}

/** The parsed rows checked against the books as they stand and written; the limits measured around them. */
function writeChecked(ctx: CommandContext, parsed: Rows, ref: CsvRef): number {
  guardReferenceChanges(ctx, parsed, ref);
  const gate = parsed.kind === 'positions' || parsed.kind === 'collateral' ? importLimitGate(ctx, parsed) : null;
  writeRows(ctx.db, parsed, (s) => normaliseTime(s));
  gate?.check();
  return parsed.rows.length;
}

export function importCsvCommand(
  ctx: CommandContext,
  input: InputOf<'import.csv'>,
  prepared?: { staged?: StagedImport; record?: FileRecord },
): { output: ImportResult; journal: { payload: unknown } } {
  refuseRole(ctx, input.kind);
  const stage = usableStage(ctx, input, prepared?.staged);
  let rows: number;
  // A series file whose rows were written hidden, but whose reference data changed since: its hidden rows go (here, in
  // this transaction: a rare path), and the file is parsed again below.
  if (!stage && prepared?.staged?.generation !== undefined) dropUnpublished(ctx, prepared.staged);
  if (stage?.parsed === null) {
    // A series kind: its guards read nothing (guardReferenceChanges). Its rows are already in, hidden, when they were
    // published in chunks: made visible now, in one step; else they go in with one statement.
    if (stage.generation !== undefined) publishedInChunks(ctx, stage);
    else publishStagedSeries(ctx.db, stage.kind);
    rows = stage.rows;
  } else if (stage) {
    rows = writeChecked(ctx, stage.parsed, stage.ref);
    // Its rows are written: a console's connection need not hold them until its next import (a retry stages afresh).
    if (lastStaged.get(ctx.db) === stage) lastStaged.delete(ctx.db);
  } else {
    const ref = ledgerRef(ctx.db);
    rows = writeChecked(ctx, parseCsv(input.kind, input.file, input.text, ref), ref);
  }
  // The journal keeps the file's contents beside its fingerprint: the entry is then all a replay needs (verify --deep
  // rebuilds the ledger from the journal), and the file on disk may be gone or changed since. A replay hands the record
  // its entry holds (prepared.record).
  const record = stage?.record ?? prepared?.record ?? recordFile(input.text);
  return { output: { kind: input.kind, file: input.file, rows }, journal: { payload: { kind: input.kind, file: input.file, rows, ...record } } };
}
