// Every policy key a desk can see, and how a value of each is checked: one entry per key (adding a key is adding an
// entry here; its kind says how its values are written and compared). The readers of the values are elsewhere
// (bookRepo.readPolicy, defaultRepo.readRecoveryPolicy, auth.readSignInPolicy ...): each default here is theirs.
import type { Database } from 'better-sqlite3';
import type { PolicyKind } from '../../../shared/contractPolicy.ts';
import { DEFAULT_POLICY } from '../../engine/model.ts';
import { DEFAULT_RECOVERY_POLICY } from '../../ledger/recoveryPolicyRepo.ts';
import { DEFAULT_INSURANCE_FUND_FLOOR } from '../../ledger/insuranceFundRepo.ts';
import { SIGN_IN_POLICY } from '../auth.ts';
import { formatAmount, formatRate, parseAmount, parseRate, UnitError } from '../../../shared/units.ts';
import { InputError } from '../../../shared/errors.ts';
import { UNSIGNED_DECIMAL } from '../../../shared/decimalString.ts';
import { instrumentIds } from '../../ledger/policyRepo.ts';
import { DEFAULT_LIVE_POLICY as L, readOwnAssets } from '../../ledger/bookRepo.ts';
import { COLLATERAL_POLICY as C, formatConcentration, parseConcentration } from '../../engine/haircutRules.ts';
import { DEFAULT_ASSIGNMENT as A } from '../../engine/assignment.ts';

export interface PolicyKeyDef {
  key: string;
  group: string;
  kind: PolicyKind;
  unit: string;
  description: string;
  /** The value a ledger without a row for the key runs with, as it would be stored. */
  default: string;
  /** Inclusive bounds, written as values of the kind (rate, amount, integer); choices for a choice. */
  min?: string;
  max?: string;
  choices?: readonly string[];
  /** The ledger's own (shown, never changed by a command). */
  readOnly?: true;
  /** The value "off" is allowed and means this. */
  offMeans?: string;
}

const P = DEFAULT_POLICY;
const R = DEFAULT_RECOVERY_POLICY;
const S = SIGN_IN_POLICY;
const minutes = (description: string, key: string, group: string, value: number, max: number): PolicyKeyDef => ({
  key,
  group,
  kind: 'integer',
  unit: 'minutes',
  description,
  default: String(value),
  min: '1',
  max: String(max),
});

