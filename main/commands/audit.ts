// The audit log as a desk reads it (issue 22): what each entry did in words, what it touched (accounts, calls,
// proposals, cases ...), a search that finds an object by its id wherever the entry names it, filters, and CSV.
// The journal stores commands as they ran; everything here is read from the stored payload and result, so an old
// entry gets a summary and links too.
import type { CommandContext } from './context.ts';
import type { InputOf, JournalEntry, JournalRef, JournalRefKind } from '../../shared/contract.ts';
import { JOURNAL_REF_KINDS } from '../../shared/contract.ts';
import { scanJournal, journalCommands, type JournalEntry as StoredEntry } from '../ledger/journal.ts';
import { normaliseTime } from '../../shared/time.ts';
import { InputError } from '../../shared/errors.ts';
import { csvText } from '../../shared/csv.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);

/** The kind of object a command family's own `id` (and `ids`) names. */
const ID_KIND: Record<string, JournalRefKind> = {
  calls: 'call',
  liquidations: 'liquidation',
  approvals: 'approval',
  assessments: 'assessment',
  default: 'case',
  members: 'member',
};

/** Keys that name an object whatever the command. */
const KEY_KIND: Record<string, JournalRefKind> = {
  account: 'account',
  accounts: 'account',
  member: 'member',
  to: 'member',
  case: 'case',
  call: 'call',
  liquidation: 'liquidation',
  // A command held for a second supervisor journals the approval it waits in.
  approval: 'approval',
};

/** What an entry touched: from its payload, then the top level of its result (or of each item of a list result). */
export function entryRefs(command: string, payload: unknown, result: unknown): JournalRef[] {
  const out: JournalRef[] = [];
  const seen = new Set<string>();
  const add = (kind: JournalRefKind, v: unknown) => {
    const id = str(v);
    if (id === null || id === '' || seen.has(`${kind}:${id}`)) return;
    seen.add(`${kind}:${id}`);
    out.push({ kind, id });
  };
  const family = command.split('.')[0]!;
  const visit = (o: Obj, own: JournalRefKind | undefined) => {
    // A held command's result is its approval: the approval's own id, and the subject it acts on ("case:3").
    if (typeof o.channel === 'string' && typeof o.subject === 'string') {
      add('approval', o.id);
      const m = /^([a-z]+):(.+)$/.exec(o.subject);
      if (m && (JOURNAL_REF_KINDS as readonly string[]).includes(m[1]!)) add(m[1] as JournalRefKind, m[2]);
      return;
    }
    if (own) {
      add(own, o.id);
      if (Array.isArray(o.ids)) for (const v of o.ids) add(own, v);
    }
    for (const [k, kind] of Object.entries(KEY_KIND)) {
      const v = o[k];
      if (Array.isArray(v)) for (const x of v) add(kind, x);
      else add(kind, v);
    }
    // An automation switch on one account names it as its target.
    if (o.scope === 'account') add('account', o.target);
  };
  if (isObj(payload)) visit(payload, ID_KIND[family]);
  for (const r of Array.isArray(result) ? result : [result]) if (isObj(r)) visit(r, ID_KIND[family]);
  return out;
}

const REF_LABEL: Record<JournalRefKind, string> = {
  account: 'account',
  call: 'call #',
  liquidation: 'proposal #',
  case: 'case #',
  member: 'member',
  approval: 'approval #',
  assessment: 'assessment #',
};
const label = (r: JournalRef) => (REF_LABEL[r.kind].endsWith('#') ? `${REF_LABEL[r.kind]}${r.id}` : `${REF_LABEL[r.kind]} ${r.id}`);

/** The verb of each command, for the summaries that need no more than verb, objects and reason. */
const VERB: Record<string, string> = {
  'calls.extend': 'Extended',
  'calls.escalate': 'Escalated',
  'liquidations.approve': 'Approved',
  'liquidations.reject': 'Rejected',
  'liquidations.hold': 'Held',
  'liquidations.release': 'Released',
  'liquidations.fill': 'Recorded a fill on',
  'approvals.confirm': 'Confirmed',
  'approvals.decline': 'Declined',
  'members.suspend': 'Suspended',
  'members.reinstate': 'Reinstated',
  'default.declare': 'Declared a default of',
  'default.confirm': 'Confirmed the default',
  'default.withdraw': 'Withdrew the default',
  'default.port': 'Ported',
  'default.closeOut': 'Closed out',
  'default.bid': 'Recorded a bid on',
  'default.award': 'Awarded the auction of',
  'default.waterfall': 'Ran the waterfall of',
  'default.assess': 'Triggered the assessments of',
  'default.allocate': 'Allocated the residual loss of',
  'default.replenish': 'Replenished the default fund of',
  'assessments.pay': 'Recorded a payment on',
  'assessments.review': 'Reviewed the assessments',
  'automation.set': 'Set automation',
  'breakers.reset': 'Reset the circuit breaker',
  'ledger.acknowledge': 'Acknowledged the integrity problem',
  'ledger.init': 'Created the ledger',
};

