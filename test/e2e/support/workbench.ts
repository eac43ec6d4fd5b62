/**
 * Drives the VS Code workbench in the browser the way a user does: command palette, quick picks,
 * activity bar, tree, webviews, Problems. Every wait is bounded and every failure says what the user
 * would have seen missing (the command not in the palette, the view not in the activity bar, …).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const CATEGORY = 'MTL Lab';

export class E2EError extends Error {
  override name = 'E2EError';
}

/**
 * Set when a scenario has run out of time: node:test reports the timeout but cannot stop the async
 * body, which would go on driving the page under the next scenario. Every wait checks this and
 * throws, so a timed-out scenario winds down at its next step.
 */
export const cancellation: { reason: string | undefined } = { reason: undefined };

function throwIfCancelled(): void {
  if (cancellation.reason) throw new E2EError(`cancelled: ${cancellation.reason}`);
}

export class Workbench {
  private shotIndex = 0;

  constructor(
    readonly page: Page,
    private readonly screenshotDir: string,
  ) {
    mkdirSync(screenshotDir, { recursive: true });
  }

  /** Loads the workbench and waits until it is interactive (the workbench renders in about 3 s). */
  async open(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.waitForWorkbench();
  }

  async waitForWorkbench(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // The activity bar is drawn once the layout and the contributed view containers are known.
    await this.page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
  }