export const POLICY_KEYS: readonly PolicyKeyDef[] = [
  // ---- margin ----
  {
    key: 'callTrigger',
    group: 'margin',
    kind: 'choice',
    unit: 'choice',
    description: 'When an account gets a margin call: when equity falls below maintenance margin, or below initial margin.',
    default: P.callTrigger,
    choices: ['maintenance', 'initial'],
  },
  {
    key: 'liquidationHealth',
    group: 'margin',
    kind: 'rate',
    unit: 'health (equity / MM)',
    description: 'An account whose health (equity over maintenance margin) falls below this is in liquidation.',
    default: formatRate(P.liquidationHealth),
    min: '0.000001',
    max: '1',
  },
  {
    key: 'amountScale',
    group: 'margin',
    kind: 'integer',
    unit: 'decimal places',
    description: 'Decimal places that money demanded is rounded up to, and money paid out rounded down to.',
    default: String(P.amountScale),
    min: '0',
    max: '6',
  },
  // ---- calls ----
  {
    ...minutes('Minutes a margin call has before its deadline (members may have their own); 0: due at once, as in a drill of overdue calls.', 'cureMinutes', 'calls', P.cureMinutes, 10_080),
    min: '0',
  },
  // ---- liquidation ----
  {
    key: 'targetHealth',
    group: 'liquidation',
    kind: 'rate',
    unit: 'health (equity / MM)',
    description: 'The health a liquidation plan restores an account to.',
    default: formatRate(P.targetHealth),
    min: '1',
    max: '10',
  },
  {
    key: 'liquidationFeeRate',
    group: 'liquidation',
    kind: 'rate',
    unit: 'fraction of closed notional',
    description: 'Liquidation fee on each closed order, kept as liquidation revenue.',
    default: formatRate(P.liquidationFeeRate),
    min: '0',
    max: '0.1',
  },
  {
    key: 'insuranceFeeRate',
    group: 'liquidation',
    kind: 'rate',
    unit: 'fraction of closed notional',
    description: 'Fee on each closed order that goes to the insurance fund.',
    default: formatRate(P.insuranceFeeRate),
    min: '0',
    max: '0.1',
  },
  {
    key: 'fillBand',
    group: 'liquidation',
    kind: 'rate',
    unit: 'fraction of the mark',
    description: 'A fill priced further than this from the mark needs a supervisor, and four eyes above the four-eyes notional (an instrument may have its own).',
    default: formatRate(P.fillBand),
    min: '0.000001',
    max: '1',
  },
  minutes('A price move beyond an instrument\'s band within this many minutes trips its circuit breaker.', 'bandWindowMinutes', 'liquidation', P.bandWindowMinutes, 1_440),
  // ---- four eyes ----
  {
    key: 'fourEyesNotional',
    group: 'four eyes',
    kind: 'amount',
    unit: 'USD',
    description: 'What one person may move on one account (approvals, edits and fills over the window) before a second supervisor must confirm.',
    default: formatAmount(P.fourEyesNotional),
    min: '0',
  },
  {
    key: 'fourEyesWaiver',
    group: 'four eyes',
    kind: 'amount',
    unit: 'USD',
    description: 'A waiver of a margin call with more than this outstanding needs a second supervisor.',
    default: formatAmount(P.fourEyesWaiver),
    min: '0',
  },
  minutes('The rolling window over which what one person moves on one account is added up against the four-eyes notional.', 'fourEyesWindowMinutes', 'four eyes', P.fourEyesWindowMinutes, 43_200),
  // ---- recovery ----
  {
    key: 'ccpFirstTranche',
    group: 'recovery',
    kind: 'amount',
    unit: 'USD',
    description: 'The clearinghouse\'s own capital used in the waterfall before the survivors\' default fund ("skin in the game").',
    default: formatAmount(R.ccpFirstTranche),
    min: '0',
  },
  {
    key: 'ccpSecondTranche',
    group: 'recovery',
    kind: 'amount',
    unit: 'USD',
    description: 'The clearinghouse\'s second tranche, used after the survivors\' default fund.',
    default: formatAmount(R.ccpSecondTranche),
    min: '0',
  },
  {
    key: 'assessmentMultiple',
    group: 'recovery',
    kind: 'rate',
    unit: 'multiple of contribution',
    description: 'Assessment cap of a member without its own, as a multiple of its default-fund contribution, per capped period.',
    default: formatRate(R.assessmentMultiple),
    min: '0',
    max: '100',
  },
  {
    key: 'insuranceFundFloor',
    group: 'recovery',
    kind: 'amount',
    unit: 'USD',
    description: 'The insurance fund is depleted below this balance: the dashboard raises a critical alert (the insurance-fund-depletion playbook is the response).',
    default: formatAmount(DEFAULT_INSURANCE_FUND_FLOOR),
    min: '0',
  },
  { key: 'assessmentPeriodDays', group: 'recovery', kind: 'integer', unit: 'days', description: 'Days one assessment cap covers: further defaults in the period share it.', default: String(R.assessmentPeriodDays), min: '1', max: '3650' },
  { key: 'replenishmentDays', group: 'recovery', kind: 'integer', unit: 'days', description: 'Days a surviving member has to replenish the default-fund contribution a waterfall used.', default: String(R.replenishmentDays), min: '1', max: '3650' },
  // ---- collateral (docs/collateral-haircuts.md) ----
  {
    key: 'classHaircut',
    group: 'collateral',
    kind: 'rate',
    unit: 'fraction of holding value',
    description: 'The minimum haircut of collateral of any liquidity class without its own: a bracket of an asset\'s schedule below it is raised to it.',
    default: C.classHaircut,
    min: '0',
    max: '1',
  },
  {
    key: 'dailyVolume',
    group: 'collateral',
    kind: 'amount',
    unit: 'USD traded a day',
    description: 'The daily volume of an asset without its own, that concentration add-ons are measured against (off: no add-on).',
    default: C.dailyVolume,
    min: '0.000001',
    offMeans: 'no concentration add-on',
  },
  {
    key: 'concentrationHaircuts',
    group: 'collateral',
    kind: 'schedule',
    unit: 'ratio of daily volume : add-on',
    description: 'Concentration add-ons: the part of a holding beyond each ratio of its asset\'s daily volume takes that much more haircut (off: none).',
    default: C.concentrationHaircuts,
  },
  // ---- lifecycle ----
  {
    key: 'assignmentMethod',
    group: 'lifecycle',
    kind: 'choice',
    unit: 'choice',
    description: 'How the lots exercised at an option\'s expiry are assigned to the shorts: pro rata to their holdings (whole lots, the remainder by largest fraction, ties to the first account), or at random from the seed.',
    default: A.method,
    choices: ['pro_rata', 'random'],
  },
  { key: 'assignmentSeed', group: 'lifecycle', kind: 'integer', unit: 'seed', description: 'The seed a random assignment draws from (with the option\'s id); recorded with each expiry.', default: String(A.seed), min: '0', max: '999999999999999' },
  // ---- sign-in ----
  { key: 'signInLockAfter', group: 'sign-in', kind: 'integer', unit: 'failed attempts', description: 'Consecutive failures that lock a user for the lock time (or until an admin resets the password).', default: String(S.signInLockAfter), min: '1', max: '1000' },
  { key: 'signInSourceLockAfter', group: 'sign-in', kind: 'integer', unit: 'failed attempts', description: 'Failures from one source, whatever names they tried, that lock the source for the lock time.', default: String(S.signInSourceLockAfter), min: '1', max: '100000' },
  minutes('How long a locked user or source stays locked.', 'signInLockMinutes', 'sign-in', S.signInLockMinutes, 10_080),
  { key: 'signInBackoffAfter', group: 'sign-in', kind: 'integer', unit: 'failed attempts', description: 'Consecutive failures for one user before each further attempt waits.', default: String(S.signInBackoffAfter), min: '1', max: '1000' },
  { key: 'signInBackoffSeconds', group: 'sign-in', kind: 'integer', unit: 'seconds', description: 'The wait after the back-off count, doubled at each further failure (0: no back-off, only the lock).', default: String(S.signInBackoffSeconds), min: '0', max: '3600' },
  // ---- the live console (main/schedule, main/feed) ----
  { key: 'cycleEverySeconds', group: 'live', kind: 'integer', unit: 'seconds', description: 'A margin cycle every this many seconds while the console is open (0: no scheduled cycles).', default: String(L.cycleEverySeconds), min: '0', max: '86400' },
  { key: 'eodCycleAt', group: 'live', kind: 'timeOfDay', unit: 'UTC time of day', description: 'An end-of-day margin cycle each day at this UTC time, as of that instant (off: none).', default: L.eodCycleAt ?? 'off', offMeans: 'no end-of-day cycle' },
  { key: 'feedStaleSeconds', group: 'live', kind: 'integer', unit: 'seconds', description: 'No mark from the market-data feed for this long and the feed is stale: an alert is raised.', default: String(L.feedStaleSeconds), min: '1', max: '86400' },
  // ---- the ledger's own ----
  { key: 'ledgerMode', group: 'ledger', kind: 'choice', unit: 'choice', description: 'What the ledger is for: a desk\'s live book, or the demo book where drills run. Set when the ledger is made.', default: 'live', choices: ['live', 'demo'], readOnly: true },
];

