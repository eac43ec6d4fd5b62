/**
 * MTL Lab's activation time as a real VS Code reports it: code-server (REAL-VSCODE.md) opens a copy of
 * examples/ (so `workspaceContains:**\/*.mtl.json` activates the extension at startup), and the
 * "Developer: Show Running Extensions" editor is read for MTL Lab's row. Also prints what activate()
 * itself logged. Needs `npm run build` and a provisioned code-server (`npm run test:e2e` provisions it).
 *
 *   node --import tsx bench/extension-activation-vscode.ts [runs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../scripts/vscode-test/browser';
import { startCodeServer } from '../scripts/vscode-test/codeServer';
import { Workbench } from '../test/e2e/support/workbench';
import { createWorkspaceFromExamples } from '../test/e2e/support/workspace';

async function measureOnce(): Promise<{ runningExtensions: string; selfReported: string | undefined }> {
  const workspace = createWorkspaceFromExamples();
  const shots = mkdtempSync(path.join(os.tmpdir(), 'mtl-activation-'));
  const server = await startCodeServer({ workspace });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let selfReported: string | undefined;
    page.on('console', (message) => {
      const match = /MTL Lab activated in ([\d.]+) ms/.exec(message.text());
      if (match) selfReported = match[1];
    });
    const wb = new Workbench(page, shots);
    await wb.open(server.workspaceUrl);
    await page.locator('.activitybar [aria-label^="MTL Lab"]').first().waitFor({ state: 'visible', timeout: 60_000 });
    // Let startup activation settle before asking for the numbers.
    await page.waitForTimeout(3000);
    await wb.runCommand('Developer: Show Running Extensions');
    const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'MTL Lab' }).first();
    await row.waitFor({ state: 'visible', timeout: 20_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    // The activation label's hover holds the breakdown (code loading, activate call...).
    const detail = await row.locator('[title*="ctivat"], [aria-label*="ctivat"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('title') ?? n.getAttribute('aria-label')).join(' | '));
    // Other extensions activated in the same startup, to tell contention from our own cost.
    const others = await page.locator('.runtime-extensions-editor .monaco-list-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).innerText.replace(/\s+/g, ' ')).slice(0, 12));
    return { runningExtensions: `${text}${detail ? ` [${detail}]` : ''}\n  others: ${others.join('\n          ')}`, selfReported };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(shots, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 1);
  for (let i = 0; i < runs; i++) {
    const { runningExtensions, selfReported } = await measureOnce();
    const activation = /(?:Startup )?Activation: ?([\d.]+) ?ms/i.exec(runningExtensions)?.[1];
    console.log(`run ${i + 1}: Running Extensions says "${runningExtensions}"`);
    console.log(`run ${i + 1}: activation ${activation ?? '?'} ms (VS Code), activate() body ${selfReported ?? '?'} ms (self-reported)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
