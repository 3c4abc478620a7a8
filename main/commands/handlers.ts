// Channel -> use case. A handler returns its output and, where the journal should record something other than the
// raw input and output (a file's fingerprint instead of its bytes, a result without wall-clock time), that instead.
import type { Channel, InputOf, OutputOf, DOOR_CHANNELS } from '../../shared/contract.ts';
import type { CommandContext } from './context.ts';
import { plain } from './plain.ts';
import { cycleSteps, CYCLE_FORMAT_DECISIONS, CYCLE_FORMAT_LIFECYCLE } from './runCycle.ts';
import { drain, type Steps } from './steps.ts';
import { lifecycleCommand } from './lifecycle/run.ts';
import { fundingTick } from './lifecycle/fundingTick.ts';
import { lifecycleOverview, accountLifecycle, deliveryRisk } from './lifecycle/views.ts';
import { limitsList } from './lifecycle/limits.ts';
import { listCallsCommand, getCallCommand, depositCommand, extendCommand, waiveCommand, escalateCommand, escalateManyCommand } from './callCommands.ts';
import { importCsvCommand } from './importCsv.ts';
import { pricesTick } from './priceTick.ts';
import { residentCheck } from '../resident/selfCheck.ts';
import { verifyJournal } from '../ledger/journal.ts';
import { assertSound } from './integrity/sound.ts';
import { journalList, journalCsv, journalCommandsList } from './audit.ts';
import { dashboardSummary } from './console/dashboard.ts';
import { accountsList, accountsVersion, accountsRows, accountDetail, accountWhatIf } from './console/accounts.ts';
import { instrumentsList, pricesHistory } from './console/market.ts';
import { accountCommodities } from './console/commodities.ts';
import { explainFigureCommand } from './console/explain.ts';
import { accountsMovesCommand } from './console/metrics.ts';
import { attentionView } from './console/attention.ts';
import {
  listLiquidationsCommand,
  countLiquidationsCommand,
  getLiquidationCommand,
  previewCommand,
  approveCommand,
  rejectCommand,
  holdCommand,
  releaseCommand,
  fillCommand,
} from './liquidations/review.ts';
import { recoveryHandlers } from './recovery/handlers.ts';
import { confirmApprovalCommand, declineApprovalCommand, listApprovalsCommand } from './approvals.ts';
import { inboxList } from './inbox.ts';
import { capabilities } from './allowed/access.ts';
import { deepVerify } from './integrity/deepVerify.ts';
import { acknowledgeCommand } from './integrity/acknowledge.ts';
import { adminHandlers, adminPreparers } from './admin/handlers.ts';
import type { Prepared as PasswordPrepared } from './admin/users.ts';
import { stageImport, type StagedImport } from './importCsv.ts';
import type { FileRecord } from './importRecord.ts';
import type { ChunkedPublish } from './importChunks.ts';
import { listPolicies, policyHistoryCommand, changePolicyCommand } from './policies/policies.ts';
import { automationStatus, setAutomation, resetBreakerCommand } from './liquidations/automation.ts';
import { fundsHistory, insuranceFundCommand, drawCommand } from './funds/insuranceFund.ts';
import { layoutsCommand } from './recovery/layouts.ts';
import { playbookHandlers } from './playbooks/handlers.ts';
import { withOverrides } from './overrides/wrap.ts';
import { overridesReport } from './overrides/report.ts';
import { endOfDayReport } from './reports/endOfDay.ts';

export interface Handled<C extends Channel> {
  output: OutputOf<C>;
  journal?: { payload?: unknown; result?: unknown };
}

/** Every channel but the ones the doors answer (sign-in binds a user to a window or browser session). */
export type CommandChannel = Exclude<Channel, (typeof DOOR_CHANNELS)[number]>;
export type Handlers = { [C in CommandChannel]: (ctx: CommandContext, input: InputOf<C>, prepared?: Prepared) => Handled<C> };
/** What a preparer hands the handler: a password's hash (admin/users.ts), or an import staged before its transaction. */
export type Prepared = PasswordPrepared & { staged?: StagedImport; record?: FileRecord; ahead?: ChunkedPublish };

/** Channels whose input needs async work (a password hashed) before their transaction: see dispatchAsync. */
export const preparers: Partial<{ [C in CommandChannel]: (ctx: CommandContext, input: InputOf<C>) => Promise<Prepared> }> = adminPreparers;

