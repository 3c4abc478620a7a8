// A run's report as one self-contained HTML page (riskdesk playbook report --export FILE.html): what the desk files
// after an incident or a drill, readable without the app, and printable to PDF by any browser. Every value is escaped.
import type { CoverSnapshot, RunReport } from '../../shared/contractPlaybook.ts';
import { esc, PAGE_STYLE, table, type Cell } from '../reports/html.ts';

function cover(label: string, c: CoverSnapshot | null): Cell[] {
  if (c === null) return [label, '', '', '', ''];
  return [label, c.asOf, c.cover1.amount, c.cover2.amount, `${c.prefunded} (${c.cover2.covered ? 'Cover-2 held' : 'Cover-2 NOT held'})`];
}

export function reportHtml(r: RunReport): string {
  const title = `${r.mode === 'drill' ? 'DRILL — ' : ''}${r.name} v${r.version}, run ${r.run}`;
  const s = r.score;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${PAGE_STYLE}
.drill { background: #b45309; color: #fff; padding: 4px 8px; font-weight: bold; letter-spacing: 0.1em; }
</style></head><body>
${r.mode === 'drill' ? '<div class="drill">DRILL — sandbox copy, not the live ledger</div>' : ''}
<h1>${esc(title)}</h1>
${r.scenario ? `<p>Market scenario: ${esc(r.scenario.name)} at ${esc(r.scenario.acceleration)}x, ${esc(r.scenario.delivered)} of ${esc(r.scenario.points)} points played.</p>` : ''}
<p>${esc(r.status)}${r.why ? ` — ${esc(r.why)}` : ''}. Started by ${esc(r.startedBy)} at ${esc(r.startedAt)}${r.endedAt ? `, ended ${esc(r.endedAt)}` : ''}.</p>
<h2>Score</h2>
${table(['steps on time', 'ratio', 'loss', 'automatic path loss', 'loss against automatic', 'Cover-2 held'], [[`${s.onTime} of ${s.steps}`, s.ratio, s.loss ?? '—', s.automaticLoss ?? '—', s.lossAgainstAutomatic ?? '—', s.cover2Held === null ? '—' : s.cover2Held ? 'yes' : 'no']])}
<h2>Steps</h2>
${table(
  ['#', 'title', 'kind', 'actor', 'second', 'started', 'ended', 'seconds', 'target', 'on time', 'outcome', 'note'],
  r.steps.map((x) => [x.index, x.title, x.kind, x.actor, x.secondActor, x.startedAt, x.endedAt, x.seconds, x.targetSeconds, x.onTime === null ? '' : x.onTime ? 'yes' : 'no', x.outcome ?? (x.why ? `${x.status}: ${x.why}` : x.status), x.note]),
)}
<h2>Decisions</h2>
${table(['at', 'actor', 'step', 'decision', 'engine\'s automatic path'], r.decisions.map((d) => [d.at, d.actor, d.step ?? '', d.decision, d.automatic ?? '(a person decides)']))}
<h2>Recovery choices against the automatic path</h2>
${
  r.choices.length === 0
    ? '<p>None.</p>'
    : table(['at', 'actor', 'choice', 'engine\'s automatic alternative', 'measure', 'loss', 'automatic', 'difference'], r.choices.map((c) => [c.at, c.actor, c.chosen, c.automatic, c.measure, c.loss ?? '—', c.automaticLoss ?? '—', c.difference ?? (c.why ?? '—')]))
}
<h2>Losses and the waterfall</h2>
${
  r.losses === null
    ? '<p>No default case in this run.</p>'
    : `<p>Case ${esc(r.losses.case)}, member ${esc(r.losses.member)}${r.losses.closeOut ? `: ${esc(r.losses.closeOut.method)} loss ${esc(r.losses.closeOut.loss)} (automatic path: ${esc(r.losses.closeOut.automaticLoss)})` : ''}${r.losses.uncovered !== null ? `; uncovered ${esc(r.losses.uncovered)}` : ''}.</p>
${r.losses.waterfall ? table(['layer', 'available', 'used', 'remaining'], r.losses.waterfall.layers.map((l) => [l.name, l.available, l.used, l.remaining])) + `<p>Residual ${esc(r.losses.waterfall.residual)}.</p>` : ''}`
}
<h2>Cover-1 and Cover-2</h2>
${table(['when', 'as of', 'Cover-1', 'Cover-2', 'prefunded'], [cover('start', r.cover.start), cover('end', r.cover.end)])}
<h2>Actors</h2>
${table(['who', 'steps', 'commands'], r.actors.map((a) => [a.name, a.steps.join(', '), a.commands]))}
<h2>Timeline</h2>
${table(['at', 'actor', 'what'], r.timeline.map((t) => [t.at, t.actor, t.what]))}
</body></html>
`;
}
