// The one review of a batch change: when it is shown, and what it says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchRow } from '../../src/core/batchReport';
import { batchReviewApplies, describeBatchReview } from '../../src/review/batchReviewText';

describe('batch review', () => {
  it('applies on production whatever the setting; elsewhere as logup.confirmWrites says', () => {
    assert.equal(batchReviewApplies('never', 'production'), true);
    assert.equal(batchReviewApplies('production', 'production'), true);
    assert.equal(batchReviewApplies('production', 'staging'), false);
    assert.equal(batchReviewApplies('always', 'sandbox'), true);
    assert.equal(batchReviewApplies('never', 'development'), false);
  });

  it('names the gate and its environment, how many change, each key with its count, and the rest by state', () => {
    const rows: BatchRow[] = [
      { idSubscription: 'a', state: 'change', changes: [{ key: 'plan', kind: 'changed', before: 'free', after: 'pro' }, { key: 'trial', kind: 'deleted', before: true }] },
      { idSubscription: 'b', state: 'change', changes: [{ key: 'plan', kind: 'added', after: 'pro' }] },
      { idSubscription: 'c', state: 'already' },
      { idSubscription: 'd', state: 'refused', detail: 'x' },
    ];
    const gate = { idGate: 'gate_1', label: 'Shop', baseUrl: 'https://api.logup.co/v1_0', environment: 'production' as const };
    const text = describeBatchReview(gate, { kind: 'edit', set: [{ key: 'plan', value: 'pro' }], delete: ['trial'] }, rows);
    assert.equal(text.message, 'Apply to PRODUCTION: change 2 of 4 subscriptions on Shop?');
    assert.equal(text.detail, [
      'Gate: Shop (gate_1), production',
      'From: Apply Change to Subscriptions',
      '',
      'Change:',
      '  set "plan" to "pro"',
      '  delete "trial"',
      '',
      'Keys written:',
      '  "plan": 2 subscriptions',
      '  "trial": 1 subscription',
      '',
      'Not written by this run:',
      '  already so: 1',
      '  refused: 1',
      '',
      'Each subscription is read again right before its write; a key changed since this dry run is skipped as a conflict.',
      'Nothing is sent until you choose Apply.',
    ].join('\n'));
    const staging = describeBatchReview({ ...gate, environment: 'staging' }, { kind: 'rename', from: 'a', to: 'b' }, rows);
    assert.equal(staging.message, 'Change 2 of 4 subscriptions on Shop (staging)?');
  });
});