const field = (o: unknown, k: string): string | null => (isObj(o) ? str(o[k]) : null);

/** What the entry did, in words. */
export function entrySummary(command: string, payload: unknown, result: unknown, refs: JournalRef[]): string {
  const p = isObj(payload) ? payload : {};
  const why = field(p, 'reason') ?? field(p, 'note');
  const tail = why ? `: ${why}` : '';
  const held = isObj(result) && result.approval !== undefined && result.status === 'pending';
  const objects = refs.filter((r) => r.kind !== 'approval' || command.startsWith('approvals.')).map(label);
  const waitsIn = held ? ` (approval #${String(result.approval)})` : '';
  const calls = refs.filter((r) => r.kind === 'call');
  const accounts = refs.filter((r) => r.kind === 'account').map((r) => r.id);
  const onAccount = accounts.length === 1 ? ` (account ${accounts[0]})` : '';
  switch (command) {
    case 'cycle.run': {
      const r = isObj(result) ? result : {};
      const c = isObj(r.calls) ? r.calls : {};
      const l = isObj(r.lifecycle) ? r.lifecycle : null;
      const first = l && Array.isArray(l.settled) && Array.isArray(l.funding) ? `; first ${l.settled.length} futures settled, ${l.funding.length} funding times paid` : '';
      return `Margin cycle ${field(r, 'cycle') ?? ''} as of ${field(r, 'asOf') ?? field(p, 'at') ?? '?'}: ${field(c, 'issued') ?? 0} calls issued, ${field(c, 'overdue') ?? 0} overdue${first}`;
    }
    case 'lifecycle.run': {
      const r = isObj(result) ? result : {};
      const n = (k: string) => (Array.isArray(r[k]) ? (r[k] as unknown[]).length : 0);
      return `Lifecycle as of ${field(r, 'at') ?? '?'}: ${n('settled')} futures settled, ${n('funding')} funding times paid${n('options') ? `, ${n('options')} options expired` : ''}`;
    }
    case 'funding.tick': {
      const rates = isObj(result) && Array.isArray(result.stored) ? (result.stored as unknown[]) : [];
      const names = [...new Set(rates.map((x) => field(x, 'instrument')).filter((x) => x !== null))];
      return `Funding-rate marks from the feed: ${rates.length} for ${names.join(', ') || '?'}`;
    }
    case 'import.csv':
      return `Imported ${field(result, 'rows') ?? '?'} ${field(p, 'kind') ?? ''} rows from ${field(p, 'file') ?? 'a file'}`;
    case 'prices.tick':
      return `Price tick: ${field(p, 'instrument') ?? '?'} at ${field(p, 'at') ?? '?'}`;
    case 'calls.deposit': {
      const met = isObj(result) && result.status === 'met';
      return `Deposit of ${field(p, 'amount') ?? '?'} on call #${field(p, 'id') ?? '?'}${onAccount}${met ? ': the call is met' : ''}`;
    }
    case 'calls.waive': {
      const waived = isObj(result) && result.status === 'waived';
      return `${waived ? 'Waived' : 'Asked to waive'} call #${field(p, 'id') ?? '?'}${onAccount}${tail}`;
    }
    case 'calls.escalateMany':
      return `Escalated ${calls.length} call${calls.length === 1 ? '' : 's'} (${calls.map((c) => `#${c.id}`).join(', ')})${tail}`;
  }
  const verb = VERB[command] ?? command;
  const asked = held ? 'Asked a second supervisor: ' : '';
  return `${asked}${verb}${objects.length ? ` ${objects.join(', ')}` : ''}${waitsIn}${tail}`;
}

/** An entry as the console shows it (an import's file contents, as text or compressed, reduced to their size). */
export function entryView(e: StoredEntry): JournalEntry {
  let payload = JSON.parse(e.payload) as unknown;
  if (e.command === 'import.csv' && isObj(payload) && typeof payload.text === 'string') {
    const { text, ...rest } = payload;
    payload = { ...rest, textChars: text.length };
  } else if (e.command === 'import.csv' && isObj(payload) && typeof payload.brotli === 'string') {
    const { brotli, ...rest } = payload;
    payload = { ...rest, brotliChars: brotli.length };
  }
  const result = JSON.parse(e.result) as unknown;
  const refs = entryRefs(e.command, payload, result);
  return { seq: e.seq, at: e.at, actor: e.actor, command: e.command, summary: entrySummary(e.command, payload, result, refs), refs, payload, result, hash: e.hash };
}

