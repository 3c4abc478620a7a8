// The Runner screen's views (issue 16 item 4): the library with what the signed-in user may start here, the runs, and
// one run with its current step and the verdicts on its actions. The verdicts are the rules the commands enforce
// (main/commands/allowed), so the console shows what it is told and decides nothing.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { PlaybookDefinition, PlaybookStep, RunnerView, RunView } from '../../../shared/contractPlaybook.ts';
import type { ActionVerdict } from '../../../shared/contractAllowed.ts';
import { currentRunStep, listRuns, type RunRow, type RunStepRow } from '../../ledger/playbookRepo.ts';
import { getApproval } from '../../ledger/approvalRepo.ts';
import { channelRule, first, heldByContract, judge, no, ok, type Rule } from '../allowed/verdict.ts';
import { injectRule, modeRule, notPausedRule, pauseRule, resumeRule, runningRule, signOffRule } from '../allowed/playbooks.ts';
import { MAX_INJECTED } from '../../../shared/contractPlaybook.ts';
import { confirmHeldRule } from '../allowed/approvals.ts';
import { definitionOf, listPlaybooks, loadRun } from './runs.ts';
import { headOf, stepsOf } from './report.ts';
import { happened } from './drillClock.ts';
import type { Channel } from '../../../shared/contract.ts';

export function runnerView(ctx: CommandContext): RunnerView {
  const sandbox = ctx.sandbox === true;
  const library = listPlaybooks(ctx).map((p) => {
    const def = definitionOf(ctx, p.id);
    return {
      ...p,
      parameters: (def.parameters ?? []).map((x) => ({ name: x.name, description: x.description, default: x.default ?? null })),
      start: {
        live: judge(ctx.actor, 'playbooks.start', !sandbox, () => modeRule('live', sandbox)),
        // On the ledger, a drill is started by the console's door, which makes its sandbox copy (playbooks.drill);
        // in a sandbox, by playbooks.start itself.
        drill: sandbox ? judge(ctx.actor, 'playbooks.start', true, () => modeRule('drill', sandbox)) : judge(ctx.actor, 'playbooks.drill', true, () => ok()),
      },
    };
  });
  const names = new Map(library.map((p) => [p.id, p.name]));
  const runs = listRuns(ctx.db).map((r) => ({
    run: r.id,
    playbook: r.playbook,
    name: names.get(r.playbook) ?? r.playbook,
    mode: r.mode,
    status: r.status,
    startedBy: r.startedBy,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    current: r.currentStep,
  }));
  return { drill: sandbox, library, runs };
}

/** Performing or signing off the current step: the rule its command or sign-off enforces. */
function stepRule(ctx: CommandContext, step: PlaybookStep, row: RunStepRow): Rule {
  const waiting = row.status === 'awaiting_second';
  if (step.kind === 'manual') return signOffRule(step, waiting ? row.actor : null, ctx.actor);
  if (waiting) {
    const a = row.approvalId === null ? null : getApproval(ctx.db, row.approvalId);
    return a ? confirmHeldRule(a, ctx.actor) : no('held_missing', `the held command of step ${row.step} is gone`);
  }
  const channel = step.channel as Channel;
  return heldByContract(channel, channelRule(ctx.actor, channel));
}

function stepVerdict(ctx: CommandContext, run: RunRow, def: PlaybookDefinition, row: RunStepRow | undefined): ActionVerdict {
  const step = run.currentStep === null ? null : def.steps[run.currentStep - 1]!;
  return judge(ctx.actor, 'playbooks.step', step !== null && row !== undefined, () =>
    first(
      () => runningRule(run),
      () => notPausedRule(run),
      () => (step && row ? stepRule(ctx, step, row) : runningRule(run)),
    ),
  );
}

export function runView(ctx: CommandContext, input: InputOf<'playbooks.run'>): RunView {
  const { run, def } = loadRun(ctx, input.run);
  const row = run.status === 'running' ? currentRunStep(ctx.db, run.id) : undefined;
  const step = run.currentStep === null ? null : def.steps[run.currentStep - 1]!;
  return {
    ...headOf(run, def),
    now: ctx.now().toISOString(),
    current:
      step === null || row === undefined
        ? null
        : {
            index: run.currentStep!,
            title: step.title,
            kind: step.kind,
            instructions: step.instructions,
            targetSeconds: step.targetSeconds,
            startedAt: row.startedAt,
            pausedSeconds: row.pausedSeconds,
            role: step.kind === 'manual' ? step.role : null,
            channel: step.kind === 'automated' ? step.channel : null,
            fourEyes: step.kind === 'manual' ? step.fourEyes === true : false,
            outcomes: step.kind === 'manual' ? (step.outcomes ?? null) : null,
            firstSigner: row.status === 'awaiting_second' ? row.actor : null,
          },
    paused: run.paused,
    events: happened(ctx, run, run.endedAt ? new Date(run.endedAt) : ctx.now()),
    steps: stepsOf(ctx, run, def),
    actions: {
      step: stepVerdict(ctx, run, def, row),
      pause: judge(ctx.actor, 'playbooks.pause', run.status === 'running' && !run.paused, () => pauseRule(run)),
      resume: judge(ctx.actor, 'playbooks.resume', run.paused !== null, () => resumeRule(run)),
      abort: judge(ctx.actor, 'playbooks.abort', run.status === 'running', () => runningRule(run)),
      // Offered on a running drill in its sandbox; who may is the rule the command enforces.
      inject: judge(ctx.actor, 'playbooks.inject', run.mode === 'drill' && run.status === 'running' && ctx.sandbox === true, () => injectRule(run, ctx.sandbox === true, ctx.actor, MAX_INJECTED)),
    },
  };
}
