import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbPath, isSafeId, parseDbPath } from '../../src/core/dbPath';

describe('dbPath / parseDbPath', () => {
  it('builds the path of a subscription DB and reads it back', () => {
    assert.equal(dbPath('gate_x', 'sub_alpha'), '/gate_x/sub_alpha.json');
    for (const [g, s] of [['gate_gateTestRandom', 'sub_1'], ['a', 'b'], ['G-1_x', 'S-2_y'], ['g'.repeat(128), 's'.repeat(128)]]) {
      assert.deepEqual(parseDbPath(dbPath(g as string, s as string)), { idGate: g, idSubscription: s });
    }
  });
  it('refuses to build a path from an unsafe id', () => {
    for (const bad of ['', '..', '../x', 'a/b', 'a%2Fb', 'a?b', 'a#b', 'a b', 'é', 'g'.repeat(129), 'x.json']) {
      assert.equal(isSafeId(bad), false, bad);
      assert.throws(() => dbPath(bad, 'sub_1'), /Unsafe gate id/);
      assert.throws(() => dbPath('gate_1', bad), /Unsafe subscription id/);
    }
  });
  it('parses only exactly one DB file path', () => {
    for (const bad of [
      '', '/', '/gate_x', '/gate_x/', '/gate_x/sub.json/', '/gate_x/sub', '/gate_x/sub.JSON', 'gate_x/sub.json',
      '/../sub.json', '/gate_x/../sub.json', '/gate_x/..%2Fsub.json', '/gate%2Fx/sub.json', '/gate_x/sub.json?x=1',
      '/gate_x/sub.json#f', '/gate_x/a/sub.json', '//sub.json', `/${'g'.repeat(129)}/sub.json`, '/gate_x/sub.json\n',
    ]) {
      assert.equal(parseDbPath(bad), undefined, JSON.stringify(bad));
    }
  });
});