/** The cycle as steps (commands/steps.ts), for the console's sliced run (dispatch.ts dispatchSliced). */
export function* cycleCommand(ctx: CommandContext, input: InputOf<'cycle.run'>): Steps<Handled<'cycle.run'>> {
  const output = yield* cycleSteps(ctx, input);
  // The payload says the cycle ran the lifecycle first, so that a replay of a cycle journalled before it did
  // (no mark) runs without it and rebuilds what that cycle wrote (integrity/replayEntry.ts); likewise for a cycle
  // that wrote every proposal's figures at its marks (mark 1).
  const payload = ctx.preLifecycle ? input : { ...input, lifecycle: ctx.proposalFiguresFollowMarks ? CYCLE_FORMAT_LIFECYCLE : CYCLE_FORMAT_DECISIONS };
  return { output, journal: { payload, result: { ...output, ms: undefined } } };
}

/**
 * Work a command's caller may do before its transaction, without the write lock (dispatchAsync runs it); the handler
 * does it itself when it was not done (dispatch, a replay).
 */
export const stagers: Partial<{ [C in CommandChannel]: (ctx: CommandContext, input: InputOf<C>) => Prepared }> = { 'import.csv': stageImport };

// Override channels record their automatic alternative in their journal entry (overrides/wrap.ts).
export const handlers: Handlers = withOverrides({
  'cycle.run': (ctx, input) => drain(cycleCommand(ctx, input)),
  'lifecycle.run': plain(lifecycleCommand),
  'funding.tick': plain(fundingTick),
  'lifecycle.overview': plain(lifecycleOverview),
  'lifecycle.account': plain(accountLifecycle),
  'lifecycle.deliveries': plain(deliveryRisk),
  'limits.list': plain(limitsList),
  'calls.list': plain(listCallsCommand),
  'calls.get': plain(getCallCommand),
  'calls.deposit': plain(depositCommand),
  'calls.extend': plain(extendCommand),
  'calls.waive': plain(waiveCommand),
  'calls.escalate': plain(escalateCommand),
  'calls.escalateMany': plain(escalateManyCommand),
  'import.csv': importCsvCommand,
  'prices.tick': plain(pricesTick),
  'resident.check': (ctx) => ({ output: residentCheck(ctx.db, ctx.resident ?? null) }),
  'journal.verify': (ctx) => {
    assertSound(ctx.db);
    return { output: verifyJournal(ctx.db) };
  },
  'journal.verifyDeep': (ctx) => {
    assertSound(ctx.db);
    return { output: deepVerify(ctx.db) };
  },
  'ledger.integrity': (ctx) => ({ output: ctx.integrity ?? { readOnly: false, problem: null } }),
  'ledger.acknowledge': acknowledgeCommand,
  'journal.list': plain(journalList),
  'journal.exportCsv': plain(journalCsv),
  'journal.commands': plain(journalCommandsList),
  'session.whoami': (ctx) => ({
    output: { name: ctx.actor.name, role: ctx.actor.role, ...(ctx.actor.mustChangePassword ? { mustChangePassword: true } : {}), capabilities: capabilities(ctx.actor), now: ctx.now().toISOString() },
  }),
  'dashboard.summary': plain(dashboardSummary),
  'accounts.list': plain(accountsList),
  'accounts.version': plain(accountsVersion),
  'accounts.rows': plain(accountsRows),
  'accounts.detail': plain(accountDetail),
  'accounts.whatif': plain(accountWhatIf),
  'accounts.commodities': plain(accountCommodities),
  'explain.figure': plain(explainFigureCommand),
  'accounts.moves': plain(accountsMovesCommand),
  'dashboard.attention': plain(attentionView),
  'overrides.report': plain(overridesReport),
  'reports.endOfDay': plain(endOfDayReport),
  'instruments.list': plain(instrumentsList),
  'prices.history': plain(pricesHistory),
  'liquidations.list': plain(listLiquidationsCommand),
  'liquidations.count': plain(countLiquidationsCommand),
  'liquidations.get': plain(getLiquidationCommand),
  'liquidations.preview': plain(previewCommand),
  'liquidations.approve': approveCommand,
  'liquidations.reject': rejectCommand,
  'liquidations.hold': holdCommand,
  'liquidations.release': releaseCommand,
  'liquidations.fill': fillCommand,
  'approvals.list': plain(listApprovalsCommand),
  'approvals.confirm': confirmApprovalCommand,
  'approvals.decline': declineApprovalCommand,
  'inbox.list': plain(inboxList),
  'automation.status': plain(automationStatus),
  'automation.set': plain(setAutomation),
  'breakers.reset': plain(resetBreakerCommand),
  'funds.history': plain(fundsHistory),
  'funds.insurance': plain(insuranceFundCommand),
  'funds.draw': drawCommand,
  'default.layouts': plain(layoutsCommand),
  'policies.list': plain(listPolicies),
  'policies.history': plain(policyHistoryCommand),
  'policies.change': changePolicyCommand,
  ...recoveryHandlers,
  ...adminHandlers,
  ...playbookHandlers,
});
