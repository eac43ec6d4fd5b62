/**
 * The dashboard's cards: collapsible sections in page order, each remembered open or closed in the view
 * state. The stack is rebuilt whole when the dashboard's structure changes.
 */
import { el } from '../dom';
import type { DashboardContext } from '../context';

export interface Card {
  id: string;
  element: HTMLElement & { open?: boolean };
  body: HTMLElement;
}

export class CardStack {
  readonly root = el('div', { class: 'cards' });
  private cards = new Map<string, Card>();

  constructor(
    private readonly context: DashboardContext,
    /** A card was opened (text cards are not kept current while closed: they catch up here). */
    private readonly onOpen: (id: string) => void,
  ) {}

  get(id: string): Card | undefined {
    return this.cards.get(id);
  }

  /** Whether a card is open (a card that does not exist counts as open). */
  isOpen(id: string): boolean {
    return this.cards.get(id)?.element.open !== false;
  }

  clear(): void {
    this.cards = new Map();
    this.root.replaceChildren();
  }

  /** The card `id`, appended at the end of the page when it does not exist yet. */
  card(id: string, heading: string, description = ''): Card {
    const existing = this.cards.get(id);
    if (existing) return existing;
    const { state } = this.context;
    const c = document.createElement('vscode-collapsible') as HTMLElement & { open: boolean };
    c.setAttribute('heading', heading);
    if (description) c.setAttribute('description', description);
    c.dataset.card = id;
    c.open = !state.collapsedCards.includes(id);
    if (c.open) c.setAttribute('open', '');
    c.addEventListener('vsc-collapsible-toggle', (e) => {
      const open = (e as CustomEvent<{ open: boolean }>).detail.open;
      state.collapsedCards = state.collapsedCards.filter((x) => x !== id);
      if (!open) state.collapsedCards.push(id);
      this.context.saveState();
      if (open) this.onOpen(id);
    });
    const body = el('div', { class: `card-body card-${id}` });
    c.append(body);
    this.root.append(c);
    const result = { id, element: c, body };
    this.cards.set(id, result);
    return result;
  }
}
