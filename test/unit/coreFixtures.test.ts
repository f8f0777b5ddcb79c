import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDbDocument, serializeDb } from '../../src/core/dbDocument';
import { dbEquals } from '../../src/core/savePlan';
import { DB_LIMITS, type Db } from '../../src/core/db';

const fixtures = join(__dirname, '..', 'fixtures');
const invalidDir = join(fixtures, 'invalid');
const validDir = join(fixtures, 'valid');
const expected = JSON.parse(readFileSync(join(invalidDir, 'expected.json'), 'utf8')) as Record<string, { code: string; text: string }[]>;
const invalidFiles = readdirSync(invalidDir).filter((f) => f !== 'expected.json').sort();

describe('invalid DB corpus (test/fixtures/invalid)', () => {
  it('has at least 30 documents, each with its expected problems and no stale entry', () => {
    assert.ok(invalidFiles.length >= 30, `${invalidFiles.length} documents`);
    assert.deepEqual(Object.keys(expected).sort(), invalidFiles);
  });
  for (const file of invalidFiles) {
    it(file, () => {
      const text = readFileSync(join(invalidDir, file), 'utf8');
      const result = analyzeDbDocument(text);
      if (result.ok) assert.fail(`${file} was accepted`);
      const got = result.problems.map((p) => ({ code: p.code, text: text.slice(p.offset, p.offset + p.length) }));
      assert.deepEqual(got, expected[file]);
      for (const p of result.problems) {
        assert.ok(p.offset >= 0 && p.offset + p.length <= text.length, 'range inside the text');
        assert.ok(p.length >= 1 || text.length === 0, 'something to underline');
        assert.ok(p.message.length > 20 && p.message.endsWith('.'), `a sentence: ${p.message}`);
      }
    });
  }
});

describe('valid DB corpus (test/fixtures/valid): documents exactly at each limit', () => {
  const validFiles = readdirSync(validDir).sort();
  it('covers the limits', () => {
    for (const name of ['keys-20.json', 'key-32-emoji.json', 'value-1024-ascii.json', 'value-341-euro.json', 'safe-integers.json']) {
      assert.ok(validFiles.includes(name), name);
    }
  });
  for (const file of validFiles) {
    it(file, () => {
      const text = readFileSync(join(validDir, file), 'utf8');
      const result = analyzeDbDocument(text);
      if (!result.ok) assert.fail(JSON.stringify(result.problems));
      // What the editor saves is what JSON.parse would read from the same text.
      const parsed = JSON.parse(text.replace(/^\ufeff/, '')) as Db;
      assert.ok(dbEquals(result.db, parsed), 'same DB as JSON.parse');
      assert.ok(Object.keys(result.db).length <= DB_LIMITS.maxKeys);
      const again = analyzeDbDocument(serializeDb(result.db));
      assert.ok(again.ok && dbEquals(again.db, result.db), 'canonical form round-trips');
    });
  }
});
