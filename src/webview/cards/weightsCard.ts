/**
 * The Task weights card's own parts (its charts are ordinary line charts): the alert that stands while a
 * run's weights are collapsed, and the run picker of the single weights chart past MAX_WEIGHT_CHARTS runs
 * (its list filled after the first paint).
 */
import { el, singleSelect } from '../dom';
import { runLabel } from '../chartSpecs';
import type { DashboardContext } from '../context';
import type { Card } from './cardStack';
import type { RunView } from '../protocol';
import { afterPaint } from '../afterPaint';

/** The picker of the run the single weights chart shows; `onChange` after the choice is recorded. */
export function weightsPicker(context: DashboardContext, onChange: () => void): HTMLElement {
  const { model, choices } = context;
  const select = singleSelect('Run shown in the task weights chart', 'weights-run');
  const selected = choices.weightsRun();
  const runs = [...model.runs.values()].filter((r) => model.runKeys(r.id, 'weight/').length > 0);
  const option = (r: RunView) => {
    const o = el('vscode-option', { value: r.id }, `${runLabel(model, r)}${r.weighting ? ` (${r.weighting})` : ''}`);
    if (r.id === selected) o.setAttribute('selected', '');
    return o;
  };
  // The chosen run at once (the picker's face); the whole list, one option per run (100 in a large study),
  // once the charts are painted (see afterPaint.ts).
  const chosen = runs.find((r) => r.id === selected);
  if (chosen) select.append(option(chosen));
  afterPaint('weights-picker', () => select.replaceChildren(...runs.map(option)));
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
