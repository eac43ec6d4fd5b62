/** Small DOM builders shared by the dashboard's cards and controls. */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export function button(label: string, icon: string, onClick: () => void, options: { secondary?: boolean; disabled?: boolean; title?: string; action?: string } = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('icon', icon);
  if (options.secondary) b.setAttribute('secondary', '');
  if (options.disabled) b.setAttribute('disabled', '');
  if (options.title) b.setAttribute('title', options.title);
  if (options.action) b.dataset.action = options.action;
  b.textContent = label;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

/**
 * An icon-only button of a run row (Remove from the comparison): a native button drawn like a secondary
 * icon-only `vscode-button`, not one — a study of 100 runs would otherwise create 100 more shadow roots, and
 * render their templates, before its first paint. Focusable, and pressed with Enter or Space, as a button.
 */
export function iconButton(icon: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'icon-button', title: label, 'aria-label': label }, el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }));
  b.addEventListener('click', onClick);
  return b;
}

/**
 * A run's status as a badge: a styled span, not a `vscode-badge` (it is not a control, and a comparison
 * of 50 runs would otherwise create 50 more shadow roots on the first render).
 */
export function statusBadge(status: string): HTMLElement {
  return el('span', { class: `badge status status-${status}` }, status);
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, control: string): HTMLElement {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  c.setAttribute('label', label);
  c.dataset.control = control;
  if (checked) c.setAttribute('checked', '');
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}

/** A `vscode-single-select`, its value read and set as a string. */
export type SingleSelect = HTMLElement & { value: string };

/** A `vscode-single-select` labelled for screen readers and found by tests through `data-control`. */
export function singleSelect(ariaLabel: string, control: string): SingleSelect {
  const select = document.createElement('vscode-single-select') as SingleSelect;
  select.setAttribute('aria-label', ariaLabel);
  select.dataset.control = control;
  return select;
}
