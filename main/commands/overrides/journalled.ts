// The override a journal entry records (result.override, written by overrides/wrap.ts), read back by the overrides
// report and the playbook run report.
import type { OverrideChannel, OverrideRecord } from '../../../shared/contractReports.ts';
import { OVERRIDE_CHANNELS } from '../../../shared/contractReports.ts';
import { scanJournal, type JournalEntry } from '../../ledger/journal.ts';
import type { CommandContext } from '../context.ts';

export function isOverrideChannel(channel: string): channel is OverrideChannel {
  return (OVERRIDE_CHANNELS as readonly string[]).includes(channel);
}

export type JournalledOverride = OverrideRecord & { command: OverrideChannel; requestedBy: string | null };

/**
 * The override a journal entry records, if any: on the command's own entry, or, for a command a second supervisor
 * confirmed, inside the confirmation's result.
 */
export function overrideOf(e: Pick<JournalEntry, 'command' | 'result'>): JournalledOverride | null {
  if (!isOverrideChannel(e.command) && e.command !== 'approvals.confirm') return null;
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(e.result) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (e.command === 'approvals.confirm') {
    const inner = r.result as Record<string, unknown> | undefined;
    const o = inner?.override as OverrideRecord | undefined;
    return o && typeof r.channel === 'string' && isOverrideChannel(r.channel) ? { ...o, command: r.channel, requestedBy: typeof r.requestedBy === 'string' ? r.requestedBy : null } : null;
  }
  const o = r.override as OverrideRecord | undefined;
  return o ? { ...o, command: e.command as OverrideChannel, requestedBy: o.facts.requestedBy ?? null } : null;
}

/** A call's waivers and extensions, at their time, as their entries record them: time -> automatic alternative. */
export function callOverrides(ctx: CommandContext, call: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of scanJournal(ctx.db, { contains: [`"subject":"call:${call}"`], newestFirst: false })) {
    const o = overrideOf(e);
    if (o && o.subject === `call:${call}`) out.set(e.at, o.automatic);
  }
  return out;
}
