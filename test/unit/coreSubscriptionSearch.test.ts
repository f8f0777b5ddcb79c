import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryText, matchesQuery, searchSubscriptions, summarizeDb, type SearchCandidate } from '../../src/core/subscriptionSearch';

const alpha: SearchCandidate = { idGate: 'gate_a', gateLabel: 'Shop', idSubscription: 'sub_alpha', idActor: 'acr_ada', db: { plan: 'pro', age: 36, vip: true } };
const beta: SearchCandidate = { idGate: 'gate_a', gateLabel: 'Shop', idSubscription: 'sub_beta', idActor: 'acr_bob', db: { plan: 'free', constructor: 'x' } };
const gamma: SearchCandidate = { idGate: 'gate_b', gateLabel: 'Blog', idSubscription: 'sub_gamma' };
const all = [alpha, beta, gamma];
const ids = (query: string): string[] => searchSubscriptions(all, query).map((c) => c.idSubscription);

describe('matchesQuery', () => {
  it('finds by subscription id, actor id and gate, ignoring case', () => {
    assert.deepEqual(ids('ALPHA'), ['sub_alpha']);
    assert.deepEqual(ids('acr_bob'), ['sub_beta']);
    assert.deepEqual(ids('blog'), ['sub_gamma']);
    assert.deepEqual(ids(''), ['sub_alpha', 'sub_beta', 'sub_gamma']);
  });

  it('finds key=value in loaded DBs; strings as written, other values as JSON', () => {
    assert.deepEqual(ids('plan=pro'), ['sub_alpha']);
    assert.deepEqual(ids('plan='), ['sub_alpha', 'sub_beta']);
    assert.deepEqual(ids('vip=true'), ['sub_alpha']);
    assert.deepEqual(ids('age=36'), ['sub_alpha']);
    assert.deepEqual(ids('constructor=x'), ['sub_beta'], 'a key named like an Object member is an ordinary key');
    assert.deepEqual(ids('toString'), [], 'and an Object member is not a key');
  });

  it('needs every term to match, each anywhere', () => {
    assert.deepEqual(ids('shop plan=free'), ['sub_beta']);
    assert.deepEqual(ids('blog plan=free'), []);
  });

  it('does not look into a DB that was not loaded', () => {
    assert.equal(matchesQuery(gamma, 'plan'), false);
  });
});

describe('summarizeDb', () => {
  it('shows the entries sorted, as Find matches them, cut when long', () => {
    assert.equal(summarizeDb({ b: 'x y', a: 1 }), 'a=1  ·  b=x y');
    assert.equal(summarizeDb({}), 'Empty DB');
    assert.equal(summarizeDb({ k: 'v'.repeat(300) }, 20).length, 20);
    assert.equal(entryText('s', '"quoted"'), 's="quoted"');
  });
});
