// Decimal strings, as every boundary carries amounts, prices, quantities and rates (methodology §1): digits, then
// optionally a point and more digits. One definition for the schemas (shared/schemaParts.ts, the what-if, recovery
// and playbook inputs), the parsers (shared/units.ts, main/csv, main/feed, main/commands/shock.ts, the policy
// registry, a playbook's outcome rules) and the renderer's display.
// No Node or zod import: the renderer imports this too.

/** Signed: an optional + or - (what a person may type or send). */
export const SIGNED_DECIMAL = /^[+-]?\d+(\.\d+)?$/;
/** Non-negative: no sign at all. */
export const UNSIGNED_DECIMAL = /^\d+(\.\d+)?$/;
/** As the program writes one: a minus sign only (formatAmount and its kin never write a +). */
export const WRITTEN_DECIMAL = /^-?\d+(\.\d+)?$/;
/** The parts of a signed decimal string: sign, whole digits, fraction digits. */
export const DECIMAL_PARTS = /^([+-]?)(\d+)(?:\.(\d+))?$/;
/** The parts of a decimal with a minus sign only (the CSV files refuse a +): sign, whole digits, fraction digits. */
export const WRITTEN_DECIMAL_PARTS = /^(-?)(\d+)(?:\.(\d+))?$/;
