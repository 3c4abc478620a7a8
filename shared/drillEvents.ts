// A drill's injected events as the desk writes them, the same at the CLI (`--inject`) and in the Runner:
// `stale@30..45,missed-call:KCM@60,default:KCM@90` (minutes of the drill's clock). The command layer checks the
// events again (that the members exist, that a stale feed comes back after it goes).
import type { InjectedEvent } from './contractPlaybook.ts';
import { InputError } from './errors.ts';

/** The events of `text`; a bad entry is refused naming it, as `label` (the option or field the desk typed it in). */
export function parseInjected(text: string, label = 'drill events'): InjectedEvent[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part, i) => {
    const s = /^\s*stale@(\d{1,5})\.\.(\d{1,5})\s*$/.exec(part);
    if (s) return { kind: 'stale' as const, at: Number(s[1]), until: Number(s[2]) };
    const m = /^\s*(missed-call|default):([A-Za-z0-9._-]+)@(\d{1,5})\s*$/.exec(part);
    if (m) return { kind: m[1] === 'default' ? ('default' as const) : ('missedCall' as const), member: m[2]!, at: Number(m[3]) };
    throw new InputError(`${label} entry ${i + 1} "${part}" must look like stale@M..N, missed-call:MEMBER@M or default:MEMBER@M (minutes of the drill)`, { field: 'inject' });
  });
}