const KIND_WORDS: Record<string, JournalRefKind> = { proposal: 'liquidation', ...Object.fromEntries(JOURNAL_REF_KINDS.map((k) => [k, k])) };

/** What a search asks for: an object (of a kind, or of any kind with a number id), a command by name, or text. */
type Query = { ref: { kind: JournalRefKind | null; id: string } | null; command?: string; text: string | null };

export function parseSearch(search: string | undefined): Query | null {
  const s = (search ?? '').trim();
  if (s === '') return null;
  const kinded = /^([a-z]+)\s*[:#\s]\s*#?(\S+)$/i.exec(s);
  const kind = kinded ? KIND_WORDS[kinded[1]!.toLowerCase()] : undefined;
  if (kinded && kind) return { ref: { kind, id: kinded[2]! }, text: null };
  const n = /^#?(\d{1,15})$/.exec(s);
  if (n) return { ref: { kind: null, id: n[1]! }, text: null };
  // A command's name ("cycle.run") finds that command's entries, not every entry that mentions it in its result.
  if (/^[a-z]+\.[A-Za-z]+$/.test(s)) return { ref: null, command: s, text: null };
  // Other text: an object id (an account "M03-C0042") or words in the entry.
  return { ref: null, text: s };
}

function matches(q: Query, v: JournalEntry): boolean {
  if (q.command !== undefined) return v.command === q.command;
  if (q.ref) {
    const { kind, id } = q.ref;
    return v.refs.some((r) => (kind === null || r.kind === kind) && r.id.toLowerCase() === id.toLowerCase());
  }
  return true;
}

type Filter = Omit<InputOf<'journal.exportCsv'>, never>;

/** The entries a filter selects, newest first unless asked otherwise, up to `limit`. */
function* selected(ctx: CommandContext, f: Filter, page: { afterSeq?: number; beforeSeq?: number }): Generator<JournalEntry> {
  const q = parseSearch(f.search);
  const from = f.from === undefined ? undefined : normaliseTime(f.from, 'from');
  const to = f.to === undefined ? undefined : normaliseTime(f.to, 'to');
  if (from !== undefined && to !== undefined && to <= from) throw new InputError(`the range ends (${to}) before it starts (${from})`, { field: 'to' });
  // The SQL narrows by text (an id is in the stored text of any entry that names it); the refs decide.
  const contains = q?.ref ? [q.ref.id] : q?.command ? [q.command] : q?.text ? [q.text] : [];
  const rows = scanJournal(ctx.db, {
    ...page,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(f.command !== undefined ? { command: f.command } : {}),
    contains,
    newestFirst: f.order !== 'oldest',
  });
  for (const e of rows) {
    const v = entryView(e);
    if (!q || matches(q, v)) yield v;
  }
}

export function journalList(ctx: CommandContext, input: InputOf<'journal.list'>): JournalEntry[] {
  const { limit, afterSeq, beforeSeq, ...filter } = input;
  const out: JournalEntry[] = [];
  for (const v of selected(ctx, filter, { ...(afterSeq !== undefined ? { afterSeq } : {}), ...(beforeSeq !== undefined ? { beforeSeq } : {}) })) {
    out.push(v);
    if (out.length >= limit) break;
  }
  return out;
}

export const CSV_MAX_ROWS = 100_000;

export function journalCsv(ctx: CommandContext, input: InputOf<'journal.exportCsv'>): { csv: string; rows: number; truncated: boolean } {
  const rows: string[][] = [];
  let truncated = false;
  for (const v of selected(ctx, input, {})) {
    if (rows.length >= CSV_MAX_ROWS) {
      truncated = true;
      break;
    }
    const objects = v.refs.map((r) => `${r.kind}:${r.id}`).join(' ');
    rows.push([String(v.seq), v.at, v.actor, v.command, v.summary, objects, JSON.stringify(v.payload), v.hash]);
  }
  return { csv: csvText(['seq', 'at', 'actor', 'command', 'summary', 'objects', 'payload', 'hash'], rows), rows: rows.length, truncated };
}

export function journalCommandsList(ctx: CommandContext): string[] {
  return journalCommands(ctx.db);
}
