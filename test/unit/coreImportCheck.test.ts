import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeDb } from '../../src/core/dbDocument';
import { checkImport, decodeImport, describeImport, listProblems, MAX_IMPORT_BYTES, MAX_PLACED_PROBLEMS, positionAt } from '../../src/core/importCheck';

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

describe('checkImport: large files', () => {
  it('places problems at the right line and column deep into a 1 MB file', () => {
    // 19 keys, 40,000 lines with every kind of line end, then a 20th key with a problem.
    const ends = ['\n', '\r\n', '\r'];
    const keys = Array.from({ length: 19 }, (_, i) => `"k${i}": ${i}`).join(',\n');
    const padding = Array.from({ length: 40_000 }, (_, i) => `   ${ends[i % 3]}`).join('');
    const text = `{\n${keys},${padding}\t"late": null\n}\n`;
    assert.ok(text.length > 150_000);
    const result = checkImport(text, {});
    if (result.ok) assert.fail('a null value was accepted');
    assert.deepEqual(result.problems.map((p) => [p.code, p.line, p.column, p.endLine, p.endColumn]), [['nullValue', 40_020, 10, 40_020, 14]]);
  });

  it('lists at most the first problems of a file with 96,000 of them, and says how many more there are', () => {
    const text = `{${Array.from({ length: 96_000 }, (_, i) => `"k${i}":0`).join(',')}}`;
    assert.ok(text.length <= MAX_IMPORT_BYTES);
    const result = checkImport(text, {});
    if (result.ok) assert.fail('96,000 keys were accepted');
    assert.equal(result.total, 96_000 - 20);
    assert.equal(result.problems.length, MAX_PLACED_PROBLEMS);
    assert.deepEqual([result.problems[0]?.column, result.problems[0]?.line], [text.indexOf('"k20"') + 1, 1], 'the first problem is the 21st key');
    const listed = listProblems('big.json', result.problems, 3, result.total).split('\n');
    assert.equal(listed.length, 4);
    assert.equal(listed[3], `…and ${96_000 - 20 - 3} more problems; the Problems view shows the first ${MAX_PLACED_PROBLEMS}.`);
  });

  it('refuses a file nested 10,000 deep with one problem that says so, at its place', () => {
    const text = `{\n  "a": ${'{"b": '.repeat(10_000)}1${'}'.repeat(10_000)}\n}\n`;
    const result = checkImport(text, {});
    if (result.ok) assert.fail('accepted');
    assert.equal(result.total, 1);
    assert.deepEqual(result.problems.map((p) => [p.code, p.line, p.column]), [['tooDeep', 2, 8 + 6 * 63]]);
  });
});

describe('positionAt', () => {
  it('counts \\n, \\r\\n and a lone \\r as line ends and columns in UTF-16 code units', () => {
    assert.deepEqual(positionAt('ab', 0), { line: 1, column: 1 });
    assert.deepEqual(positionAt('a\nb\r\nc\rd', 7), { line: 4, column: 1 });
    assert.deepEqual(positionAt('a\r\nb', 2), { line: 1, column: 3 }, 'between \\r and \\n is still the first line');
    assert.deepEqual(positionAt('😀x', 2), { line: 1, column: 3 });
    assert.deepEqual(positionAt('a\n\nb', 2), { line: 2, column: 1 }, 'an empty line');
    assert.deepEqual(positionAt('a\nb', 99), { line: 2, column: 2 }, 'past the end: the end');
  });
  it('agrees with counting from the start at every offset of a mixed text', () => {
    const text = 'ab\r\ncd\re\n\n\r\r\nf😀\ng';
    let line = 1;
    let start = 0;
    for (let offset = 0; offset <= text.length; offset++) {
      assert.deepEqual(positionAt(text, offset), { line, column: offset - start + 1 }, `offset ${offset}`);
      const c = text[offset];
      if (c === '\n' || (c === '\r' && text[offset + 1] !== '\n')) {
        line++;
        start = offset + 1;
      }
    }
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
