// The extension's links, `<scheme>://logup-tools.logup-vscode/<path>?<query>`, read and written without vscode so
// that every malformed link the handler can meet is unit-tested. A link only ever reads: /verify verifies a
// logupToken (after the user confirms), /open opens a DB. It never carries a gate secret or an access token.
import * as l10n from '@vscode/l10n';
import { isSafeId } from './dbPath';
import { parseTokenInput } from './tokenInput';
import { quoteUntrusted } from './visible';

/** What a link asks for. */
export type DeepLink =
  | { readonly kind: 'verify'; readonly logupToken: string; readonly isNewUser?: boolean; readonly idGate?: string }
  | { readonly kind: 'open'; readonly idGate: string; readonly idSubscription: string };

/** A link understood, or a sentence saying what is wrong with it and what to do. */
export type DeepLinkParse = { readonly ok: true; readonly link: DeepLink } | { readonly ok: false; readonly message: string };

/** The paths a link may have. */
export const LINK_PATHS = { verify: '/verify', open: '/open' } as const;

/** Parameters of each path; `required` ones must be there. Names are matched case-insensitively. */
const PARAMETERS = {
  verify: { required: ['logupToken'], optional: ['gate', 'isNewUser'] },
  open: { required: ['gate', 'subscription'], optional: [] },
} as const;

/** Names under which a credential would travel. A link that has one is refused whole, whatever else it says. */
const CREDENTIAL_PARAMETERS = new Set(['secretkey', 'secret', 'client_secret', 'clientsecret', 'gatesecretkey', 'access_token',
  'accesstoken', 'password', 'authorization', 'bearer']);

/** Parameters VS Code itself may add when it routes a link to a window. */
const ROUTING_PARAMETERS = new Set(['windowid']);

/**
 * Reads a link's path and query, as `vscode.Uri` gives them (percent-decoding already done). Every failure is one
 * message that says what is wrong and what to do; none repeats the logupToken, and every piece of the link it quotes
 * is cut and escaped (quoteUntrusted): a link is anyone's text.
 */
export function parseDeepLink(path: string, query: string): DeepLinkParse {
  const kind = Object.entries(LINK_PATHS).find(([, p]) => p === path.replace(/\/+$/, ''))?.[0] as keyof typeof LINK_PATHS | undefined;
  const params = readQuery(query);
  if (!params.ok) return params;
  const credential = [...params.values.keys()].find((name) => CREDENTIAL_PARAMETERS.has(name));
  if (credential !== undefined) {
    return fail(l10n.t('This LogUp link carries a credential ({0}), and LogUp links never do, so nothing was done. Do not pass the link on; if the credential is real, replace it in your LogUp account.', quoteUntrusted(params.names.get(credential) ?? credential)));
  }
  if (kind === undefined) {
    return fail(path === '' || path === '/'
      ? l10n.t('This LogUp link asks for nothing. A LogUp link ends in /verify (verify a logupToken) or /open (open a subscription); copy the link again from where it came from.')
      : l10n.t('This LogUp link asks for {0}, which LogUp does not know. A LogUp link ends in /verify (verify a logupToken) or /open (open a subscription); copy the link again from where it came from.', quoteUntrusted(path)));
  }

  const known = new Set<string>([...PARAMETERS[kind].required, ...PARAMETERS[kind].optional].map((n) => n.toLowerCase()));
  const unknown = [...params.values.keys()].find((name) => !known.has(name) && !ROUTING_PARAMETERS.has(name));
  if (unknown !== undefined) {
    const expected = kind === 'verify'
      ? l10n.t('A /verify link takes logupToken, and optionally gate and isNewUser.')
      : l10n.t('An /open link takes gate and subscription.');
    return fail(`${l10n.t('This LogUp link has a parameter LogUp does not know, {0}.', quoteUntrusted(params.names.get(unknown) ?? unknown))} ${expected}`);
  }
  return kind === 'verify' ? verifyLink(params.values) : openLink(params.values);
}

