// A channel's command-line flags read from its input schema in the contract (shared/contract*.ts), so a field added
// to a channel is a flag of its command, named and typed as the schema says, with its usage and help, and never a
// fourth place to wire by hand. A field the command line cannot honestly spell as one flag (an object, a list of
// objects, a record) must be given a parser by the command that uses it; without one this refuses to build the flags.
import { z } from 'zod';
import { contract, type Channel } from '../../shared/contract.ts';
import { decimal, id, isoTime, note, positiveDecimal, reason, rowId, listLimit } from '../../shared/schemaParts.ts';
import { InputError } from '../../shared/errors.ts';

export type FlagKind = 'text' | 'number' | 'boolean' | 'choice' | 'numbers' | 'texts' | 'parsed';

export interface Flag {
  /** The flag without its dashes (--history-cycles for the field historyCycles). */
  flag: string;
  /** The input field it fills. */
  field: string;
  kind: FlagKind;
  required: boolean;
  /** The value's placeholder in a usage line: N, X, ISO, R, open|met|..., A1,A2,... */
  placeholder: string;
  /** What the value must be, from the schema (shown by --help). */
  means: string;
  /** Taken when the flag is not given (a command's default, never the schema's). */
  default?: string;
  choices?: readonly string[];
  parse?: (text: string) => unknown;
}

/** A command's own spelling of one field: another flag name, a placeholder, or a parser for a structured value. */
export interface FieldOverride {
  flag?: string;
  placeholder?: string;
  /** Turns the flag's text into the field's value; refuse with an InputError naming the flag. */
  parse?: (text: string) => unknown;
  means?: string;
  /** The value a required field takes when the flag is not given (the flag is then optional). */
  default?: string;
}

export interface FlagOptions {
  /** Fields the command fills itself (a file's text read from a path), not from a flag. */
  omit?: readonly string[];
  fields?: Readonly<Record<string, FieldOverride>>;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Placeholders of the contract's shared schema parts: the same part reads the same in every usage line. */
const PART_PLACEHOLDERS = new Map<z.ZodType, [string, string]>([
  [rowId, ['N', 'an id (a positive whole number)']],
  [listLimit, ['N', 'a whole number from 1 to 100000']],
  [isoTime, ['ISO', 'a time with its zone, e.g. 2026-03-12T21:00:00Z']],
  [reason, ['R', 'why, at least 3 characters']],
  [note, ['T', 'free text']],
  [positiveDecimal, ['X', 'a positive decimal, e.g. 1250.50']],
  [decimal, ['X', 'a decimal, e.g. -0.25']],
]);

/** What a ledger id may hold; its placeholder depends on what it names (below). */
const ID_MEANS = 'an id: letters, digits and . _ : -';

/** An enum with more choices than fit a usage line is written by name there, its choices listed by --help. */
const CHOICES_IN_USAGE = 40;

/** The conventional one-letter names of the ledger's ids in this CLI's usage (--account A, --member M). */
const NAME_PLACEHOLDERS: Readonly<Record<string, string>> = { account: 'A', instrument: 'I', member: 'M', to: 'M' };

/** "a whole number from 1 to 90", read from the number schema's own checks. */
function numberMeans(schema: z.ZodNumber): string {
  let low = '';
  let high = '';
  for (const check of schema.def.checks ?? []) {
    const def = check._zod.def as { check: string; value?: unknown; inclusive?: boolean };
    if (def.check === 'greater_than') low = def.inclusive ? `from ${String(def.value)}` : `above ${String(def.value)}`;
    if (def.check === 'less_than') high = def.inclusive ? `to ${String(def.value)}` : `below ${String(def.value)}`;
  }
  return [schema.isInt ? 'a whole number' : 'a number', low, high].filter(Boolean).join(' ');
}

function describeField(what: string, field: string, schema: z.ZodType, over: FieldOverride | undefined): Omit<Flag, 'flag' | 'field' | 'required'> {
  const part = PART_PLACEHOLDERS.get(schema);
  const overridden = <T extends Omit<Flag, 'flag' | 'field' | 'required'>>(f: T): T => ({
    ...f,
    ...(over?.placeholder !== undefined ? { placeholder: over.placeholder } : {}),
    ...(over?.means !== undefined ? { means: over.means } : {}),
  });
  if (over?.parse) return overridden({ kind: 'parsed', placeholder: field.toUpperCase(), means: 'see the command', parse: over.parse });
  if (schema instanceof z.ZodBoolean) return overridden({ kind: 'boolean', placeholder: '', means: 'a switch' });
  if (schema instanceof z.ZodEnum) {
    const choices = schema.options.map(String);
    const placeholder = choices.join('|').length <= CHOICES_IN_USAGE ? choices.join('|') : field.toUpperCase();
    return overridden({ kind: 'choice', placeholder, means: `one of ${choices.join(', ')}`, choices });
  }
  if (schema instanceof z.ZodNumber) return overridden({ kind: 'number', placeholder: part?.[0] ?? 'N', means: part?.[1] ?? numberMeans(schema) });
  if (schema instanceof z.ZodString) {
    return overridden({ kind: 'text', placeholder: part?.[0] ?? NAME_PLACEHOLDERS[field] ?? field.toUpperCase(), means: part?.[1] ?? (schema === id ? ID_MEANS : 'text') });
  }
  if (schema instanceof z.ZodArray) {
    const item = schema.element as z.ZodType;
    if (item instanceof z.ZodNumber) return overridden({ kind: 'numbers', placeholder: 'N1,N2,...', means: 'numbers separated by commas' });
    if (item instanceof z.ZodEnum) {
      const choices = item.options.map(String);
      return overridden({ kind: 'texts', placeholder: 'T1,T2,...', means: `${choices.join(', ')}, in order, separated by commas`, choices });
    }
    if (item instanceof z.ZodString) {
      const one = NAME_PLACEHOLDERS[field.replace(/s$/, '')] ?? field.replace(/s$/, '').toUpperCase();
      return overridden({ kind: 'texts', placeholder: `${one}1,${one}2,...`, means: 'values separated by commas' });
    }
  }
  throw new Error(`the command line has no spelling of ${what}'s ${field} (a ${schema.def.type}): give it a parser (FieldOverride.parse)`);
}

/** The flags of a channel's input, in the schema's order; required fields first as the schema has them. */
export function flagsOf(channel: Channel, options: FlagOptions = {}): Flag[] {
  return flagsOfSchema(channel, contract[channel].input as z.ZodType, options);
}

/** The flags of any object schema (named `what` in a refusal to build them). */
export function flagsOfSchema(what: string, input: z.ZodType, options: FlagOptions = {}): Flag[] {
  if (!(input instanceof z.ZodObject)) throw new Error(`${what}'s input is not an object: the command line cannot spell it as flags`);
  const flags: Flag[] = [];
  for (const [field, raw] of Object.entries(input.shape as Record<string, z.ZodType>)) {
    if (options.omit?.includes(field)) continue;
    const optional = raw instanceof z.ZodOptional;
    const schema = optional ? (raw.unwrap() as z.ZodType) : raw;
    const over = options.fields?.[field];
    const flag: Flag = { flag: over?.flag ?? kebab(field), field, required: !optional && over?.default === undefined, ...describeField(what, field, schema, over) };
    if (over?.default !== undefined) {
      flag.default = over.default;
      flag.means = `${flag.means} (default ${over.default})`;
    }
    flags.push(flag);
  }
  return flags;
}

/** "--id N --amount X [--note T] [--confirm]": the flags as a usage line writes them. */
export function usageOf(flags: readonly Flag[]): string {
  return flags
    .map((f) => {
      const one = f.kind === 'boolean' ? `--${f.flag}` : `--${f.flag} ${f.placeholder}`;
      return f.required ? one : `[${one}]`;
    })
    .join(' ');
}

/** One line per flag for `riskdesk COMMAND --help`: the flag, whether it is needed, and what its value must be. */
export function helpOf(flags: readonly Flag[], args: readonly Flag[] = []): string {
  const lines = [...args.map((a) => [a.placeholder, a] as const), ...flags.map((f) => [`--${f.flag} ${f.placeholder}`, f] as const)];
  const width = Math.max(0, ...lines.map(([left]) => left.length));
  return lines.map(([left, f]) => `  ${left.padEnd(width)}  ${f.required ? 'required' : 'optional'}: ${f.means}`).join('\n');
}

/** The node:util parseArgs options of these flags: every value is text but a switch's. */
export function parseArgsOptions(flags: readonly Flag[]): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(flags.map((f) => [f.flag, { type: f.kind === 'boolean' ? 'boolean' : 'string' }]));
}

