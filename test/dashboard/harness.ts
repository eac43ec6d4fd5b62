/**
 * Browser harness for the dashboard bundle: serves dist/webview with exactly the panel's HTML (same CSP,
 * fresh nonce) plus a fake `acquireVsCodeApi` and VS Code-like theme variables, in Debian's headless
 * Chromium driven by playwright-core. Messages are delivered with `window.postMessage`, the way a webview
 * receives them from the host.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dashboardHtml, makeNonce } from '../../src/extension/dashboard/html';

const root = path.resolve(__dirname, '../..');
const distWebview = path.join(root, 'dist/webview');
export const screenshotDir = path.join(root, 'test-results/dashboard');

// The fake VS Code API: records posted messages, keeps the state like getState/setState, and records CSP
// violations from the very start of the page.
const FAKE_VSCODE = `
(() => {
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  const params = new URLSearchParams(location.search);
  let state = params.has('state') ? JSON.parse(atob(params.get('state'))) : undefined;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => state,
    setState: (s) => { state = s; window.__state = JSON.parse(JSON.stringify(s)); },
  });
  document.body.className = params.get('theme') || 'vscode-dark';
})();
`;

// A subset of the variables VS Code defines, per theme kind (the real ones come from the active theme).
const THEME_CSS = `
body.vscode-light { --vscode-foreground: #3b3b3b; --vscode-editor-background: #ffffff; --vscode-panel-border: #e5e5e5; --vscode-focusBorder: #005fb8; --vscode-button-background: #005fb8; --vscode-button-foreground: #ffffff; --vscode-descriptionForeground: #717171; --vscode-editorWidget-border: #c8c8c8; --vscode-progressBar-background: #005fb8; --vscode-badge-background: #cccccc; --vscode-badge-foreground: #3b3b3b; --vscode-font-family: sans-serif; }
body.vscode-dark { --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b; --vscode-focusBorder: #0078d4; --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-descriptionForeground: #9d9d9d; --vscode-editorWidget-border: #454545; --vscode-progressBar-background: #0078d4; --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8; --vscode-font-family: sans-serif; }
body.vscode-high-contrast { --vscode-foreground: #ffffff; --vscode-editor-background: #000000; --vscode-panel-border: #6fc3df; --vscode-contrastBorder: #6fc3df; --vscode-focusBorder: #f38518; --vscode-button-background: #000000; --vscode-button-foreground: #ffffff; --vscode-descriptionForeground: #ffffff; --vscode-progressBar-background: #6fc3df; --vscode-badge-background: #000000; --vscode-badge-foreground: #ffffff; --vscode-font-family: sans-serif; }
`;

const errorsOf = new WeakMap<Page, string[]>();

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

export interface Harness {
  browser: Browser;
  origin: string;
  close(): Promise<void>;
  open(options?: { theme?: string; state?: unknown; width?: number; height?: number; runIds?: string[] }): Promise<Page>;
}

export async function startHarness(extraArgs: string[] = []): Promise<Harness> {
  if (!existsSync(path.join(distWebview, 'dashboard.js'))) throw new Error('dist/webview/dashboard.js is missing: run `npm run build` first');
  mkdirSync(screenshotDir, { recursive: true });
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/') {
      const nonce = makeNonce();
      const runIds = JSON.parse(url.searchParams.get('runIds') ?? '[]') as string[];
      const html = dashboardHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/dashboard.js`, styleUri: `${origin}/dist/dashboard.css`, codiconUri: `${origin}/dist/codicons/codicon.css`, runIds })
        .replace('<script nonce=', `<link rel="stylesheet" href="${origin}/theme.css"><script nonce="${nonce}" src="${origin}/fake-vscode.js"></script>\n<script nonce=`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    if (url.pathname === '/fake-vscode.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(FAKE_VSCODE);
    if (url.pathname === '/theme.css') return void res.writeHead(200, { 'content-type': 'text/css' }).end(THEME_CSS);
    const file = path.join(distWebview, path.normalize(url.pathname.replace(/^\/dist\//, '')));
    if (!url.pathname.startsWith('/dist/') || !file.startsWith(distWebview) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', ...extraArgs],
  });
  return {
    browser,
    origin,
    async open(options = {}) {
      const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      errorsOf.set(page, errors);
      const query = new URLSearchParams({ theme: options.theme ?? 'vscode-dark' });
      if (options.state !== undefined) query.set('state', Buffer.from(JSON.stringify(options.state)).toString('base64'));
      if (options.runIds) query.set('runIds', JSON.stringify(options.runIds));
      await page.goto(`${origin}/?${query}`);
      await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
      return page;
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function pageErrors(page: Page): string[] {
  return errorsOf.get(page) ?? [];
}

/**
 * Post a host message into the page and wait until the dashboard has drawn it (every visible chart, the
 * text cards and pickers filled after their paint, then two animation frames).
 */
export async function send(page: Page, message: unknown): Promise<void> {
  // As JSON text: Playwright's own serialisation of a large object argument takes seconds.
  await page.evaluate(async (text) => {
    window.postMessage(JSON.parse(text), '*');
    await new Promise((r) => setTimeout(r, 0));
    await (window as unknown as { mtlLabDashboard: { settled(): Promise<void> } }).mtlLabDashboard.settled();
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, JSON.stringify(message));
}

export interface ChartInfo {
  id: string;
  title: string;
  drawn: { label: string; color: string; x: number[]; y: number[]; band?: { lo: number[]; hi: number[] } }[];
  scales: { yType: string; yMin: number; yMax: number; xMin: number; xMax: number; tickColor: string } | null;
  renders: number;
  lastRenderMs: number;
  visible: boolean;
  zoom: { min: number; max: number } | null;
}

/** What every chart draws, read once the visible charts are drawn (charts draw in the frames after a change). */
export async function charts(page: Page): Promise<ChartInfo[]> {
  return page.evaluate(async () => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const dashboard = (window as unknown as { mtlLabDashboard: { charts(): ChartInfo[]; idle(): Promise<void> } }).mtlLabDashboard;
    await dashboard.idle();
    return dashboard.charts();
  });
}

export async function posted(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
}

/** Fraction of canvas pixels that are not fully transparent (a drawn chart is well above 0). */
export async function inkedFraction(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const canvas = document.querySelector<HTMLCanvasElement>(sel);
    if (!canvas) return -1;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
    return inked / (data.length / 4);
  }, selector);
}
