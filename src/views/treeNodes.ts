import type { DbValue } from '../core/db';
import type { Gate } from '../gates/gateStore';
import type { OpenedSubscription } from '../gates/openedSubscriptions';

/** The elements of the LogUp tree; the tree items are built from them in SubscriptionTreeProvider. */
export type TreeNode = GateNode | SubscriptionNode | EntryNode | MessageNode;

export interface GateNode {
  readonly kind: 'gate';
  readonly gate: Gate;
}

export interface SubscriptionNode {
  readonly kind: 'subscription';
  readonly idGate: string;
  readonly subscription: OpenedSubscription;
}

export interface EntryNode {
  readonly kind: 'entry';
  readonly idGate: string;
  readonly idSubscription: string;
  readonly key: string;
  readonly value: DbValue;
}

/** A line of text in place of children: an empty list's hint or a load error, optionally with a command. */
export interface MessageNode {
  readonly kind: 'message';
  readonly parentId: string;
  readonly text: string;
  readonly tooltip?: string;
  readonly command?: { readonly command: string; readonly title: string; readonly arguments?: unknown[] };
  readonly icon: string;
}

export function nodeId(node: TreeNode): string {
  switch (node.kind) {
    case 'gate':
      return `gate:${node.gate.idGate}`;
    case 'subscription':
      return `sub:${node.idGate}/${node.subscription.idSubscription}`;
    case 'entry':
      return `entry:${node.idGate}/${node.idSubscription}/${node.key}`;
    case 'message':
      return `message:${node.parentId}`;
  }
}
