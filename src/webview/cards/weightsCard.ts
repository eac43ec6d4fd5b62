/**
 * The Task weights card's own parts (its charts are ordinary line charts): the alert that stands while a
 * run's weights are collapsed, and the run picker of the single weights chart past MAX_WEIGHT_CHARTS runs.
 */
import { el, singleSelect } from '../dom';
import { runLabel } from '../chartSpecs';
import type { DashboardContext } from '../context';
import type { Card } from './cardStack';

/** The picker of the run the single weights chart shows; `onChange` after the choice is recorded. */
export function weightsPicker(context: DashboardContext, onChange: () => void): HTMLElement {
  const { model, choices } = context;
  const select = singleSelect('Run shown in the task weights chart', 'weights-run');
  const selected = choices.weightsRun();
  for (const r of model.runs.values()) {
    if (model.runKeys(r.id, 'weight/').length === 0) continue;
    const o = el('vscode-option', { value: r.id }, `${runLabel(model, r)}${r.weighting ? ` (${r.weighting})` : ''}`);
    if (r.id === selected) o.setAttribute('selected', '');
    select.append(o);
  }
  select.addEventListener('change', () => {
    choices.weights = select.value;
    onChange();
  });
  return el('div', { class: 'matrix-controls' }, el('span', { class: 'control' }, 'Run ', select));
}

/** The alerts box of the weights card: one alert per visible run whose latest weight event is a collapse. */
export function renderAlerts(context: DashboardContext, card: Card | undefined): void {
  const box = card?.body.querySelector<HTMLElement>('.alerts');
  if (!box) return;
  const { model, state } = context;
  const alerts: HTMLElement[] = [];
  for (const [runId, events] of model.events) {
    if (state.hiddenRuns.includes(runId)) continue;
    // The latest of collapsed / recovered decides whether the alert stands.
    const last = [...events].reverse().find((e) => e.code === 'weights-collapsed' || e.code === 'weights-recovered');
    if (last?.code === 'weights-collapsed') {
      const r = model.runs.get(runId);
      alerts.push(el('div', { class: 'alert' }, el('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }), ` ${r ? runLabel(model, r) : runId}: task weights collapsed at step ${last.step}. ${last.message}`));
    }
  }
  box.replaceChildren(...alerts);
  box.hidden = alerts.length === 0;
}
