/** The extension manifest agrees with the code and with the titles the issue fixes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMAND_IDS } from '../../src/extension/commands/commandIds';
import { installFakeVscode } from '../helpers/fakeVscode';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

// What registerCommands really registers, through a stand-in for VS Code's command registry.
const registrations = new Map<string, { disposed: boolean }>();
installFakeVscode({
  commands: {
    registerCommand: (id: string) => {
      assert.ok(!registrations.has(id), `${id} is registered once`);
      const registration = { disposed: false, dispose: () => void (registration.disposed = true) };
      registrations.set(id, registration);
      return registration;
    },
  },
});
const { registerCommands } = require('../../src/extension/commands/registerCommands') as typeof import('../../src/extension/commands/registerCommands');
const commandsRegistration = registerCommands({} as Parameters<typeof registerCommands>[0]);
const registered = new Set(registrations.keys());

test('the fixed command titles, all in category "MTL Lab"', () => {
  const titles = new Map<string, string>(contributes.commands.map((c: { command: string; title: string; category: string }) => {
    assert.equal(c.category, 'MTL Lab', c.command);
    return [c.title, c.command];
  }));
  for (const title of ['New Experiment', 'Start Run', 'Stop Run', 'Stop All Runs', 'Resume Run', 'Open Dashboard', 'Compare Runs', 'Delete Run', 'Export Run as CSV', 'Reveal Run Folder', 'Show Run Log', 'Edit Config Value', 'Check Training Backends', 'Refresh']) {
    assert.ok(titles.has(title), `missing command "MTL Lab: ${title}"`);
  }
});

test('every contributed command is registered in code and every registered one is contributed', () => {
  const contributed = new Set<string>(contributes.commands.map((c: { command: string }) => c.command));
  assert.deepEqual([...contributed].filter((c) => !registered.has(c)), [], 'contributed but never registered');
  assert.deepEqual([...registered].filter((c) => !contributed.has(c)), [], 'registered but not contributed');
  assert.deepEqual([...registered].sort(), [...COMMAND_IDS].sort(), 'the registered commands are exactly those of COMMANDS (commandIds.ts), the constant the code refers to');
  for (const [menu, items] of Object.entries(contributes.menus as Record<string, { command: string }[]>)) {
    for (const item of items) assert.ok(contributed.has(item.command), `${menu} uses unknown ${item.command}`);
  }
});

test('view container, view, welcome buttons, settings with descriptions and defaults, schema, trust', () => {
  assert.equal(contributes.viewsContainers.activitybar[0].title, 'MTL Lab');
  assert.equal(contributes.views.mtlLab[0].name, 'Experiments');
  const welcome = contributes.viewsWelcome[0].contents as string;
  assert.match(welcome, /\[New Experiment\]\(command:mtlLab\.newExperiment\)/);
  assert.match(welcome, /\[Open Examples\]\(command:mtlLab\.openExamples\)/);
  const settings = contributes.configuration.properties as Record<string, { description?: string; default?: unknown; scope?: string }>;
  for (const key of ['mtlLab.runsDirectory', 'mtlLab.backend', 'mtlLab.maxConcurrentRuns', 'mtlLab.nodePath', 'mtlLab.pythonInterpreter', 'mtlLab.experimentGlob']) {
    assert.ok(settings[key]?.description, `${key} has a description`);
    assert.notEqual(settings[key]?.default, undefined, `${key} has a default`);
  }
  assert.equal(settings['mtlLab.maxConcurrentRuns']!.default, 0, '0 = one per core as far as memory allows (run/concurrency.ts)');
  assert.equal(settings['mtlLab.experimentGlob']!.default, '**/*.mtl.json');
  assert.equal(settings['mtlLab.nodePath']!.scope, 'machine');
  assert.equal(settings['mtlLab.pythonInterpreter']!.scope, 'machine');
  // Both name a program to execute: an untrusted workspace must not set them.
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['mtlLab.nodePath', 'mtlLab.pythonInterpreter']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(contributes.jsonValidation, [{ fileMatch: '*.mtl.json', url: './schemas/mtl-experiment.schema.json' }]);
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.main, './dist/extension.js');
  for (const event of ['onView:mtlLab.experiments', 'workspaceContains:**/*.mtl.json', 'onWebviewPanel:mtlLab.dashboard']) assert.ok(pkg.activationEvents.includes(event), event);
});

test('tree menus key on the context values the tree model produces', () => {
  const treeSource = readFileSync(path.join(root, 'src/extension/tree/runText.ts'), 'utf8');
  const contextValues = new Set([...treeSource.matchAll(/^\s+\w+: '(\w+)',$/gm)].map((m) => m[1]));
  const used = new Set<string>();
  for (const item of contributes.menus['view/item/context'] as { when: string }[]) {
    for (const m of item.when.matchAll(/viewItem == (\w+)/g)) used.add(m[1]!);
    for (const m of item.when.matchAll(/viewItem =~ \/\^\(([\w|]+)\)\$\//g)) for (const v of m[1]!.split('|')) used.add(v);
  }
  assert.ok(used.size >= 5);
  for (const value of used) assert.ok(contextValues.has(value), `menu uses context value "${value}" that the tree never sets`);
});

test('disposing the commands registration unregisters every command', () => {
  assert.ok([...registrations.values()].every((r) => !r.disposed));
  commandsRegistration.dispose();
  assert.deepEqual([...registrations].filter(([, r]) => !r.disposed).map(([id]) => id), []);
});
