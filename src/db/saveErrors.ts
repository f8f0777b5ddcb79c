import * as l10n from '@vscode/l10n';
import { BrandedError } from '../api/errors';
import { keyInMessage } from '../core/visible';
import type { Observation } from './observation';
import type { SubscriptionRef } from './subscriptionRef';

/*
 * What a save can end with, other than success. Branded errors like the api's (src/api/errors.ts): named after their
 * class, and `instanceof` checks a registered symbol rather than the prototype chain, so it holds whichever bundle
 * made them.
 */

/** The edit breaks a DB limit. Nothing was sent. */
export class InvalidDbError extends BrandedError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static readonly brand: symbol = Symbol.for('logup-vscode.InvalidDbError');
  /** Every limit the write would break, one sentence each (the message names the first). */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const first = problems[0] ?? l10n.t('The DB breaks a LogUp limit.');
    const more = problems.length - 1;
    super(
      more === 0
        ? l10n.t('Not saved, nothing was sent: {0}', first)
        : more === 1
          ? l10n.t('Not saved, nothing was sent: {0} (and 1 more problem)', first)
          : l10n.t('Not saved, nothing was sent: {0} (and {1} more problems)', first, more),
    );
    this.name = 'InvalidDbError';
    this.problems = [...problems];
  }
}

/** Someone else changed, on the server, keys the user changed too. Nothing was written. */
export class ConflictError extends BrandedError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static readonly brand: symbol = Symbol.for('logup-vscode.ConflictError');
  constructor(
    readonly ref: SubscriptionRef,
    /** The keys changed on both sides, sorted. */
    readonly keys: readonly string[],
    /** The server's DB as the check read it. */
    readonly server: Observation,
  ) {
    // Keys are data, not words: quoted and escaped, or withheld when they may be a credential (the message reaches
    // the log and the history); the sentence around them is translated.
    const shown = keys.slice(0, 3).map(keyInMessage).join(', ');
    super(
      keys.length > 3
        ? l10n.t('{0} and {1} more changed on the server since {2} was read; nothing was saved.', shown, keys.length - 3, ref.idSubscription)
        : l10n.t('{0} changed on the server since {1} was read; nothing was saved.', shown, ref.idSubscription),
    );
    this.name = 'ConflictError';
  }
}

/** A save that failed before, between or during its writes; the message says what the server holds now. */
export class SaveFailedError extends BrandedError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static readonly brand: symbol = Symbol.for('logup-vscode.SaveFailedError');
  constructor(
    message: string,
    override readonly cause: unknown,
    /** A call of this save did land before the failure. */
    readonly landed = false,
    /** The failed call may still have been applied. */
    readonly uncertain = false,
  ) {
    super(message);
    this.name = 'SaveFailedError';
  }
}

/** The user chose not to send the write after reviewing it. Nothing was sent. */
export class SaveCancelledError extends BrandedError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static readonly brand: symbol = Symbol.for('logup-vscode.SaveCancelledError');
  constructor(ref: SubscriptionRef) {
    super(l10n.t('Not saved: the write to {0} was cancelled in the review; nothing was sent.', ref.idSubscription));
    this.name = 'SaveCancelledError';
  }
}