/** A row of the policy table that no entry here (nor a per-instrument key) describes: shown as it is, never changed. */
export function unknownKeyDef(key: string, value: string): PolicyKeyDef {
  return { key, group: 'unknown', kind: 'unknown', unit: '', description: 'A row this build has no policy key for: nothing reads it.', default: value, readOnly: true };
}

/** Keys of one subject each (an instrument, an asset, a liquidity class), "PREFIX:ID", defaulting to the base key's value in force. */
export interface PerInstrumentDef {
  prefix: string;
  /** The key whose value applies to a subject without its own. */
  base: string;
  description: string;
  /** What the part after the colon names. */
  subject: 'instrument' | 'asset' | 'liquidity class';
}

export const PER_INSTRUMENT_KEYS: readonly PerInstrumentDef[] = [
  { prefix: 'fillBand', base: 'fillBand', subject: 'instrument', description: 'The fill band of one instrument, in place of the policy\'s fillBand.' },
  { prefix: 'classHaircut', base: 'classHaircut', subject: 'liquidity class', description: 'The minimum haircut of one liquidity class, in place of the policy\'s classHaircut.' },
  { prefix: 'dailyVolume', base: 'dailyVolume', subject: 'asset', description: 'The daily volume (USD traded a day) of one asset, that its concentration add-ons are measured against.' },
];

/** The ids a family's keys may name, as the ledger holds them now. */
export function subjectIds(db: Database, f: PerInstrumentDef): string[] {
  if (f.subject === 'instrument') return instrumentIds(db);
  const assets = readOwnAssets(db);
  return f.subject === 'asset' ? assets.map((a) => a.id) : [...new Set(assets.map((a) => a.liquidityClass))].sort();
}

const BY_KEY = new Map(POLICY_KEYS.map((d) => [d.key, d]));