/** Plain digits with an optional fraction and sign: Number() would also take "0x10", "1e3", " 7" or "". */
const NUMBER = /^-?\d{1,16}(?:\.\d{1,16})?$/;

/** The flag's text as a number, refused naming the flag and what it must be (an id, a whole number from 1 to 90). */
function numberOf(flag: string, text: string, where: string, means = 'a number'): number {
  if (!NUMBER.test(text)) throw new InputError(`--${flag}${where} must be ${means}, not "${text}"`, { field: flag });
  return Number(text);
}

/**
 * The channel's input from the parsed flags: each value converted to the field's type (a number, a list split on
 * commas), a required flag that is missing refused naming it. The schema itself then checks the values, at the
 * command layer, as for every door.
 */
export function inputFrom(flags: readonly Flag[], values: Readonly<Record<string, string | boolean | undefined>>, command: string): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const f of flags) {
    const v = values[f.flag] === undefined ? f.default : values[f.flag];
    if (v === undefined || v === false) {
      if (f.required) throw new InputError(`${command}: --${f.flag} is required (${f.means})`, { field: f.field });
      continue;
    }
    if (typeof v === 'boolean') {
      input[f.field] = true;
      continue;
    }
    if (f.kind === 'number') input[f.field] = numberOf(f.flag, v, '', f.means);
    else if (f.kind === 'numbers') input[f.field] = v.split(',').map((s, i) => numberOf(f.flag, s.trim(), ` item ${i + 1}`));
    else if (f.kind === 'texts') input[f.field] = v.split(',').map((s) => s.trim());
    else if (f.kind === 'parsed') input[f.field] = f.parse!(v);
    else input[f.field] = v;
  }
  return input;
}

/** The fields given as words after the command (`policies change KEY VALUE`): each in its place, none left over. */
export function argsFrom(args: readonly Flag[], words: readonly string[], command: string, synopsis: string): Record<string, unknown> {
  const missing = args.slice(words.length).find((a) => a.required);
  if (missing) throw new InputError(`${command} needs ${missing.placeholder} (${missing.means}): riskdesk ${synopsis}`, { field: missing.field });
  if (words.length > args.length) {
    const extra = words.slice(args.length).join(' ');
    throw new InputError(args.length ? `${command} takes ${args.map((a) => a.placeholder).join(' ')} then flags, not also "${extra}": riskdesk ${synopsis}` : `${command} takes flags only, not "${extra}": riskdesk ${synopsis}`);
  }
  return Object.fromEntries(words.map((w, i) => [args[i]!.field, w]));
}