/** The path and query of the link that opens a subscription's DB; it holds the two ids and nothing else. */
export function openLinkParts(idGate: string, idSubscription: string): { readonly path: string; readonly query: string } {
  for (const id of [idGate, idSubscription]) {
    if (!isSafeId(id)) throw new Error(l10n.t('Cannot make a link for {0}: it is not a gate or subscription id.', quoteUntrusted(id)));
  }
  return { path: LINK_PATHS.open, query: `gate=${idGate}&subscription=${idSubscription}` };
}

function verifyLink(values: ReadonlyMap<string, string>): DeepLinkParse {
  const raw = values.get('loguptoken');
  if (raw === undefined || raw.trim() === '') {
    return fail(l10n.t('This /verify link has no logupToken, so there is nothing to verify. Open the link your site received after the log-up, or run "LogUp: Verify Token" and paste the token.'));
  }
  // The value as a whole must be a token: a URL or a query string inside a parameter is not one.
  const parsed = /[:/?#&]/.test(raw) ? undefined : parseTokenInput(raw);
  if (parsed === undefined || !parsed.ok) {
    const reason = parsed && !parsed.ok ? parsed.message : l10n.t('It contains characters a token never has.');
    return fail(`${l10n.t('The logupToken in this link is not a valid token.')} ${reason}`);
  }
  const flag = values.get('isnewuser');
  if (flag !== undefined && !/^(true|false)$/i.test(flag)) {
    return fail(l10n.t('isNewUser in this link is {0}, but it can only be true or false. Fix the link, or leave isNewUser out.', quoteUntrusted(flag)));
  }
  const idGate = values.get('gate');
  if (idGate !== undefined && !isSafeId(idGate)) return fail(badGate(idGate));
  return {
    ok: true,
    link: {
      kind: 'verify',
      logupToken: parsed.logupToken,
      ...(flag === undefined ? {} : { isNewUser: flag.toLowerCase() === 'true' }),
      ...(idGate === undefined ? {} : { idGate }),
    },
  };
}

function openLink(values: ReadonlyMap<string, string>): DeepLinkParse {
  const idGate = values.get('gate');
  const idSubscription = values.get('subscription');
  if (idGate === undefined || idGate === '') {
    return fail(l10n.t('This /open link does not name a gate. It needs gate=<gate id>&subscription=<subscription id>; use "Copy Link" on a subscription in the LogUp view to make one.'));
  }
  if (idSubscription === undefined || idSubscription === '') {
    return fail(l10n.t('This /open link does not name a subscription. It needs gate=<gate id>&subscription=<subscription id>; use "Copy Link" on a subscription in the LogUp view to make one.'));
  }
  if (!isSafeId(idGate)) return fail(badGate(idGate));
  if (!isSafeId(idSubscription)) {
    return fail(l10n.t('{0} in this link is not a subscription id: ids are made of letters, digits, "_" and "-", e.g. sub_abc123.', quoteUntrusted(idSubscription)));
  }
  return { ok: true, link: { kind: 'open', idGate, idSubscription } };
}

type Query = { ok: true; values: Map<string, string>; names: Map<string, string> } | { ok: false; message: string };

/** Splits on `&` and the first `=`; no further decoding, so a `+` in a token stays a `+`. A repeated name is refused. */
function readQuery(query: string): Query {
  const values = new Map<string, string>();
  const names = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const key = name.toLowerCase();
    if (values.has(key)) {
      return fail(l10n.t('This LogUp link gives {0} more than once, so it is not clear which one is meant. Use a link that gives each parameter once.', quoteUntrusted(name)));
    }
    values.set(key, eq < 0 ? '' : part.slice(eq + 1));
    names.set(key, name);
  }
  return { ok: true, values, names };
}

function badGate(idGate: string): string {
  return l10n.t('{0} in this link is not a gate id: ids are made of letters, digits, "_" and "-", e.g. gate_abc123.', quoteUntrusted(idGate));
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
