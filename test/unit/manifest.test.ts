// package.json and src/constants.ts / src/settings.ts name the same things; these tests keep them from drifting.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS, CONTEXT_HAS_GATES, HISTORY_ITEM, HISTORY_VIEW_ID, TOOLS, TREE_ITEM, VIEW_CONTAINER_ID, VIEW_ID } from '../../src/constants';
import { TOOL_INPUT_LIMITS } from '../../src/core/toolInput';
import { readSettings, SETTINGS, SETTINGS_SECTION } from '../../src/settings';

interface Manifest {
  contributes: {
    commands: { command: string }[];
    viewsContainers: { activitybar: { id: string }[] };
    views: Record<string, { id: string }[]>;
    menus: Record<string, { command: string; when?: string }[]>;
    keybindings: { command: string; key: string; mac?: string; when?: string }[];
    configuration: { properties: Record<string, { default: unknown; minimum?: number; maximum?: number; enum?: unknown[] }> };
    languageModelTools: {
      name: string; toolReferenceName: string; displayName: string; userDescription: string; modelDescription: string;
      canBeReferencedInPrompt: boolean; when: string; inputSchema: { type: string; properties: Record<string, { maxLength?: number }>; additionalProperties: boolean };
    }[];
  };
  activationEvents: string[];
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Manifest;

describe('package.json matches the ids in src/constants.ts', () => {
  it('declares exactly the commands the extension registers', () => {
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(COMMANDS).sort());
  });

  it('Ctrl+S / Cmd+S on a LogUp DB document reviews before the save (logup.saveDb), and only there', () => {
    assert.deepEqual(manifest.contributes.keybindings, [{ command: COMMANDS.saveDb, key: 'ctrl+s', mac: 'cmd+s', when: 'editorLangId == logup-db' }]);
  });

  it('every menu entry names a declared command', () => {
    const known = new Set<string>(Object.values(COMMANDS));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) assert.ok(known.has(entry.command), `${menu}: ${entry.command} is a declared command`);
    }
  });

  it('the view container, the views and the context keys in when clauses are ours', () => {
    assert.deepEqual(manifest.contributes.viewsContainers.activitybar.map((c) => c.id), [VIEW_CONTAINER_ID]);
    assert.deepEqual(manifest.contributes.views[VIEW_CONTAINER_ID]?.map((v) => v.id), [VIEW_ID, HISTORY_VIEW_ID]);
    const whens = Object.values(manifest.contributes.menus).flat().map((e) => e.when ?? '').join(' ');
    const keys = new Set([...whens.matchAll(/\blogup\.[A-Za-z]+/g)].map((m) => m[0]));
    assert.deepEqual([...keys].filter((k) => k !== CONTEXT_HAS_GATES && k !== VIEW_ID && k !== HISTORY_VIEW_ID), [], 'no unknown logup.* key in a when clause');
    const items = new Set([...whens.matchAll(/viewItem == ([\w.]+)/g)].map((m) => m[1]));
    const known = [...Object.values(TREE_ITEM), ...Object.values(HISTORY_ITEM)] as string[];
    for (const item of items) assert.ok(known.includes(item!), `viewItem ${item} is a TREE_ITEM or HISTORY_ITEM`);
  });
});

describe('language model tools', () => {
  const tools = manifest.contributes.languageModelTools;

  it('declares exactly the tools the extension registers, each offered only while a gate exists', () => {
    assert.deepEqual(tools.map((t) => t.name).sort(), Object.values(TOOLS).sort());
    for (const tool of tools) {
      assert.equal(tool.when, CONTEXT_HAS_GATES, `${tool.name} needs a gate`);
      assert.match(tool.toolReferenceName, /^logup[A-Z]\w+$/, `${tool.name} can be written #logup…`);
      assert.equal(tool.canBeReferencedInPrompt, true);
      assert.match(tool.displayName, /^%languageModelTools\.\w+\.displayName%$/);
      assert.match(tool.userDescription, /^%languageModelTools\.\w+\.userDescription%$/);
      assert.ok(tool.modelDescription.length > 100, `${tool.name} tells the model when to use it`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.inputSchema.additionalProperties, false, `${tool.name}: an unknown field is refused (toolInput.ts)`);
    }
    assert.equal(tools.find((t) => t.name === TOOLS.findSubscriptions)?.inputSchema.properties['query']?.maxLength, TOOL_INPUT_LIMITS.maxQueryChars);
  });

  it('the extension is active after start-up, so logup.hasGates is set before chat lists the tools', () => {
    assert.ok(manifest.activationEvents.includes('onStartupFinished'));
  });
});

describe('settings', () => {
  it('package.json declares every setting with the default and bounds the code uses', () => {
    const properties = manifest.contributes.configuration.properties;
    const declared = Object.keys(properties).filter((k) => k.startsWith(`${SETTINGS_SECTION}.`)).sort();
    assert.deepEqual(declared, Object.values(SETTINGS).map((s) => `${SETTINGS_SECTION}.${s.key}`).sort());
    for (const spec of Object.values(SETTINGS)) {
      const property = properties[`${SETTINGS_SECTION}.${spec.key}`];
      assert.equal(property?.default, spec.default, `${spec.key} default`);
      if ('values' in spec) {
        assert.deepEqual(property?.enum, spec.values, `${spec.key} values`);
        continue;
      }
      assert.equal(property?.minimum, spec.minimum, `${spec.key} minimum`);
      assert.equal(property?.maximum, spec.maximum, `${spec.key} maximum`);
    }
  });

  it('reads defaults for missing or mistyped values and clamps to the bounds', () => {
    const from = (values: Record<string, unknown>) => readSettings({ get: <T>(key: string) => values[key] as T | undefined });
    const defaults = {
      requestTimeoutMs: SETTINGS.requestTimeoutSeconds.default * 1000,
      maxRetries: SETTINGS.maxRetries.default,
      historyMaxEntries: SETTINGS.historyMaxEntries.default,
      historyMaxDays: SETTINGS.historyMaxDays.default,
      confirmWrites: 'production',
      batchConcurrency: SETTINGS.batchConcurrency.default,
    };
    assert.deepEqual(from({}), defaults);
    assert.deepEqual(from({ requestTimeoutSeconds: 'soon', maxRetries: null, 'history.maxEntries': '500', confirmWrites: 'sometimes' }), from({}));
    assert.deepEqual(from({ requestTimeoutSeconds: 0, maxRetries: 99, confirmWrites: 'never' }), { ...defaults, requestTimeoutMs: 1000, maxRetries: 5, confirmWrites: 'never' });
    assert.deepEqual(from({ requestTimeoutSeconds: 30, maxRetries: 1.7, confirmWrites: 'always' }), { ...defaults, requestTimeoutMs: 30_000, maxRetries: 1, confirmWrites: 'always' });
    assert.deepEqual(from({ 'history.maxEntries': -3, 'history.maxDays': 9999 }), { ...defaults, historyMaxEntries: 0, historyMaxDays: 365 });
    assert.deepEqual(from({ 'history.maxEntries': 12.9, 'history.maxDays': 0 }), { ...defaults, historyMaxEntries: 12, historyMaxDays: 1 });
    assert.deepEqual(from({ 'batch.concurrency': 99 }), { ...defaults, batchConcurrency: 16 });
    assert.deepEqual(from({ 'batch.concurrency': 0 }), { ...defaults, batchConcurrency: 1 });
    assert.deepEqual(from({ 'batch.concurrency': 8.5 }), { ...defaults, batchConcurrency: 8 });
  });
});
