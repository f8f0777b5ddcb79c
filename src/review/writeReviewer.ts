import * as vscode from 'vscode';
import type { Reviewer, SaveOrigin, SaveReview } from '../db/dbStore';
import type { Modal } from '../dialogs/modal';
import type { SubscriptionRef } from '../db/subscriptionRef';
import type { SavePlan } from '../core/savePlan';
import type { Log } from '../core/log';
import type { Gate, GateStore } from '../gates/gateStore';
import type { LiveSettings } from '../settings';
import type { ReviewDiff } from './reviewDiff';
import { describeReview, reviewApplies, type ReviewText } from './reviewText';

/** What the user chose in the review. */
type ReviewChoice = 'save' | 'diff' | 'cancel';

/**
 * A batch change the person has reviewed as one (src/commands/batch.ts): its own writes need no second review, as
 * long as each is a batch write to one of its subscriptions and sends only keys of its change.
 */
export interface BatchApproval {
  readonly idGate: string;
  readonly idSubscriptions: ReadonlySet<string>;
  readonly keys: ReadonlySet<string>;
}

/**
 * The one review every write passes (installed on the DbStore, so the editor, the tree and any later writer cannot go
 * around it). It applies on production gates, or on every gate, as the user setting `logup.confirmWrites` says, and
 * runs after the store's check GET, so it shows exactly the requests about to be sent.
 */
export class WriteReviewer implements Reviewer {
  /** One review at a time: a save-all of several production documents asks about each in turn. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly approvals = new Set<BatchApproval>();

  constructor(
    private readonly gates: GateStore,
    private readonly diff: ReviewDiff,
    /** The review is a modal question like any other: the in-editor tests answer it there (id 'review'). */
    private readonly modal: Modal,
    private readonly log: Log,
    /** `logup.confirmWrites`, read when a write asks (ctx.settings). */
    private readonly settings: LiveSettings,
  ) {}

  /** Resolves true to send the write, false to cancel it (nothing is sent). */
  review(review: SaveReview): Promise<boolean> {
    const run = this.queue.then(() => this.run(review));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A write of a batch the person approved as one (with `plan`, its keys) needs no review of its own. */
  applies(ref: SubscriptionRef, origin: SaveOrigin, plan?: SavePlan): boolean {
    if (plan && this.approvedInBatch(ref, origin, plan)) return false;
    return this.appliesTo(ref.idGate, origin);
  }

  /** Lets the writes of a reviewed batch through until the returned function is called. */
  approveBatch(approval: BatchApproval): () => void {
    this.approvals.add(approval);
    return () => this.approvals.delete(approval);
  }

  /** True when the write belongs to a batch the person approved: its origin, gate, subscription and keys. */
  private approvedInBatch(ref: SubscriptionRef, origin: SaveOrigin, plan: SavePlan): boolean {
    if (origin !== 'batch') return false;
    const keys = [...plan.deleteKeys, ...plan.putEntries.map((e) => e.key)];
    return [...this.approvals].some((a) => a.idGate === ref.idGate && a.idSubscriptions.has(ref.idSubscription) && keys.every((k) => a.keys.has(k)));
  }

  /**
   * True when writes to this gate (from `origin`) wait for the review (a command need not ask its own confirmation
   * then).
   */
  appliesTo(idGate: string, origin?: SaveOrigin): boolean {
    const { confirmWrites } = this.settings.current;
    return reviewApplies(confirmWrites, this.gateOf(idGate).environment, origin);
  }

  /** A gate removed meanwhile is unknown: treated as production, the safe side. */
  /** The review as a person meets it: a modal with Save, Show Diff and Cancel (VS Code adds Cancel to every modal). */
  private async ask(prompt: ReviewText): Promise<ReviewChoice> {
    const save = vscode.l10n.t('Save');
    const showDiff = vscode.l10n.t('Show Diff');
    const answer = await this.modal.ask({ id: 'review', severity: 'warning', message: prompt.message, detail: prompt.detail, actions: [save, showDiff] });
    return answer === save ? 'save' : answer === showDiff ? 'diff' : 'cancel';
  }

  private gateOf(idGate: string): Gate {
    return this.gates.get(idGate) ?? { idGate, label: idGate, baseUrl: '', environment: 'production' };
  }

  private async run(review: SaveReview): Promise<boolean> {
    const { ref } = review;
    const gate = this.gateOf(ref.idGate);
    if (!this.applies(ref, review.origin, review.plan)) return true;
    const prompt = describeReview(review, gate);
    this.log.info(`${ref.idSubscription}: write to ${gate.idGate} (${gate.environment}) shown for review`);
    for (;;) {
      const choice = await this.ask(prompt);
      if (choice !== 'diff') {
        if (choice === 'save') this.log.info(`${ref.idSubscription}: Save chosen in the review`);
        return choice === 'save';
      }
      try {
        await this.diff.show(review, gate);
      } catch (error) {
        // The review itself still stands: the modal comes back and the user decides without the diff.
        this.log.warn(`${ref.idSubscription}: the review's diff could not be opened: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
