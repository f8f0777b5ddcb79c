// How a value reads in one line wherever the extension shows one (the History view, the undo question, the review).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { showValue } from '../../src/core/limits';

describe('showValue', () => {
  it('is the value as JSON, whole when it fits', () => {
    assert.equal(showValue('pro'), '"pro"');
    assert.equal(showValue(42), '42');
    assert.equal(showValue(true), 'true');
  });

  it('cuts at max characters, never inside an emoji', () => {
    const shown = showValue('😀'.repeat(50), 10);
    assert.equal([...shown].length, 10);
    assert.ok(shown.endsWith('😀…'), shown);
  });

  it('escapes bidi controls and zero-width characters, which JSON leaves raw', () => {
    assert.equal(showValue('admin\u202Eeurt'), '"admin\\u202Eeurt"');
    assert.equal(showValue('\u200Bpro\u00AD\uFEFF'), '"\\u200Bpro\\u00AD\\uFEFF"');
  });
});
