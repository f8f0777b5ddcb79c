import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkKeyInput, parseValueInput } from '../../src/core/valueInput';

test('typed values keep the type a person means', () => {
  assert.deepEqual(parseValueInput('42'), { ok: true, value: 42 });
  assert.deepEqual(parseValueInput('"42"'), { ok: true, value: '42' });
  assert.deepEqual(parseValueInput('true'), { ok: true, value: true });
  assert.deepEqual(parseValueInput('hello world'), { ok: true, value: 'hello world' });
  assert.deepEqual(parseValueInput(''), { ok: true, value: '' });
  assert.deepEqual(parseValueInput('"with \\"escapes\\""'), { ok: true, value: 'with "escapes"' });
});

test('values the DB refuses get a message, as in the document check', () => {
  for (const text of ['null', '1.5', '1.0', '1e3', '[1]', '{"a":1}', '9007199254740992']) {
    const parsed = parseValueInput(text);
    assert.equal(parsed.ok, false, text);
  }
  assert.equal(parseValueInput('x'.repeat(1024)).ok, true);
  assert.equal(parseValueInput('x'.repeat(1025)).ok, false);
  assert.equal(parseValueInput('€'.repeat(342)).ok, false);
});

test('new keys: limits, duplicates and the 20-key cap', () => {
  assert.equal(checkKeyInput('k'.repeat(32), []).ok, true);
  assert.equal(checkKeyInput('k'.repeat(33), []).ok, false);
  assert.equal(checkKeyInput('', []).ok, false);
  assert.match((checkKeyInput('age', ['age']) as { message: string }).message, /exists/);
  const twenty = Array.from({ length: 20 }, (_, i) => `k${i}`);
  assert.match((checkKeyInput('new', twenty) as { message: string }).message, /at most 20/);
  assert.equal(checkKeyInput('new', twenty.slice(1)).ok, true);
});

test('typed keys and values must be well-formed Unicode, whether escaped in JSON or raw', () => {
  for (const text of ['"\\ud800"', '"a\\udc00"', 'raw \ud800 half', '\udfff']) {
    const parsed = parseValueInput(text);
    assert.equal(parsed.ok, false, text);
    assert.match((parsed as { message: string }).message, /lone surrogate/);
  }
  assert.deepEqual(parseValueInput('"\\ud83d\\ude00"'), { ok: true, value: '😀' });
  assert.match((checkKeyInput('k\ud800', []) as { message: string }).message, /not well-formed Unicode/);
  assert.equal(checkKeyInput('k😀', []).ok, true);
});

test('new keys named like Object members are checked against the existing keys only', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    assert.deepEqual(checkKeyInput(key, []), { ok: true, value: key });
    assert.match((checkKeyInput(key, [key]) as { message: string }).message, /exists already/);
  }
});

test('a DB the server holds over 20 keys says how many to delete before adding one', () => {
  const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);
  assert.match((checkKeyInput('new', keys(20)) as { message: string }).message, /has 20 keys.*Delete one first\./);
  assert.match((checkKeyInput('new', keys(22)) as { message: string }).message, /has 22 keys.*Delete 3 keys first\./);
});
