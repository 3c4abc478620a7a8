// Default management's use cases (design.md §2.4-2.6), channel by channel: merged into the command layer's table.
import type { Handlers } from '../handlers.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { recoveryContract } from '../../../shared/contractRecovery.ts';
import { plain } from '../plain.ts';
import { membersList, suspendMember, reinstateMember, listDefaultCases, declareDefault, confirmDefault, withdrawDefault, replenishDefaultFund } from './members.ts';
import { portAccounts, closeOutCommand, bidCommand, awardCommand } from './closeOut.ts';
import { waterfallCommand, assessCommand, listAssessmentsCommand, payAssessment, reviewAssessments } from './waterfall.ts';
import { compareCommand, allocateCommand } from './recoveryTools.ts';
import { listScenarios, saveScenario, deleteScenarioCommand, stressRunCommand } from './stress.ts';
import { caseDetail } from './views.ts';

type RecoveryChannel = keyof typeof recoveryContract;

export const recoveryHandlers: Pick<Handlers, RecoveryChannel> = {
  'members.list': plain(membersList),
  'members.suspend': plain(suspendMember),
  'members.reinstate': plain(reinstateMember),
  'default.list': plain(listDefaultCases),
  'default.get': plain((ctx, input: InputOf<'default.get'>) => caseDetail(ctx.db, input.case)),
  'default.declare': declareDefault,
  'default.confirm': confirmDefault,
  'default.withdraw': withdrawDefault,
  'default.port': portAccounts,
  'default.closeOut': closeOutCommand,
  'default.bid': bidCommand,
  'default.award': awardCommand,
  'default.waterfall': waterfallCommand,
  'default.assess': assessCommand,
  'default.compare': plain(compareCommand),
  'default.allocate': allocateCommand,
  'default.replenish': plain(replenishDefaultFund),
  'assessments.list': plain(listAssessmentsCommand),
  'assessments.pay': plain(payAssessment),
  'assessments.review': plain(reviewAssessments),
  'stress.scenarios': plain(listScenarios),
  'stress.saveScenario': plain(saveScenario),
  'stress.deleteScenario': plain(deleteScenarioCommand),
  'stress.run': plain(stressRunCommand),
};
