// The playbook channels (shared/contractPlaybook.ts) -> their use cases, merged into main/commands/handlers.ts.
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { InputOf } from '../../../shared/contract.ts';
import { plain } from '../plain.ts';
import { listPlaybooks, getPlaybook, importPlaybook, startRun, stepRun, pauseRun, resumeRun, abortRun, runReport } from './runs.ts';
import { runnerView, runView } from './runner.ts';
import { clockView, fireRun } from './beat.ts';
import { injectByHand } from './conductor.ts';

type PlaybookChannel =
  | 'playbooks.list'
  | 'playbooks.get'
  | 'playbooks.import'
  | 'playbooks.start'
  | 'playbooks.step'
  | 'playbooks.pause'
  | 'playbooks.resume'
  | 'playbooks.abort'
  | 'playbooks.report'
  | 'playbooks.runner'
  | 'playbooks.run'
  | 'playbooks.clock'
  | 'playbooks.fire'
  | 'playbooks.inject';

export const playbookHandlers: { [C in PlaybookChannel]: (ctx: CommandContext, input: InputOf<C>) => Handled<C> } = {
  'playbooks.list': plain((ctx) => listPlaybooks(ctx)),
  'playbooks.get': plain(getPlaybook),
  'playbooks.import': importPlaybook,
  'playbooks.start': startRun,
  'playbooks.step': stepRun,
  'playbooks.pause': pauseRun,
  'playbooks.resume': resumeRun,
  'playbooks.abort': abortRun,
  'playbooks.report': plain(runReport),
  'playbooks.runner': plain((ctx) => runnerView(ctx)),
  'playbooks.run': plain(runView),
  'playbooks.clock': plain((ctx) => clockView(ctx)),
  'playbooks.fire': fireRun,
  'playbooks.inject': injectByHand,
};