/**
 * The definition of `key`: a registered key, or a per-instrument key of an instrument the ledger holds (its bounds
 * and kind its base key's). Refuses anything else, naming the key.
 */
export function policyKeyDef(db: Database, key: string): PolicyKeyDef {
  const own = BY_KEY.get(key);
  if (own) return own;
  const colon = key.indexOf(':');
  const family = colon > 0 ? PER_INSTRUMENT_KEYS.find((f) => f.prefix === key.slice(0, colon)) : undefined;
  if (!family) throw new InputError(`no policy "${key}": policies.list names every key`, { field: 'key' });
  const subject = key.slice(colon + 1);
  if (!subjectIds(db, family).includes(subject)) throw new InputError(`policy ${key}: no ${family.subject} ${subject}`, { field: 'key' });
  const base = BY_KEY.get(family.base)!;
  return { ...base, key, description: family.description };
}

function expected(d: PolicyKeyDef): string {
  switch (d.kind) {
    case 'rate':
      return `a decimal such as "${d.default}" (${d.unit}, up to 6 decimal places)`;
    case 'amount':
      return `an amount in USD such as "${d.default}" (up to 6 decimal places)`;
    case 'integer':
      return `a whole number of ${d.unit}`;
    case 'choice':
      return `one of ${d.choices!.map((c) => `"${c}"`).join(', ')}`;
    case 'timeOfDay':
      return 'a UTC time of day such as "17:30"';
    case 'schedule':
      return `steps "ratio:addOn" joined by commas, such as "${d.default}", or off`;
    case 'unknown':
      return 'nothing: the key is unknown';
  }
}

/** A value of the kind as a comparable integer (ppm, micro-USD, the number, minutes of the day), or null if malformed. */
function measure(kind: PolicyKind, raw: string): bigint | null {
  try {
    switch (kind) {
      case 'rate':
        return UNSIGNED_DECIMAL.test(raw) ? parseRate(raw, 'value') : null;
      case 'amount':
        return UNSIGNED_DECIMAL.test(raw) ? parseAmount(raw, 'value') : null;
      case 'integer':
        return /^\d{1,15}$/.test(raw) ? BigInt(raw) : null;
      case 'timeOfDay': {
        const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(raw);
        return m ? BigInt(Number(m[1]) * 60 + Number(m[2])) : null;
      }
      case 'choice':
      case 'schedule':
      case 'unknown':
        return null;
    }
  } catch (e) {
    if (e instanceof UnitError) return null;
    throw e;
  }
}

/** A measured value written as the ledger stores it (one spelling per value: "0.050" is stored "0.05"). */
function canonical(kind: PolicyKind, v: bigint): string {
  switch (kind) {
    case 'rate':
      return formatRate(v);
    case 'amount':
      return formatAmount(v);
    case 'timeOfDay':
      return `${String(v / 60n).padStart(2, '0')}:${String(v % 60n).padStart(2, '0')}`;
    default:
      return String(v);
  }
}

/** What a value of `d` must be, in words, or null. */
export function accepts(d: PolicyKeyDef): string | null {
  if (d.kind === 'choice') return d.choices!.join(' or ');
  if (d.min !== undefined && d.max !== undefined) return `from ${d.min} to ${d.max}`;
  if (d.min !== undefined) return `at least ${d.min}`;
  return d.max !== undefined ? `at most ${d.max}` : null;
}

/** `raw` checked against `d` and written as stored; a refusal names the key, what was given and what it must be. */
export function checkPolicyValue(d: PolicyKeyDef, raw: string): string {
  const bad = (why: string) => new InputError(`policy ${d.key}: ${why}`, { field: 'value' });
  if (raw === 'off' && d.offMeans !== undefined) return 'off';
  if (d.kind === 'choice') {
    if (!d.choices!.includes(raw)) throw bad(`"${raw}" is not ${expected(d)}`);
    return raw;
  }
  if (d.kind === 'schedule') {
    try {
      return formatConcentration(parseConcentration(raw));
    } catch (e) {
      throw bad(`"${raw}" is not ${expected(d)}: ${(e as Error).message}`);
    }
  }
  const v = measure(d.kind, raw);
  if (v === null) throw bad(`"${raw}" is not ${expected(d)}`);
  const below = d.min !== undefined && v < measure(d.kind, d.min)!;
  const above = d.max !== undefined && v > measure(d.kind, d.max)!;
  if (below || above) throw bad(`${raw} is out of range: it must be ${accepts(d)} (${d.unit})`);
  return canonical(d.kind, v);
}
