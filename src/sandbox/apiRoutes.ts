// The LogUp API itself: token, verification and the three DB calls, as strict as the reference, and the error
// bodies in whichever documented shape the variants choose.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Db, DbValue } from '../core/db';
import type { SandboxFault, SandboxVariants } from './contract';
import {
  HttpFailure,
  jsonAnswer,
  requireJson,
  textAnswer,
  tooLarge,
  type Answer,
  type Body,
  type RouteMatch,
} from './http';
import { toDb, type SandboxGate, type SandboxStore } from './store';
import { checkDeleteBody, checkPutBody, isRecord } from './validate';

export interface ApiContext {
  readonly store: SandboxStore;
  readonly variants: Readonly<SandboxVariants>;
  readonly tokenLifetimeSeconds: number;
  readonly oneTimeLogupTokens: boolean;
}

/** What a route learnt about the request, for the journal. */
export interface RequestNotes {
  gate?: string;
}

/** Applies one API request and returns its answer; throws HttpFailure to answer with an error. */
export function answerApi(
  ctx: ApiContext,
  req: IncomingMessage,
  match: RouteMatch,
  query: string,
  body: Body,
  notes: RequestNotes,
): Answer {
  if (match.route === 'unknown' || match.route === 'control') {
    if (match.allow) {
      throw new HttpFailure(405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed here`, {
        headers: { allow: match.allow },
      });
    }
    throw new HttpFailure(404, 'NOT_FOUND', 'no such endpoint');
  }
  if (body.kind === 'tooLarge') throw tooLarge();
  if (match.route === 'token') return token(ctx, requireJson(req, body), notes);

  const idGate = authenticate(ctx.store, req);
  notes.gate = idGate;
  const gate = ctx.store.gate(idGate)!;
  if (match.route === 'verification') return verification(ctx, gate, requireJson(req, body));

  const idSubscription = match.idSubscription ?? '';
  const sub = gate.subscriptions.get(idSubscription);
  if (!sub) throw new HttpFailure(404, 'SUBSCRIPTION_NOT_FOUND', `no subscription ${idSubscription}`, { bare: true });
  switch (match.route) {
    case 'getDb':
      return jsonAnswer(200, selectKeys(sub.db, new URLSearchParams(query)));
    case 'putDb': {
      const checked = checkPutBody(requireJson(req, body), sub.db);
      if (!checked.ok) throw new HttpFailure(400, checked.code, checked.detail);
      for (const { key, value } of checked.value) sub.db.set(key, value);
      return jsonAnswer(200, toDb(sub.db));
    }
    case 'deleteDb': {
      const checked = checkDeleteBody(requireJson(req, body));
      if (!checked.ok) throw new HttpFailure(400, checked.code, checked.detail);
      for (const key of checked.value) sub.db.delete(key);
      return ctx.variants.deleteStatus === 204 ? jsonAnswer(204) : jsonAnswer(200, toDb(sub.db));
    }
  }
}

function token(ctx: ApiContext, value: unknown, notes: RequestNotes): Answer {
  if (!isRecord(value) || typeof value.client_id !== 'string' || typeof value.client_secret !== 'string') {
    throw new HttpFailure(400, 'INVALID_REQUEST', 'client_id and client_secret (strings) are required');
  }
  if (value.grant_type !== 'client_credentials') {
    throw new HttpFailure(400, 'UNSUPPORTED_GRANT_TYPE', 'the only grant_type supported is "client_credentials"');
  }
  const gate = ctx.store.gate(value.client_id);
  if (!gate || !timingSafeEqualString(gate.secretKey, value.client_secret)) {
    throw new HttpFailure(401, 'INVALID_CLIENT', 'the client_id is unknown or the client_secret is wrong', {
      bare: true,
    });
  }
  notes.gate = value.client_id;
  const accessToken = ctx.store.issueAccessToken(value.client_id, ctx.tokenLifetimeSeconds);
  return jsonAnswer(ctx.variants.tokenStatus, {
    access_token: accessToken,
    token_type: ctx.variants.tokenType,
    expires_in: ctx.tokenLifetimeSeconds,
  });
}

/** Returns the idGate of a valid bearer token or throws 401. */
function authenticate(store: SandboxStore, req: IncomingMessage): string {
  const challenge = (error: string): Record<string, string> => ({
    'www-authenticate': `Bearer realm="logup-sandbox", error="${error}"`,
  });
  const header = req.headers.authorization ?? '';
  const m = /^bearer +(\S+)\s*$/i.exec(header);
  if (!m) {
    throw new HttpFailure(401, 'UNAUTHORIZED', 'send "Authorization: Bearer <access_token>"', {
      headers: { 'www-authenticate': 'Bearer realm="logup-sandbox"' },
    });
  }
  const found = store.accessTokenGate(m[1]!);
  const invalid = { headers: challenge('invalid_token') };
  if (found === 'unknown') throw new HttpFailure(401, 'INVALID_TOKEN', 'the access token is not known', invalid);
  if (found === 'expired') throw new HttpFailure(401, 'TOKEN_EXPIRED', 'the access token has expired', invalid);
  return found.idGate;
}

function verification(ctx: ApiContext, gate: SandboxGate, value: unknown): Answer {
  if (!isRecord(value) || typeof value.logupToken !== 'string' || value.logupToken === '') {
    throw new HttpFailure(400, 'INVALID_REQUEST', 'logupToken (a non-empty string) is required');
  }
  const record = gate.logupTokens.get(value.logupToken);
  const sub = record ? gate.subscriptions.get(record.idSubscription) : undefined;
  if (!record || !sub || record.used) {
    return jsonAnswer(200, {
      verified: false,
      errorMessage: 'INVALID_LOGUP_TOKEN',
      idActor: null,
      idSubscription: null,
      db: {},
    });
  }
  if (ctx.oneTimeLogupTokens) record.used = true;
  return jsonAnswer(200, {
    verified: true,
    idActor: record.idActor,
    idSubscription: record.idSubscription,
    db: toDb(sub.db),
  });
}

/** `keys=a,b` (or repeated `keys=`) keeps only those keys that exist; without `keys` the whole DB. */
function selectKeys(db: ReadonlyMap<string, DbValue>, params: URLSearchParams): Db {
  if (!params.has('keys')) return toDb(db);
  const wanted = new Set(params.getAll('keys').flatMap((v) => v.split(',')));
  return toDb(new Map([...db].filter(([key]) => wanted.has(key))));
}

function timingSafeEqualString(a: string, b: string): boolean {
  // Digests have equal length, so the comparison time does not reveal how much of the secret matched.
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The token call's body as the journal keeps it: without the secret. */
export function redactTokenBody(value: unknown): unknown {
  if (!isRecord(value) || !('client_secret' in value)) return value;
  return { ...value, client_secret: '<redacted>' };
}

// ---- error answers -------------------------------------------------------------------------------------------

/** An API error in the error shape the variants choose. */
export function failureAnswer(variants: Readonly<SandboxVariants>, failure: HttpFailure): Answer {
  const body =
    variants.errorShape === 'nested'
      ? { error: { code: failure.code, detail: failure.detail } }
      : { [variants.errorKey]: failure.message };
  return jsonAnswer(failure.status, body, failure.headers);
}

/** The answer an injected fault with a `status` or `body` replaces the normal one with. */
export function faultAnswer(variants: Readonly<SandboxVariants>, fault: SandboxFault): Answer {
  const status = fault.status ?? 500;
  const headers = fault.headers ?? {};
  if (fault.body === undefined) {
    return failureAnswer(variants, new HttpFailure(status, 'SANDBOX_FAULT', `injected status ${status}`, { headers }));
  }
  const type = fault.body.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
  return textAnswer(status, type, fault.body, headers);
}
