// Every refusal code the program gives, with the CLI's exit code and the HTTP status browser mode answers for it.
// The one table: RuleError and the allowed/ verdicts take only a code named here (the compiler refuses any other),
// the CLI's exit code and the HTTP door's status are read from it, so a refusal is the same refusal at every door.
// No Node or Electron imports here: the renderer imports this file too.

/** How a refusal is told apart at the doors. README's exit-code table lists the exit codes. */
export interface RefusalKind {
  /** The CLI's exit code: 1 a rule, 2 bad input, 3 a bug, 4 busy, 5 cannot write, 6 damaged. */
  exit: 1 | 2 | 3 | 4 | 5 | 6;
  /** The HTTP status of browser mode's answer (the body is the same InvokeResult at every status). */
  http: number;
}

const input = { exit: 2, http: 400 } as const;
/** Refused by a rule about the state of things: the request was understood, the ledger says no. */
const state = { exit: 1, http: 409 } as const;
const signIn = { exit: 1, http: 401 } as const;
const role = { exit: 1, http: 403 } as const;
const missing = { exit: 1, http: 404 } as const;
const later = { exit: 1, http: 429 } as const;

export const REFUSALS = {
  // ---- the payload, the request, the program ----
  /** Input that fails its schema or format (InputError), an unknown command or option. */
  bad_input: input,
  /** Browser mode: the body is larger than the channel takes. */
  payload_too_large: { exit: 2, http: 413 },
  /** Browser mode: the body is not sent as JSON. */
  unsupported_media_type: { exit: 2, http: 415 },
  /** A bug: the message is in the log (a door) or on stderr with its stack (the CLI). */
  internal: { exit: 3, http: 500 },

  // ---- who is asking ----
  /** No live session: not signed in, or the session was ended. */
  unauthenticated: signIn,
  /** Browser mode: the console token is missing or wrong. */
  unauthorized: signIn,
  bad_credentials: signIn,
  /** The account is disabled by an admin. */
  disabled: signIn,
  /** Too many failed sign-ins from one source: wait. */
  throttled: later,
  /** The account is locked after failed sign-ins. */
  locked: { exit: 1, http: 423 },
  /** The role may not run this. */
  forbidden: role,
  password_change_required: role,
  sign_in_required: role,
  /** A browser request from another origin or site, or to another host name (DNS rebinding). */
  cross_origin: role,
  bad_host: role,
  /** An Electron frame that may not use the bridge. */
  forbidden_sender: role,
  /** The Electron window could not print the page to a PDF. */
  print_failed: { exit: 1, http: 500 },
  method_not_allowed: { exit: 2, http: 405 },
  not_found: missing,

  // ---- the ledger as a file (main/ledger/failures.ts) ----
  /** Another process holds the write lock; retried, then refused. */
  ledger_busy: { exit: 4, http: 503 },
  disk_full: { exit: 5, http: 507 },
  read_only: { exit: 5, http: 503 },
  ledger_damaged: { exit: 6, http: 500 },
  /** The chain failed its check at start: no change until an admin acknowledges. */
  ledger_read_only: state,
  not_read_only: state,
  no_ledger_file: state,
  /** A drill from the console: the caller's console is on a drill already, or is itself on a sandbox. */
  in_drill: state,
  drill_in_sandbox: state,

  // ---- busy console ----
  /** Another run (a stress run, a cycle, an import) holds what this needs: try again when it is done. */
  busy: later,
  cancelled: state,
  /** The clock reads earlier than the journal's last entry: nothing is written until it is put right. */
  clock_backwards: state,
  too_many_events: later,

  // ---- rules of the desk ----
  approval_pending: state,
  assessed: state,
  assessment_paid: state,
  bidder_not_active: state,
  call_closed: state,
  case_exists: state,
  case_state: state,
  conflict: state,
  confirm_required: state,
  cycle_in_future: state,
  drill_needs_sandbox: state,
  exists: state,
  fill_band: state,
  fill_refused: state,
  four_eyes: state,
  four_eyes_bound: state,
  fund_empty: state,
  held_missing: state,
  last_admin: state,
  lifecycle_in_future: state,
  limit_breached: state,
  live_in_sandbox: state,
  live_ledger: state,
  member_active: state,
  member_defaulted: state,
  member_not_active: state,
  member_suspended: state,
  no_assessment: state,
  no_bids: state,
  no_change: state,
  no_cycle: state,
  no_house_account: state,
  no_mark: state,
  no_position: state,
  no_price: state,
  no_replay: state,
  no_residual: state,
  no_scenarios: state,
  no_settlement_asset: state,
  no_winning_bids: state,
  not_a_drill: state,
  not_approvable: state,
  not_approved: state,
  not_editable: state,
  not_open: state,
  not_overdue: state,
  not_paused: state,
  not_pending: state,
  not_portable: state,
  not_rejected: state,
  not_tripped: state,
  nothing_due: state,
  nothing_to_auction: state,
  pending: state,
  playbook_value_missing: state,
  /** A policy the ledger owns: shown, never changed (not the ledger file's read_only). */
  policy_read_only: state,
  receiver_not_active: state,
  receiver_shortfall: state,
  run_ended: state,
  run_paused: state,
  self: state,
  waiver_stale: state,
  not_held: state,
  not_released: state,
  not_healthy: state,
  cycle_before_latest: state,
  state,
} as const satisfies Record<string, RefusalKind>;

export type RefusalCode = keyof typeof REFUSALS;

export const REFUSAL_CODES = Object.keys(REFUSALS) as RefusalCode[];

export const isRefusalCode = (s: string): s is RefusalCode => Object.hasOwn(REFUSALS, s);

/**
 * Refusals any command can meet before or around its own rules: its payload, the caller's session and role, the
 * ledger file, a console busy with other work. An entry's `refuses` lists only what its own rules add.
 */
export const EVERY_COMMAND_REFUSES = [
  'bad_input',
  'internal',
  'unauthenticated',
  'forbidden',
  'password_change_required',
  'ledger_busy',
  'disk_full',
  'read_only',
  'ledger_damaged',
  'ledger_read_only',
  'busy',
] as const satisfies readonly RefusalCode[];

/** The table's entry for a code; a code not in it (a foreign error's) is internal. */
export function refusalOf(code: string): RefusalKind {
  return isRefusalCode(code) ? REFUSALS[code] : REFUSALS.internal;
}
