// A playbook file checked whole before anything is stored: its shape against the published schema, then what the
// schema cannot say (the channel an automated step calls exists and is the command layer's; a branch looks back at a
// step that can record that outcome and goes to a step that exists; every "${name}" is a parameter or a value an
// earlier step captured). A refusal names the step (numbered from 1, as the desk reads them) and the field.
import type { z } from 'zod';
import { contract, isChannel, DOOR_CHANNELS } from '../../../shared/contract.ts';
import { playbookDefinition, type PlaybookDefinition, type PlaybookStep } from '../../../shared/contractPlaybook.ts';
import { InputError } from '../../../shared/errors.ts';

/** The outcomes a step can record. */
export function outcomesOf(step: PlaybookStep): string[] {
  if (step.kind === 'manual') return step.outcomes ?? ['signed off'];
  return [...new Set([...(step.outcomes ?? []).map((o) => o.outcome), 'done'])];
}

const TEMPLATE = /\$\{([^}]*)\}/g;
export const NOW_PLUS = /^now\+(\d{1,4})h$/;

function templateNames(value: unknown, out: string[]): string[] {
  if (typeof value === 'string') for (const m of value.matchAll(TEMPLATE)) out.push(m[1]!);
  else if (Array.isArray(value)) for (const v of value) templateNames(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) templateNames(v, out);
  return out;
}

function fieldOf(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

function refuse(file: string | undefined, stepIndex: number | null, field: string, message: string): InputError {
  const where = stepIndex === null ? `field "${field}"` : `step ${stepIndex + 1}, field "${field}"`;
  // The message names the step and field as the desk reads them; where names only the file (it would repeat them).
  return new InputError(`playbook ${where}: ${message}`, file ? { file } : {});
}

function shapeError(file: string | undefined, err: z.ZodError): InputError {
  const issue = err.issues[0]!;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const rest = fieldOf(path.slice(2));
    return refuse(file, path[1], rest === '' ? '(the step)' : rest, message);
  }
  return refuse(file, null, fieldOf(path) || '(the file)', message);
}

/** The playbook in `json`, checked; or an InputError naming the step and field (and the file, when given). */
export function checkPlaybook(json: unknown, file?: string): PlaybookDefinition {
  const parsed = playbookDefinition.safeParse(json);
  if (!parsed.success) throw shapeError(file, parsed.error);
  const p = parsed.data;
  const n = p.steps.length;
  const known = new Set((p.parameters ?? []).map((x) => x.name));
  const names = new Set<string>();
  (p.parameters ?? []).forEach((x, i) => {
    if (names.has(x.name)) throw refuse(file, null, `parameters[${i}].name`, `parameter "${x.name}" is declared twice`);
    names.add(x.name);
  });
  p.steps.forEach((s, i) => {
    if (s.kind === 'automated') {
      if (!isChannel(s.channel) || (DOOR_CHANNELS as readonly string[]).includes(s.channel)) {
        throw refuse(file, i, 'channel', `"${s.channel}" is not a command of the command layer`);
      }
      if (s.channel.startsWith('playbooks.')) throw refuse(file, i, 'channel', 'a playbook step cannot run a playbook command');
      if (s.channel === 'approvals.confirm' || s.channel === 'approvals.decline') {
        throw refuse(file, i, 'channel', `${s.channel} is taken by the step after a held command (a second person performs the step); name the held command itself`);
      }
      for (const name of templateNames(s.params ?? {}, [])) {
        if (NOW_PLUS.test(name)) continue;
        if (!known.has(name)) throw refuse(file, i, 'params', `"\${${name}}" is neither a parameter of the playbook nor captured by an earlier step`);
      }
      for (const name of Object.keys(s.capture ?? {})) known.add(name);
      void contract[s.channel];
    }
    (s.branches ?? []).forEach((b, j) => {
      if (b.goto > n) throw refuse(file, i, `branches[${j}].goto`, `there is no step ${b.goto} (the playbook has ${n})`);
      if (b.goto === i + 1) throw refuse(file, i, `branches[${j}].goto`, 'a step cannot branch to itself');
      if (b.when.step > i + 1) throw refuse(file, i, `branches[${j}].when.step`, `step ${b.when.step} comes later: a branch looks at this step or an earlier one`);
      const can = outcomesOf(p.steps[b.when.step - 1]!);
      if (!can.includes(b.when.outcome)) {
        throw refuse(file, i, `branches[${j}].when.outcome`, `step ${b.when.step} records one of ${can.map((o) => `"${o}"`).join(', ')}, never "${b.when.outcome}"`);
      }
    });
  });
  return p;
}
