// The sandbox's data: gates with their subscriptions and logupTokens, and the access tokens it issued.
import { randomBytes } from 'node:crypto';
import type { Db, DbValue } from '../core/db';
import type { DbPatch } from './contract';

export interface Subscription {
  idActor: string;
  db: Map<string, DbValue>;
}
interface LogupTokenRecord {
  idSubscription: string;
  idActor: string;
  used: boolean;
}
export interface SandboxGate {
  secretKey: string;
  subscriptions: Map<string, Subscription>;
  logupTokens: Map<string, LogupTokenRecord>;
}
interface AccessToken {
  idGate: string;
  expiresAt: number;
}

export const toDb = (map: ReadonlyMap<string, DbValue>): Db => Object.fromEntries(map);

export class SandboxStore {
  private readonly gates = new Map<string, SandboxGate>();
  private readonly accessTokens = new Map<string, AccessToken>();

  gate(idGate: string): SandboxGate | undefined {
    return this.gates.get(idGate);
  }

  addGate(idGate: string, secretKey: string): void {
    const existing = this.gates.get(idGate);
    if (existing) existing.secretKey = secretKey;
    else this.gates.set(idGate, { secretKey, subscriptions: new Map(), logupTokens: new Map() });
  }

  removeGate(idGate: string): void {
    this.gates.delete(idGate);
    for (const [token, record] of this.accessTokens) if (record.idGate === idGate) this.accessTokens.delete(token);
  }

  setDb(idGate: string, idSubscription: string, db: Db, idActor?: string): void {
    const gate = this.gateOrThrow(idGate);
    const sub = gate.subscriptions.get(idSubscription);
    const map = new Map(Object.entries(db));
    if (sub) {
      sub.db = map;
      if (idActor !== undefined) sub.idActor = idActor;
    } else {
      const actor = idActor ?? `acr_${idSubscription.replace(/^sub_/, '')}`;
      gate.subscriptions.set(idSubscription, { idActor: actor, db: map });
    }
  }

  patchDb(idGate: string, idSubscription: string, patch: DbPatch): void {
    const sub = this.gateOrThrow(idGate).subscriptions.get(idSubscription);
    if (!sub) throw new Error(`unknown sandbox subscription: ${idSubscription} of ${idGate} (call setDb first)`);
    for (const key of Object.keys(patch)) {
      const value = patch[key];
      if (value === null || value === undefined) sub.db.delete(key);
      else sub.db.set(key, value);
    }
  }

  getDb(idGate: string, idSubscription: string): Db | undefined {
    const sub = this.gates.get(idGate)?.subscriptions.get(idSubscription);
    return sub ? toDb(sub.db) : undefined;
  }

  addLogupToken(idGate: string, logupToken: string, sub: { idSubscription: string; idActor: string }): void {
    const gate = this.gateOrThrow(idGate);
    const existing = gate.subscriptions.get(sub.idSubscription);
    if (existing) existing.idActor = sub.idActor;
    else gate.subscriptions.set(sub.idSubscription, { idActor: sub.idActor, db: new Map() });
    gate.logupTokens.set(logupToken, { idSubscription: sub.idSubscription, idActor: sub.idActor, used: false });
  }

  issueAccessToken(idGate: string, lifetimeSeconds: number): string {
    const accessToken = randomBytes(72).toString('base64url');
    this.accessTokens.set(accessToken, { idGate, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return accessToken;
  }

  /** The gate an access token opens, or why it opens none. */
  accessTokenGate(accessToken: string): { idGate: string } | 'unknown' | 'expired' {
    const record = this.accessTokens.get(accessToken);
    if (!record || !this.gates.has(record.idGate)) return 'unknown';
    if (Date.now() >= record.expiresAt) return 'expired';
    return { idGate: record.idGate };
  }

  expireTokens(): void {
    // Kept (not deleted) so a request with an old token is told "expired", like a real expiry.
    for (const record of this.accessTokens.values()) record.expiresAt = 0;
  }

  private gateOrThrow(idGate: string): SandboxGate {
    const gate = this.gates.get(idGate);
    if (!gate) throw new Error(`unknown sandbox gate: ${idGate} (call addGate first)`);
    return gate;
  }
}
