/**
 * The self-attention card: the Transformer's token × token attention on one validation text (the records'
 * `self-attention/<layer>/<head>` matrices), with run, layer and head pickers and the shared step scrubber.
 * Rows are the query tokens, columns the key tokens, as the records label them; a heatmap only (no lines: a
 * 48-token text has 2 304 cells a head).
 */
import { el, singleSelect, type SingleSelect } from '../dom';
import { Heatmap } from '../heatmap';
import { runLabel } from '../chartSpecs';
import type { DashboardContext } from '../context';
import type { HeldMatrices } from '../model';
import { parseSelfAttentionName, selfAttentionName } from '../../training/run/matrices';
import type { Card } from './cardStack';
import { scrubTo } from './matrixCard';

/** The card's id (one card for every layer and head). */
export const SELF_ATTENTION_CARD = 'self-attention';

/** The layers and heads a run holds self-attention matrices for, each sorted. */
export function selfAttentionShape(names: Iterable<string>): { layers: number[]; heads: number[] } {
  const layers = new Set<number>();
  const heads = new Set<number>();
  for (const name of names) {
    const parsed = parseSelfAttentionName(name);
    if (!parsed) continue;
    layers.add(parsed.layer);
    heads.add(parsed.head);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { layers: sorted(layers), heads: sorted(heads) };
}

export class SelfAttentionCard {
  readonly heatmap = new Heatmap('Self-attention: query token × key token');
  private readonly runSelect: SingleSelect;
  private readonly layerSelect: SingleSelect;
  private readonly headSelect: SingleSelect;
  private readonly scrubber: HTMLInputElement;
  private readonly label: HTMLElement;
  private runId: string | undefined;
  private layer = 0;
  private head = 0;

  constructor(
    private readonly context: DashboardContext,
    card: Card,
    /** The scrubber moved: every heatmap follows it (the step is shared). */
    onScrub: () => void,
  ) {
    const { model, state } = context;
    this.runSelect = singleSelect('Run shown in the self-attention heatmap', 'self-attention-run');
    for (const r of model.runs.values()) {
      if (selfAttentionShape(model.matrices.get(r.id)?.keys() ?? []).layers.length === 0) continue;
      this.runId ??= r.id;
      this.runSelect.append(el('vscode-option', { value: r.id }, runLabel(model, r)));
    }
    this.layerSelect = singleSelect('Encoder layer shown in the self-attention heatmap', 'self-attention-layer');
    this.headSelect = singleSelect('Attention head shown in the self-attention heatmap', 'self-attention-head');
    this.fillPickers();
    this.runSelect.addEventListener('change', () => {
      this.runId = this.runSelect.value;
      this.fillPickers();
      this.render();
    });
    this.layerSelect.addEventListener('change', () => {
      this.layer = Number(this.layerSelect.value);
      this.render();
    });
    this.headSelect.addEventListener('change', () => {
      this.head = Number(this.headSelect.value);
      this.render();
    });
    this.scrubber = el('input', { type: 'range', min: '0', max: '0', step: '1', class: 'scrubber', 'aria-label': 'Step shown in the self-attention heatmap' });
    this.scrubber.dataset.control = 'self-attention-scrubber';
    this.label = el('span', { class: 'scrub-label' });
    this.scrubber.addEventListener('input', () => {
      const snapshots = this.held()?.snapshots ?? [];
      const i = Number(this.scrubber.value);
      // The last position follows the newest step while the run trains.
      state.scrubStep = i >= snapshots.length - 1 ? null : (snapshots[i]?.step ?? null);
      context.saveState();
      onScrub();
    });
    card.body.append(
      el(
        'div',
        { class: 'matrix-controls' },
        el('span', { class: 'control' }, 'Run ', this.runSelect),
        el('span', { class: 'control' }, 'Layer ', this.layerSelect),
        el('span', { class: 'control' }, 'Head ', this.headSelect),
        el('label', { class: 'control' }, 'Step ', this.scrubber, this.label),
      ),
      el('div', { class: 'self-attention-map' }, this.heatmap.element),
    );
  }

  /** The layer and head options of the chosen run; the choice kept where the run has it. */
  private fillPickers(): void {
    const { layers, heads } = selfAttentionShape(this.context.model.matrices.get(this.runId ?? '')?.keys() ?? []);
    if (!layers.includes(this.layer)) this.layer = layers[0] ?? 0;
    if (!heads.includes(this.head)) this.head = heads[0] ?? 0;
    const fill = (select: SingleSelect, values: number[], chosen: number) => {
      select.replaceChildren(
        ...values.map((v) => {
          const o = el('vscode-option', { value: String(v) }, String(v + 1));
          if (v === chosen) o.setAttribute('selected', '');
          return o;
        }),
      );
    };
    fill(this.layerSelect, layers, this.layer);
    fill(this.headSelect, heads, this.head);
  }

  /** The matrix name shown (`self-attention/<layer>/<head>`). */
  get name(): string {
    return selfAttentionName(this.layer, this.head);
  }

  private held(): HeldMatrices | undefined {
    return this.runId === undefined ? undefined : this.context.model.matrices.get(this.runId)?.get(this.name);
  }

  /** The heatmap of the chosen layer and head at the scrubber's step (the newest while it is at its right end). */
  render(): void {
    const held = this.held();
    if (!held || held.snapshots.length === 0) return;
    const { scrubStep } = this.context.state;
    const snapshot = scrubTo(held.snapshots, scrubStep, this.scrubber, this.label);
    this.heatmap.canvas.setAttribute('aria-label', `${held.about.title}: query token × key token`);
    // A row of n weights sums to 1, so most are near 1/n: full colour at the matrix's largest weight.
    const full = Math.max(...snapshot.rows.flat().filter(Number.isFinite), 1e-6);
    this.heatmap.render({ rowLabels: held.rowLabels, columnLabels: held.columnLabels, snapshot, scale: 'sequential', full }, this.context.theme());
  }
}
