// zod/mini: the same checks, and the same issues for validate.ts to word, as zod's classic API, in a quarter of its
// bundle (26 KB instead of 100 KB of dist/api.js: no chained methods, no JSON-schema export, no locale loaded; only
// the messages written here are ever shown). The namespace import lets esbuild drop what this module never touches.
import * as z from 'zod/mini';
import type { Db } from '../core/db';

/**
 * A DB as the server returns it. Reading is lenient on purpose (any finite number, any key count) so a DB that
 * breaks the write limits can still be opened and fixed; the limits are enforced before writing, in core/.
 */
export const DbSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
type DbParsed = z.infer<typeof DbSchema>;

/** Said when an access token could not be sent back in an Authorization header. */
export const UNUSABLE_ACCESS_TOKEN = 'the server answered an access token that cannot be used';
/** Messages written here for a failed check; zod's own may quote the value received, so only these are shown. */
export const SCHEMA_MESSAGES: ReadonlySet<string> = new Set([UNUSABLE_ACCESS_TOKEN]);

// RFC 6750's b64token, the only form a bearer token may take in a header: anything else (a line break, a space)
// would fail every later call as a network error, for the token's whole lifetime.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** `POST /oauth/token` answer. `token_type` is `Baerer` in the reference, so any spelling is accepted (and ignored). */
export const TokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1), z.regex(B64TOKEN, UNUSABLE_ACCESS_TOKEN)),
  token_type: z.optional(z.string()),
  // OAuth2 only recommends expires_in (some servers send a numeric string); when absent the client assumes the
  // documented 3600 s and relies on 401 recovery.
  expires_in: z.optional(
    z.pipe(
      z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+(\.\d+)?$/)), z.transform(Number))]),
      z.number().check(z.positive()),
    ),
  ),
});
/** A parsed token answer. */
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

const VerifiedSchema = z.object({
  verified: z.literal(true),
  // The reference's example shows an errorMessage even next to verified: true; tolerate it, and null.
  errorMessage: z.nullish(z.string()),
  idActor: z.string().check(z.minLength(1)),
  idSubscription: z.string().check(z.minLength(1)),
  db: DbSchema,
});

const NotVerifiedSchema = z.object({
  verified: z.literal(false),
  errorMessage: z.nullish(z.string()),
  idActor: z.nullish(z.string()),
  idSubscription: z.nullish(z.string()),
  db: z.nullish(DbSchema),
});

/** `POST /verification` answer: who logged up when `verified`, otherwise (usually) only an `errorMessage`. */
export const VerificationSchema = z.discriminatedUnion('verified', [VerifiedSchema, NotVerifiedSchema]);
/** A parsed verification; narrow on `verified` to get non-null `idActor`/`idSubscription`/`db`. */
export type Verification = z.infer<typeof VerificationSchema>;

// Compile-time proof that the parsed DB is assignable both ways to core's Db.
const _dbMatchesCore: (d: DbParsed) => Db = (d) => d;
const _coreMatchesDb: (d: Db) => DbParsed = (d) => d;
void _dbMatchesCore;
void _coreMatchesDb;
