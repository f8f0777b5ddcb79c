// The control API under /_sandbox/ (only with `control: true`): lets a test or a person in another process drive
// the sandbox over HTTP. Its bodies are parsed with zod; a wrong one is answered 400 with what is wrong and where.
import type { IncomingMessage } from 'node:http';
import * as z from 'zod';
import type { Db } from '../core/db';
import { SANDBOX_ROUTES, type DbPatch, type SandboxHandle } from './contract';
import {
  CONTROL_PREFIX,
  HttpFailure,
  decodeSegment,
  jsonAnswer,
  requireJson,
  tooLarge,
  type Answer,
  type Body,
} from './http';
import { isRecord } from './validate';

/** The sandbox as the control API sees it. */
export interface ControlTarget extends SandboxHandle {
  hasGate(idGate: string): boolean;
}

const FaultBody = z.strictObject({
  route: z.enum(SANDBOX_ROUTES),
  count: z.number().int().min(1).default(1),
  fault: z
    .strictObject({
      status: z.number().int().min(100).max(599).exactOptional(),
      body: z.string().exactOptional(),
      headers: z.record(z.string(), z.string()).exactOptional(),
      delayMs: z.number().min(0).exactOptional(),
      drop: z.boolean().exactOptional(),
    })
    .default({}),
});

const VariantsBody = z.strictObject({
  tokenStatus: z.literal([200, 201]).exactOptional(),
  tokenType: z.string().exactOptional(),
  deleteStatus: z.literal([200, 204]).exactOptional(),
  errorKey: z.enum(['errorMessage', 'error', 'message']).exactOptional(),
  errorShape: z.enum(['flat', 'nested']).exactOptional(),
  latencyMs: z.number().min(0).exactOptional(),
});

const nonEmpty = z.string().min(1);
const LogupTokenBody = z.strictObject({
  idGate: nonEmpty,
  logupToken: nonEmpty,
  idSubscription: nonEmpty,
  idActor: nonEmpty,
});

/**
 * A DB map, or with `null` values a patch. Not z.record: it skips (and drops) a "__proto__" key, which is a legal
 * DB key that a test may plant on purpose. Value types only, no limits, so an over-limit DB can be planted too.
 */
const dbMapBody = (nullDeletes: boolean) => {
  const scalar = [z.string(), z.number(), z.boolean()] as const;
  const value = nullDeletes ? z.union([...scalar, z.null()]) : z.union(scalar);
  const message = nullDeletes
    ? 'must be a string, a number, a boolean or null (to delete)'
    : 'must be a string, a number or a boolean';
  return z
    .custom<Record<string, unknown>>(isRecord, { error: 'expected a JSON object mapping keys to values' })
    .superRefine((map, ctx) => {
      for (const key of Object.keys(map)) {
        if (!value.safeParse(map[key]).success) ctx.addIssue({ code: 'custom', path: [key], message });
      }
    });
};
const DbBody = dbMapBody(false);
const PatchBody = dbMapBody(true);

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const where = (path: readonly PropertyKey[]): string => (path.length === 0 ? 'body' : path.map(String).join('.'));
  const detail = result.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`).join('; ');
  throw new HttpFailure(400, 'INVALID_REQUEST', detail);
}

/** Answers one control request; never throws. */
export function answerControl(sandbox: ControlTarget, req: IncomingMessage, path: string, body: Body): Answer {
  try {
    return route(sandbox, req, path, body);
  } catch (err) {
    if (err instanceof HttpFailure) return jsonAnswer(err.status, { error: err.detail }, err.headers);
    return jsonAnswer(500, { error: 'the sandbox failed to handle this control request' });
  }
}

function route(sandbox: ControlTarget, req: IncomingMessage, path: string, body: Body): Answer {
  // A web page that rebinds its own host name to 127.0.0.1 must not be able to drive the sandbox.
  const host = (req.headers.host ?? '').toLowerCase();
  const port = sandbox.port;
  if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host)) {
    const only = 'the control API only answers requests addressed to 127.0.0.1 or localhost';
    throw new HttpFailure(403, 'FORBIDDEN', only);
  }
  if (body.kind === 'tooLarge') throw tooLarge();
  const json = (): unknown => requireJson(req, body);
  const method = req.method ?? 'GET';
  const rest = path.slice(CONTROL_PREFIX.length);
  const settings = (): unknown => ({ ...sandbox.variants, latencyMs: sandbox.latencyMs });

  if (rest === 'journal' && method === 'GET') return jsonAnswer(200, sandbox.journal);
  if (rest === 'journal' && method === 'DELETE') return (sandbox.clearJournal(), jsonAnswer(204));
  if (rest === 'faults' && method === 'DELETE') return (sandbox.clearFaults(), jsonAnswer(204));
  if (rest === 'expire-tokens' && method === 'POST') return (sandbox.expireTokens(), jsonAnswer(204));
  if (rest === 'faults' && method === 'POST') {
    const { route: faultRoute, count, fault } = parse(FaultBody, json());
    sandbox.failNext(faultRoute, count, fault);
    return jsonAnswer(204);
  }
  if (rest === 'variants' && method === 'GET') return jsonAnswer(200, settings());
  if (rest === 'variants' && method === 'POST') {
    const { latencyMs, ...variants } = parse(VariantsBody, json());
    sandbox.setVariants(variants);
    if (latencyMs !== undefined) sandbox.setLatency(latencyMs);
    return jsonAnswer(200, settings());
  }
  if (rest === 'logup-tokens' && method === 'POST') {
    const t = parse(LogupTokenBody, json());
    if (!sandbox.hasGate(t.idGate)) throw new HttpFailure(404, 'NOT_FOUND', 'unknown gate');
    sandbox.addLogupToken(t.idGate, t.logupToken, { idSubscription: t.idSubscription, idActor: t.idActor });
    return jsonAnswer(204);
  }
  const db = /^db\/([^/]+)\/([^/]+)$/.exec(rest);
  if (db && (method === 'GET' || method === 'PUT' || method === 'PATCH')) {
    const idGate = decodeSegment(db[1]!);
    const idSubscription = decodeSegment(db[2]!);
    if (!sandbox.hasGate(idGate)) throw new HttpFailure(404, 'NOT_FOUND', 'unknown gate');
    if (method === 'PUT') sandbox.setDb(idGate, idSubscription, parse(DbBody, json()) as Db);
    if (method === 'PATCH') {
      const patch = parse(PatchBody, json()) as DbPatch;
      if (!sandbox.getDb(idGate, idSubscription)) throw new HttpFailure(404, 'NOT_FOUND', 'unknown subscription');
      sandbox.patchDb(idGate, idSubscription, patch);
    }
    const current = sandbox.getDb(idGate, idSubscription);
    if (!current) throw new HttpFailure(404, 'NOT_FOUND', 'unknown subscription');
    return jsonAnswer(200, current);
  }
  throw new HttpFailure(404, 'NOT_FOUND', 'no such control endpoint');
}
