// Environments, the write review's wording and rule, and the manifest entries that keep auto-save away from logup:
// documents: the pure parts of "safe edits of production data" (the editor parts are in test/integration).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COLOR_PRODUCTION, DB_LANGUAGE_ID } from '../../src/constants';
import type { Db } from '../../src/core/db';
import { mergeSave } from '../../src/core/merge';
import type { SaveReview } from '../../src/db/dbStore';
import { DEFAULT_SANDBOX_URL, defaultEnvironment, ENVIRONMENTS, isEnvironment, sandboxUrl } from '../../src/gates/environment';
import type { Gate } from '../../src/gates/environment';
import { describeReview, reviewApplies } from '../../src/review/reviewText';

const root = new URL('../../', import.meta.url);

function reviewOf(base: Db, edited: Db, origin: SaveReview['origin'] = 'editor'): SaveReview {
  const merged = mergeSave(base, base, edited);
  assert.equal(merged.kind, 'merged');
  if (merged.kind !== 'merged') throw new Error('unreachable');
  return { ref: { idGate: 'gate_live', idSubscription: 'sub_alpha' }, origin, server: base, plan: merged.plan, result: merged.result };
}

const production: Gate = { idGate: 'gate_live', label: 'Live shop', baseUrl: 'https://api.logup.co/v1_0', environment: 'production' };

describe('environments', () => {
  it('only the local sandbox\'s own URL defaults to sandbox; any other URL, on this machine too, to production', () => {
    const none = {};
    assert.equal(defaultEnvironment('http://127.0.0.1:4580/v1_0', none), 'sandbox');
    assert.equal(defaultEnvironment('http://localhost:4580/v1_0/', none), 'sandbox');
    assert.equal(defaultEnvironment('http://[::1]:4580/v1_0', none), 'sandbox');
    assert.equal(defaultEnvironment('http://127.0.0.1:8443/v1_0', none), 'production', 'an SSH tunnel to a live server is on 127.0.0.1 too');
    assert.equal(defaultEnvironment('http://localhost:8080/v1_0', none), 'production');
    assert.equal(defaultEnvironment('http://127.0.0.1:4580/v2_0', none), 'production');
    assert.equal(defaultEnvironment('https://api.logup.co/v1_0', none), 'production');
    assert.equal(defaultEnvironment('https://staging.example.com/v1_0', none), 'production', 'a name is no proof: the user says');
    assert.equal(defaultEnvironment('not a url', none), 'production', 'unknown is the safe side');
  });

  it('LOGUP_SANDBOX_URL names the sandbox only when it is on this machine', () => {
    const started = { LOGUP_SANDBOX_URL: 'http://127.0.0.1:5123/v1_0' };
    assert.deepEqual(sandboxUrl(started), { url: 'http://127.0.0.1:5123/v1_0' });
    assert.equal(defaultEnvironment('http://127.0.0.1:5123/v1_0', started), 'sandbox');
    assert.equal(defaultEnvironment('http://127.0.0.1:4580/v1_0', started), 'production', 'the default port is not the sandbox then');
    for (const url of ['https://api.logup.co/v1_0', 'http://10.0.0.5:4580/v1_0', 'http://localhost.:4580/v1_0', 'not a url']) {
      const env = { LOGUP_SANDBOX_URL: url };
      const taken = sandboxUrl(env);
      assert.equal(taken.url, DEFAULT_SANDBOX_URL, url);
      assert.match(taken.problem ?? '', /not a URL on this machine/, url);
      assert.equal(defaultEnvironment(url, env), 'production', `${url} gets a review`);
    }
  });

  it('knows exactly the four environments', () => {
    assert.deepEqual([...ENVIRONMENTS], ['production', 'staging', 'development', 'sandbox']);
    assert.ok(ENVIRONMENTS.every(isEnvironment));
    for (const other of ['Production', 'prod', '', undefined, 1]) assert.equal(isEnvironment(other), false, String(other));
  });
});

