/**
 * The Diagnostics card: each study finding (negative transfer, gradient conflict, weight collapse, loss-scale
 * imbalance) with its remedy as a button. The button sends the finding's id only; the host looks the remedy up
 * in what it offered and writes the sweep into the experiment file (a comment-preserving edit).
 */
import { button, el } from '../dom';
import type { DashboardContext } from '../context';
import type { Card } from './cardStack';

export function renderDiagnostics(context: DashboardContext, card: Card | undefined): void {
  const findings = context.model.diagnostics;
  if (!card || !findings) return;
  if (findings.length === 0) return void card.body.replaceChildren(el('p', { class: 'note' }, 'No findings: no task loses to its baseline beyond seed noise, no weight collapse, no loss-scale imbalance, gradient conflict below the threshold.'));
  const list = el('ul', { class: 'findings' });
  for (const f of findings) {
    const file = f.file.split(/[\\/]/).pop() ?? f.file;
    const apply = button(`Add ${f.remedy}`, 'add', () => context.post({ type: 'applyRemedy', findingId: f.id }), { secondary: true, action: 'apply-remedy', disabled: context.model.readOnly, title: `Write this sweep into ${file} (comments kept), ready for Start Study` });
    apply.dataset.finding = f.id;
    list.append(el('li', { class: 'finding', 'data-finding': f.id }, el('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }), el('strong', {}, ` ${f.group}: `), f.message, el('p', { class: 'note' }, `Remedy: ${f.why}`), apply));
  }
  card.body.replaceChildren(list);
}
