import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeDb } from '../../src/core/dbDocument';
import { checkImport, decodeImport, describeImport, listProblems, MAX_IMPORT_BYTES, positionAt } from '../../src/core/importCheck';

const server = { name: 'Ada', age: 36, plan: 'pro' };

describe('checkImport', () => {
  it('accepts what an export wrote, unchanged', () => {
    assert.deepEqual(checkImport(serializeDb(server), server), { ok: true, db: server });
  });

  it('places every problem at its line and column, as the editor counts them', () => {
    const text = '{\n  "plan": "pro",\n  "plan": 1.5,\r\n\t"x": null\n}\n';
    const result = checkImport(text, server);
    if (result.ok) assert.fail('a file with problems was accepted');
    assert.deepEqual(result.problems.map((p) => [p.code, p.line, p.column]), [
      ['duplicateKey', 3, 3],
      ['floatValue', 3, 11],
      ['nullValue', 4, 7],
    ]);
    assert.deepEqual(result.problems.map((p) => [p.endLine, p.endColumn]), [[3, 9], [3, 14], [4, 11]]);
  });

  it('judges limits against the server: a value it already holds out of limits is left alone, a new one is refused', () => {
    const long = 'x'.repeat(1100);
    assert.equal(checkImport(serializeDb({ ...server, bio: long }), { ...server, bio: long }).ok, true);
    assert.equal(checkImport(serializeDb({ ...server, bio: long }), server).ok, false);
  });
});

describe('positionAt', () => {
  it('counts \\n, \\r\\n and a lone \\r as line ends and columns in UTF-16 code units', () => {
    assert.deepEqual(positionAt('ab', 0), { line: 1, column: 1 });
    assert.deepEqual(positionAt('a\nb\r\nc\rd', 7), { line: 4, column: 1 });
    assert.deepEqual(positionAt('a\r\nb', 2), { line: 1, column: 3 }, 'between \\r and \\n is still the first line');
    assert.deepEqual(positionAt('😀x', 2), { line: 1, column: 3 });
  });
});

describe('decodeImport', () => {
  it('reads UTF-8 and drops a byte order mark, as an editor does', () => {
    assert.deepEqual(decodeImport(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), { ok: true, text: '{}' });
  });
  it('refuses bytes that are not UTF-8, and a file too large to be a DB', () => {
    const bad = decodeImport(new Uint8Array([0x7b, 0xff, 0x7d]));
    assert.ok(!bad.ok && /not UTF-8/.test(bad.message));
    const big = decodeImport(new Uint8Array(MAX_IMPORT_BYTES + 1));
    assert.ok(!big.ok && /too large/.test(big.message));
  });
});

describe('listProblems and describeImport', () => {
  it('lists file:line:column and how many more there are', () => {
    const problems = Array.from({ length: 10 }, (_, i) => ({ code: 'syntax', message: `m${i}`, line: i + 1, column: 2, endLine: i + 1, endColumn: 3 }));
    const text = listProblems('db.json', problems, 3);
    assert.equal(text, 'db.json:1:2 m0\ndb.json:2:2 m1\ndb.json:3:2 m2\n…and 7 more problems, shown in the Problems view.');
  });

  it('says which keys are deleted because the file lacks them, added, changed and kept', () => {
    assert.deepEqual(describeImport(server, { name: 'Ada', age: 37, city: 'Rome' }), [
      'Deleted, because the file does not have them: "plan".',
      'Added: "city".',
      'Changed: "age".',
      'Left as they are: 1 key.',
    ]);
    assert.deepEqual(describeImport(server, {}), ['Deleted, because the file does not have them: "age", "name", "plan".']);
  });
});