  /** Screenshot of the whole window, numbered in the order they were taken: `<scenario>-<NN>-<stage>.png`. */
  async screenshot(scenario: string, stage: string): Promise<string> {
    this.shotIndex += 1;
    const file = path.join(this.screenshotDir, `${scenario}-${String(this.shotIndex).padStart(2, '0')}-${stage}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  // ------------------------------------------------------------------------------------- quick input

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  async isQuickInputOpen(): Promise<boolean> {
    return this.quickInput.isVisible();
  }

  async closeQuickInput(): Promise<void> {
    if (await this.isQuickInputOpen()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    }
  }

  /** Rows of the open quick pick (visible ones only; the list is virtualised). */
  quickPickRows(): Locator {
    return this.quickInput.locator('.quick-input-list .monaco-list-row');
  }

  /**
   * Runs a command from the palette by its full title, e.g. "MTL Lab: Start Run". A webview that
   * opens meanwhile (a dashboard) takes the focus and closes the palette: then it is opened again.
   */
  async runCommand(title: string): Promise<void> {
    throwIfCancelled();
    let shown: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await this.closeQuickInput();
      // Focus the workbench itself first; F1 does nothing while focus is inside a webview iframe.
      await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
      await this.page.keyboard.press('F1');
      if (!(await this.waitForQuickInput(10_000))) continue;
      const input = this.quickInput.locator('input').first();
      const row = this.quickPickRows().filter({ has: this.page.locator('.label-name', { hasText: exactText(title) }) }).first();
      try {
        await input.fill(`>${title}`, { timeout: 5000 });
        await row.waitFor({ state: 'visible', timeout: 10_000 });
        // Clicked, not Enter: the command's own quick pick can open before the key is released and take
        // the Enter as an empty answer. A list still re-rendering fails Playwright's stability check: then
        // the click is forced.
        await row.click({ timeout: 5000 }).catch(() => row.click({ force: true, timeout: 5000 }));
      } catch {
        shown = await this.visibleQuickPickLabels().catch(() => []);
        if (await this.isQuickInputOpen()) break; // the palette is there and lacks the command
        continue; // the palette was closed under us: try again
      }
      // The palette closes, or a command's own quick pick replaces it (its filter no longer starts with ">").
      // A command that reloads the page (Developer: Reload Window) takes the widget with it: that counts as closed.
      await waitUntil(
        `the command palette to close after "${title}"`,
        async () => !(await this.isQuickInputOpen()) || !(await input.inputValue({ timeout: 1000 })).startsWith('>'),
        5000,
        100,
      ).catch(() => undefined);
      return;
    }
    await this.closeQuickInput();
    throw new E2EError(`Command "${title}" is not in the command palette (palette shows: ${shown.join(' | ') || 'nothing'}). Is it contributed in package.json with this title, and did the extension load?`);
  }

  /** Placeholder or prompt of the open quick input, to notice when one question replaces another. */
  async quickInputPrompt(): Promise<string> {
    const input = this.quickInput.locator('input').first();
    const [placeholder, label, message] = await Promise.all([
      input.getAttribute('placeholder').catch(() => null),
      input.getAttribute('aria-label').catch(() => null),
      this.quickInput.locator('.quick-input-message').innerText().catch(() => ''),
    ]);
    return `${placeholder ?? ''}|${label ?? ''}|${message}`;
  }

  /** Waits for a quick input (pick or input box) to be shown. */
  async waitForQuickInput(timeoutMs: number): Promise<boolean> {
    return this.quickInput.waitFor({ state: 'visible', timeout: timeoutMs }).then(
      () => true,
      () => false,
    );
  }

  async visibleQuickPickLabels(): Promise<string[]> {
    const labels = await this.quickPickRows().locator('.label-name').allInnerTexts();
    return labels.map((label) => label.trim()).filter(Boolean);
  }

  /** Waits for a quick pick (not an input box) to show rows. */
  async waitForQuickPick(what: string, timeout = 15_000): Promise<void> {
    try {
      await this.quickPickRows().first().waitFor({ state: 'visible', timeout });
    } catch {
      throw new E2EError(`Expected a quick pick (${what}), none appeared within ${timeout / 1000} s.`);
    }
  }

  /** Picks the row whose label matches; types into the filter first so long lists do not hide it. */
  async pick(label: string | RegExp, what = String(label)): Promise<string> {
    throwIfCancelled();
    await this.waitForQuickPick(what);
    const row = this.quickPickRows().filter({ hasText: label }).first();
    if (!(await row.isVisible())) {
      const shown = await this.visibleQuickPickLabels();
      throw new E2EError(`Quick pick for ${what} has no row matching ${label} (rows: ${shown.join(' | ')}).`);
    }
    const text = (await row.locator('.label-name').first().innerText()).trim();
    await row.click();
    return text;
  }

  /**
   * Checks rows of a multi-select quick pick and accepts. Each label is typed into the filter; once every
   * row shown matches it, the first row is clicked (which toggles its box) and the selection count must
   * grow by one before the next label — so a click never lands on a list the filter has not updated yet
   * (the "toggle all" box did, once, with two labels: it toggled the previous filter's row).
   */
  async pickMany(labels: string[], what: string): Promise<void> {
    await this.waitForQuickPick(what);
    const input = this.quickInput.locator('input.input').first();
    const count = this.quickInput.locator('.quick-input-count');
    const selected = async () => Number((await count.innerText().catch(() => '')).match(/\d+/)?.[0] ?? 0);
    for (const [index, label] of labels.entries()) {
      await input.fill(label);
      const rows = this.quickPickRows();
      await waitUntil(`the quick pick for ${what} to show only ${label}`, async () => {
        const texts = await rows.allInnerTexts();
        return texts.length > 0 && texts.every((text) => text.includes(label));
      }, 5000, 200);
      for (let attempt = 1; (await selected()) < index + 1; attempt++) {
        if (attempt > 3) throw new E2EError(`Ticking ${label} in the quick pick for ${what} did not select it (${await selected()} selected).`);
        await rows.first().click();
        await waitUntil(`${label} to be ticked in the quick pick for ${what}`, async () => (await selected()) === index + 1, 2000, 100).catch(() => undefined);
      }
    }
    await waitUntil(`${labels.length} selected in the quick pick for ${what}`, async () => (await selected()) === labels.length, 5000, 200);
    await input.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden', timeout: 5000 });
  }

  // ------------------------------------------------------------------------------------- layout

  activityBarEntry(title: string): Locator {
    return this.page.locator(`.part.activitybar .action-item a[aria-label^="${title}"], .part.activitybar .action-item [aria-label^="${title}"]`).first();
  }

  /** Opens a view container from the activity bar (clicking an already open one would close the sidebar). */
  async openViewContainer(title: string): Promise<void> {
    const entry = this.activityBarEntry(title);
    try {
      await entry.waitFor({ state: 'visible', timeout: 20_000 });
    } catch {
      const titles = await this.page.locator('.part.activitybar .action-item [aria-label]').evaluateAll((items) => items.map((item) => item.getAttribute('aria-label')));
      throw new E2EError(`The activity bar has no "${title}" entry (entries: ${titles.filter(Boolean).join(' | ')}). Is contributes.viewsContainers.activitybar registered with this title?`);
    }
    const item = entry.locator('xpath=ancestor-or-self::li[contains(@class,"action-item")]').first();
    const checked = (await item.getAttribute('aria-checked').catch(() => null)) === 'true' || (await item.getAttribute('class'))?.includes('checked');
    const sidebarVisible = await this.page.locator('.part.sidebar').isVisible();
    if (!(checked && sidebarVisible)) await entry.click();
  }

  /** A view pane in the side bar, by its title. */
  view(title: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({ has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}`, 'i') }) }).first();
  }

  async waitForView(title: string): Promise<Locator> {
    const view = this.view(title);
    try {
      await view.waitFor({ state: 'visible', timeout: 20_000 });
    } catch {
      const headers = await this.page.locator('.part.sidebar .pane-header').allInnerTexts();
      throw new E2EError(`The view "${title}" is not shown in the side bar (views: ${headers.map((h) => h.trim()).join(' | ') || 'none'}).`);
    }
    // A collapsed pane has no body: expand it.
    const header = view.locator('.pane-header').first();
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return view;
  }

  /** Tree rows of a view (only rendered ones; trees are virtualised). */
  treeRows(view: Locator): Locator {
    return view.locator('.monaco-list-row');
  }

  async treeRowLabels(view: Locator): Promise<string[]> {
    return (await this.treeRows(view).allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
  }

  treeRow(view: Locator, text: string | RegExp): Locator {
    return this.treeRows(view).filter({ hasText: text }).first();
  }

  /** Waits for a tree row, with the rows that are there in the error. */
  async waitForTreeRow(view: Locator, text: string | RegExp, what: string, timeout = 20_000): Promise<Locator> {
    const row = this.treeRow(view, text);
    try {
      await row.waitFor({ state: 'visible', timeout });
    } catch {
      throw new E2EError(`${what}: no tree row matching ${text} within ${timeout / 1000} s (rows: ${(await this.treeRowLabels(view)).join(' | ') || 'none'}).`);
    }
    return row;
  }

  async expandTreeRow(row: Locator): Promise<void> {
    if ((await row.getAttribute('aria-expanded')) === 'false') {
      await row.locator('.monaco-tl-twistie').click();
    }
  }

  /** Opens a workspace file in an editor through Quick Open (Ctrl+P), as a user would; retried if a webview steals the focus. */
  async openFile(relativePath: string): Promise<void> {
    throwIfCancelled();
    const base = path.basename(relativePath);
    // The file's tab must become the active tab of the active group, not merely be visible: a file opened
    // earlier keeps its tab beside a dashboard that took the focus, and a command run before the editor is
    // active sees no active text editor (Start Run then asks which experiment).
    const tab = this.page
      .locator(`.editor-group-container.active .tabs-container .tab.active[aria-label^="${base}"], .editor-group-container.active .tabs-container .tab.active:has-text("${base}")`)
      .first();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await this.closeQuickInput();
      await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
      await this.page.keyboard.press('Control+P');
      if (!(await this.waitForQuickInput(10_000))) continue;
      try {
        await this.quickInput.locator('input').first().fill(relativePath, { timeout: 5000 });
        const row = this.quickPickRows().filter({ hasText: base }).first();
        await row.waitFor({ state: 'visible', timeout: 15_000 });
        await row.click({ timeout: 5000 });
        await tab.waitFor({ state: 'visible', timeout: 15_000 });
        return;
      } catch {
        // closed under us, or the file index was not ready: try again
      }
    }
    throw new E2EError(`Quick Open could not open ${relativePath}.`);
  }

  // ------------------------------------------------------------------------------------- notifications, problems

  /** Text of every notification (toasts and the notification centre). */
  async notificationTexts(): Promise<string[]> {
    return (await this.page.locator('.notification-list-item-message').allInnerTexts()).map((text) => text.trim());
  }

  /** The message of the open modal dialog (showWarningMessage with modal: true), if one is open. */
  async dialogMessage(): Promise<string | undefined> {
    const dialog = this.page.locator('.monaco-dialog-box');
    if (!(await dialog.isVisible().catch(() => false))) return undefined;
    return (await dialog.locator('.dialog-message').innerText({ timeout: 1000 }).catch(() => '')).trim();
  }

  /** Waits for a modal dialog and clicks its button `label`. */
  async acceptDialog(label: string, what: string, timeout = 15_000): Promise<void> {
    const button = this.page.locator('.monaco-dialog-box .dialog-buttons a.monaco-button, .monaco-dialog-box .dialog-buttons .monaco-button').filter({ hasText: label }).first();
    await button.waitFor({ state: 'visible', timeout }).catch(async () => {
      throw new E2EError(`No dialog with a "${label}" button for ${what} within ${timeout / 1000} s (dialog: ${(await this.dialogMessage()) ?? 'none'}).`);
    });
    await button.click();
    await waitUntil(`the dialog for ${what} to close`, async () => !(await this.page.locator('.monaco-dialog-box').isVisible().catch(() => false)), 10_000, 200);
  }

  async showProblems(): Promise<Locator> {
    await this.runCommand('Problems: Focus on Problems View');
    const panel = this.page.locator('.markers-panel');
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    return panel;
  }

  // ------------------------------------------------------------------------------------- webviews

  /**
   * The content frame of the visible webview (VS Code nests it: outer iframe.webview → inner
   * iframe#active-frame). With several editors open, only the active one's iframe is visible.
   */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');
  }

  async waitForWebview(what: string, timeout = 30_000): Promise<FrameLocator> {
    try {
      await this.page.locator('iframe.webview.ready >> visible=true').first().waitFor({ state: 'visible', timeout });
      await this.webview().locator('body').waitFor({ state: 'attached', timeout });
    } catch {
      throw new E2EError(`${what} did not open a webview within ${timeout / 1000} s.`);
    }
    return this.webview();
  }

  /** Editor tab titles (every group). */
  async editorTabTitles(): Promise<string[]> {
    return (await this.page.locator('.tabs-container .tab').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /**
   * What the workbench shows right now, for a failure message: CI keeps no screenshots, so a failed wait
   * must say itself whether a question was open, which editor was active, what was notified.
   */
  async describeState(): Promise<string> {
    const lines: string[] = [];
    const quickInput = (await this.isQuickInputOpen().catch(() => false))
      ? `open — ${await this.quickInputPrompt().catch(() => '?')}; rows: ${(await this.visibleQuickPickLabels().catch(() => [])).join(' | ') || 'none'}`
      : 'closed';
    lines.push(`quick input: ${quickInput}`);
    const active = await this.page.locator('.editor-group-container.active .tabs-container .tab.active').first().innerText({ timeout: 1000 }).catch(() => 'none');
    lines.push(`active editor tab: ${active.replace(/\s+/g, ' ').trim()}; tabs: ${(await this.editorTabTitles().catch(() => [])).join(' | ')}`);
    lines.push(`notifications: ${(await this.notificationTexts().catch(() => [])).join(' | ') || 'none'}`);
    lines.push(`dialog: ${(await this.dialogMessage().catch(() => undefined)) ?? 'none'}`);
    const statusBar = await this.page.locator('.statusbar-item').allInnerTexts().catch(() => []);
    lines.push(`status bar: ${statusBar.map((t) => t.replace(/\s+/g, ' ').trim()).filter((t) => /mtl|run|queued/i.test(t)).join(' | ') || 'nothing of MTL Lab'}`);
    return lines.join('\n');
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);
}

/** Polls until `check` returns a value (not undefined/false) or the time runs out; the message says what was awaited. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    throwIfCancelled();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new E2EError(`Timed out after ${timeoutMs / 1000} s waiting for ${what}${cause}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