describe('when a write is reviewed (logup.confirmWrites)', () => {
  it('production (the default): production gates only; always: every gate; never: none', () => {
    for (const environment of ENVIRONMENTS) {
      assert.equal(reviewApplies('production', environment), environment === 'production', environment);
      assert.equal(reviewApplies('always', environment), true, environment);
      assert.equal(reviewApplies('never', environment), false, environment);
    }
  });

  it("an agent's proposal (logup_proposeChange) to production is reviewed under every setting, never included", () => {
    for (const setting of ['production', 'always', 'never'] as const) {
      assert.equal(reviewApplies(setting, 'production', 'agent'), true, setting);
      for (const environment of ENVIRONMENTS.filter((e) => e !== 'production')) {
        assert.equal(reviewApplies(setting, environment, 'agent'), reviewApplies(setting, environment), `${setting} ${environment}`);
      }
    }
  });

  it("the review names an agent's proposal as where the write came from", () => {
    const { detail } = describeReview(reviewOf({ plan: 'free' }, { plan: 'pro' }, 'agent'), production);
    assert.match(detail, /^From: an agent's proposal \(logup_proposeChange\)$/m);
  });
});

describe('the review says exactly what will be sent', () => {
  it('names the gate, its environment and the subscription, each deletion with its value now, each change old → new', () => {
    const base: Db = { country: 'italy', plan: 'free', visits: 3, newsletter: true };
    const edited: Db = { country: 'spain', visits: 3, newsletter: true, score: 7 };
    const { message, detail } = describeReview(reviewOf(base, edited), production);
    assert.match(message, /PRODUCTION/);
    assert.match(message, /sub_alpha/);
    assert.match(message, /Live shop/);
    const lines = detail.split('\n');
    assert.ok(lines.includes('Gate: Live shop (gate_live), production, api.logup.co'), detail);
    assert.ok(lines.includes('Subscription: sub_alpha'), detail);
    assert.ok(lines.includes('Delete 1 key:'), detail);
    assert.ok(lines.includes('  "plan": "free"'), detail);
    assert.ok(lines.includes('Set 2 keys:'), detail);
    assert.ok(lines.includes('  "country": "italy" → "spain"'), detail);
    assert.ok(lines.includes('  "score": new → 7'), detail);
    assert.ok(!detail.includes('visits') && !detail.includes('newsletter'), 'keys left alone are not listed');
  });

  it('a type change shows both types; only sections with something in them appear', () => {
    const { detail } = describeReview(reviewOf({ age: 21 }, { age: '21' }), production);
    assert.ok(detail.includes('  "age": 21 → "21"'), detail);
    assert.ok(!detail.includes('Delete'), detail);
  });

  it('says who asked for the write, and the environment of a gate that is not production', () => {
    const staging: Gate = { ...production, label: 'gate_live', environment: 'staging' };
    const { message, detail } = describeReview(reviewOf({ a: 1 }, {}, 'tree'), staging);
    assert.equal(message, 'Write to sub_alpha on gate_live (staging)?');
    assert.ok(detail.includes('Gate: gate_live, staging, api.logup.co'), detail);
    assert.ok(detail.includes('From: an action in the LogUp view'), detail);
  });

  it('long values are cut, and invisible characters are shown escaped so the text reads as what is sent', () => {
    const long = 'x'.repeat(500);
    const sneaky = 'admin\u202Eeurt';
    const { detail } = describeReview(reviewOf({ note: 'old' }, { note: long, role: sneaky }), production);
    const noteLine = detail.split('\n').find((l) => l.startsWith('  "note"'))!;
    assert.ok(noteLine.length < 120 && noteLine.endsWith('…'), noteLine);
    assert.ok(detail.includes('"admin\\u202Eeurt"'), detail);
    assert.ok(!detail.includes('\u202E'), 'no raw right-to-left override');
  });

  it('a review shown again after the server changed during the first says what changed since Save', () => {
    const first = reviewOf({ a: 1, b: 1, c: 1 }, { a: 2, b: 2, c: 1 });
    // Meanwhile a colleague set a: 2 (the plan no longer needs it) and c: 9 (not in the plan: not listed).
    const server: Db = { a: 2, b: 1, c: 9 };
    const merged = mergeSave({ a: 1, b: 1, c: 1 }, server, { a: 2, b: 2, c: 1 });
    if (merged.kind !== 'merged') throw new Error('unreachable');
    const again: SaveReview = { ...first, server, plan: merged.plan, result: merged.result, previous: first };
    const lines = describeReview(again, production).detail.split('\n');
    assert.ok(lines.includes('Shown again: the server changed after you chose Save. Since then:'), lines.join('\n'));
    assert.ok(lines.includes('  "a": on the server 1 → 2'), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes('"c"')), 'a key outside both plans is not listed');
    assert.ok(lines.includes('Set 1 key:') && lines.includes('  "b": 1 → 2'), lines.join('\n'));
    assert.ok(!describeReview(first, production).detail.includes('Shown again'), 'a first review says nothing of the kind');
  });
});

describe('manifest: auto-save never reaches logup: documents (docs/harness.md, H18–H20, H23)', () => {
  const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    contributes: {
      languages: { id: string; configuration?: string }[];
      grammars: { language: string; scopeName: string; path: string }[];
      jsonLanguageParticipants?: { languageId: string }[];
      configurationDefaults: Record<string, Record<string, unknown>>;
      colors: { id: string }[];
    };
  };
  const c = manifest.contributes;

  it('the DB language has auto-save off, the conflict prompt on, and is not handed to the JSON language server (it fetches $schema URLs, H23)', () => {
    assert.deepEqual(c.languages.map((l) => l.id), [DB_LANGUAGE_ID]);
    assert.deepEqual(c.configurationDefaults[`[${DB_LANGUAGE_ID}]`], { 'files.autoSave': 'off', 'files.saveConflictResolution': 'askUser' });
    assert.equal(c.jsonLanguageParticipants, undefined);
  });

  it('its grammar is JSON and ships in the package, with its language configuration', () => {
    const [grammar] = c.grammars;
    assert.equal(grammar?.language, DB_LANGUAGE_ID);
    const file = JSON.parse(readFileSync(new URL(grammar!.path, root), 'utf8')) as { scopeName: string; patterns: unknown[] };
    assert.equal(file.scopeName, grammar!.scopeName);
    assert.deepEqual(file.patterns, [{ include: 'source.json' }]);
    assert.ok(existsSync(new URL(c.languages[0]!.configuration!, root)));
    const ignore = readFileSync(new URL('.vscodeignore', root), 'utf8').split('\n');
    assert.ok(ignore.includes('!syntaxes/**'), '.vscodeignore keeps syntaxes/ in the package');
  });

  it('declares the production colour the tabs and the tree use', () => {
    assert.ok(c.colors.some((color) => color.id === COLOR_PRODUCTION));
  });
});
