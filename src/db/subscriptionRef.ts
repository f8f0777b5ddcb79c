/** Names one subscription of one gate. */
export interface SubscriptionRef {
  readonly idGate: string;
  readonly idSubscription: string;
}

/** A map key for a subscription. */
export function refKey(ref: SubscriptionRef): string {
  return `${ref.idGate}/${ref.idSubscription}`;
}
