// The LogUp calls of one subscription as text to paste into a terminal or a Python file. Pure (no vscode), so the
// unit tests run the curl commands against the sandbox. A snippet never holds the gate's secret key or an access
// token: they come from environment variables, named by SNIPPET_ENV, which the person sets in their own shell, and
// reach curl on its standard input (a here-document), never in its argv, which every user of the machine can read.
// Whatever the ids or the DB hold, nothing leaves its quotes: a snippet runs exactly the curl command shown.
import * as l10n from '@vscode/l10n';
import type { Db, DbValue } from './db';
import { quoteUntrusted } from './visible';

/** The environment variables a snippet reads the credentials from. */
export const SNIPPET_ENV = { secretKey: 'LOGUP_SECRET_KEY', accessToken: 'LOGUP_ACCESS_TOKEN' } as const;

/** The calls a snippet can show. */
export type SnippetCall = 'token' | 'get' | 'put' | 'delete';

/** The forms a snippet comes in. */
export type SnippetLanguage = 'curl' | 'python';

export const SNIPPET_CALLS: readonly SnippetCall[] = ['token', 'get', 'put', 'delete'];
export const SNIPPET_LANGUAGES: readonly SnippetLanguage[] = ['curl', 'python'];

/** The subscription a snippet is about. `db` (the DB as last read) fills the PUT's body; without it an example is used. */
export interface SnippetTarget {
  readonly baseUrl: string;
  readonly idGate: string;
  readonly idSubscription: string;
  readonly db?: Db | undefined;
}

/** The key a DELETE snippet names: a placeholder to edit, so running the snippet as copied deletes nothing. */
export const DELETE_PLACEHOLDER_KEY = 'key_to_delete';

/** The body of a PUT snippet when the DB is unknown or empty. */
const EXAMPLE_DB: Db = { plan: 'pro' };

/** The official Python SDK calls this host, with the API version as the path (docs/api.md). */
const SDK_HOST = 'https://api.logup.co';
const SDK_VERSION = /^v\d{1,2}_\d{1,3}$/;

/** The snippet of one call in one form. */
export function buildSnippet(language: SnippetLanguage, call: SnippetCall, target: SnippetTarget): string {
  return language === 'curl' ? curlSnippet(call, target) : pythonSnippet(call, target);
}

/** A short title of a call, for the picker. */
export function describeCall(call: SnippetCall): string {
  switch (call) {
    case 'token': return l10n.t('Get an access token');
    case 'get': return l10n.t('Read the DB');
    case 'put': return l10n.t('Add or change keys');
    case 'delete': return l10n.t('Delete keys');
  }
}

/** The method and path of a call, relative to the gate's base URL. */
export function callPath(call: SnippetCall, idSubscription: string): string {
  return call === 'token' ? 'POST /oauth/token' : `${call.toUpperCase()} /subscription/${idSubscription}/db`;
}

function curlSnippet(call: SnippetCall, target: SnippetTarget): string {
  const base = target.baseUrl.replace(/\/+$/, '');
  const dbUrl = shellQuote(`${base}/subscription/${target.idSubscription}/db`);
  const gate = comment(target.idGate);
  const subscription = comment(target.idSubscription);
  // The access token reaches curl on its standard input, as a config line: in its argv any user could read it (ps).
  const auth = [`  --config - <<${HEREDOC_END}`, `header = "Authorization: Bearer $${SNIPPET_ENV.accessToken}"`, HEREDOC_END];
  const json = "  -H 'Content-Type: application/json'";
  switch (call) {
    case 'token': {
      // The body, secret included, on curl's standard input; the shell fills in the secret and nothing else.
      const body = `${heredocText(`{"client_id": ${JSON.stringify(target.idGate)}, "client_secret": "`)}$${SNIPPET_ENV.secretKey}${heredocText('", "grant_type": "client_credentials"}')}`;
      return lines(
        `# An access token for gate ${gate}, read from $${SNIPPET_ENV.secretKey}. Put the access_token of the answer`,
        `# into $${SNIPPET_ENV.accessToken} for the DB calls: export ${SNIPPET_ENV.accessToken}=<access_token>`,
        `curl -sS -X POST ${shellQuote(`${base}/oauth/token`)} \\`,
        `${json} \\`,
        `  --data-binary @- <<${HEREDOC_END}`,
        body,
        HEREDOC_END,
      );
    }
    case 'get':
      return lines(
        `# The DB of ${subscription}. Needs $${SNIPPET_ENV.accessToken} (see the token call).`,
        `curl -sS ${dbUrl} \\`,
        ...auth,
      );
    case 'put': {
      const { db, example } = putBody(target.db);
      const data = JSON.stringify({ data: Object.keys(db).sort().map((key) => ({ key, value: db[key] })) });
      return lines(
        example
          ? `# Adds or changes keys of ${subscription} (an example key: edit the list). Needs $${SNIPPET_ENV.accessToken}.`
          : `# Sets these keys of ${subscription} to their values as last read (edit the list). Needs $${SNIPPET_ENV.accessToken}.`,
        `curl -sS -X PUT ${dbUrl} \\`,
        `${json} \\`,
        `  -d ${shellQuote(data)} \\`,
        ...auth,
      );
    }
    case 'delete':
      return lines(
        `# Deletes the listed keys of ${subscription}: replace ${DELETE_PLACEHOLDER_KEY} with the keys to delete. Needs $${SNIPPET_ENV.accessToken}.`,
        `curl -sS -X DELETE ${dbUrl} \\`,
        `${json} \\`,
        `  -d ${shellQuote(JSON.stringify({ keys: [DELETE_PLACEHOLDER_KEY] }))} \\`,
        ...auth,
      );
  }
}

/** Ends the here-documents of the curl snippets; no line of a body or config can be it (they start with { or a name). */
const HEREDOC_END = 'LOGUP_END';

/**
 * Text inside an unquoted here-document, taken literally: its `\\`, `$` and backquotes are escaped, so the shell
 * expands only the variables the snippet itself puts next to it. JSON.stringify writes no line break that could end
 * the document early.
 */
function heredocText(text: string): string {
  return text.replace(/[\\$`]/g, (c) => `\\${c}`);
}

/** Text for a `#` comment (shell or Python): on one line, whatever it holds (a line break would make the rest code). */
function comment(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) ? text : quoteUntrusted(text, 80);
}

function pythonSnippet(call: SnippetCall, target: SnippetTarget): string {
  const { version, reachable } = sdkVersion(target.baseUrl);
  const head = [
    '# pip install logup  (the official LogUp SDK: it gets the access token itself)',
    ...(reachable ? [] : [
      `# The SDK always calls ${SDK_HOST}/<version>; this gate's API is at ${comment(target.baseUrl)}, which the SDK cannot reach.`,
      '# Use the curl snippet for this gate.',
    ]),
    'import os',
    'from co.logup.LogupClient import LogupClient',
    '',
    `logup_client = LogupClient(${pyString(target.idGate)}, os.environ[${pyString(SNIPPET_ENV.secretKey)}]${version ? `, ${pyString(version)}` : ''})`,
  ];
  const subscription = `subscription = logup_client.subscription_custom(${pyString(target.idSubscription)})`;
  switch (call) {
    case 'token':
      return lines(...head);
    case 'get':
      return lines(...head, subscription, 'print(subscription.db)');
    case 'put': {
      const { db, example } = putBody(target.db);
      const entries = Object.keys(db).sort().map((key) => `${pyString(key)}: ${pyValue(db[key] as DbValue)}`);
      return lines(
        ...head,
        subscription,
        example ? '# An example key: edit the dict.' : '# These keys with their values as last read: edit the dict.',
        '# logup 1.0.1 runs update_db on Python 2.7 only (it calls dict.iteritems).',
        `print(subscription.update_db({${entries.join(', ')}}))`,
      );
    }
    case 'delete':
      return lines(
        ...head,
        subscription,
        `# Replace ${DELETE_PLACEHOLDER_KEY} with the keys to delete.`,
        `print(subscription.delete_db_value([${pyString(DELETE_PLACEHOLDER_KEY)}]))`,
      );
  }
}

/** The SDK's version argument for a base URL, and whether the SDK can reach that API at all. */
function sdkVersion(baseUrl: string): { version: string | undefined; reachable: boolean } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { version: undefined, reachable: false };
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const last = segments[segments.length - 1];
  const version = last !== undefined && SDK_VERSION.test(last) ? last : undefined;
  return { version, reachable: `${url.protocol}//${url.host}` === SDK_HOST && segments.length === 1 && version !== undefined };
}

function putBody(db: Db | undefined): { db: Db; example: boolean } {
  return db && Object.keys(db).length > 0 ? { db, example: false } : { db: EXAMPLE_DB, example: true };
}

/** One POSIX shell word: single quotes, with each `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** A Python string literal that means the same in Python 2.7 and 3: ASCII only, `u"…"` when it needs escapes. */
function pyString(text: string): string {
  let ascii = true;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const escaped = cp < 0x80 ? JSON.stringify(ch).slice(1, -1) : undefined;
    if (escaped !== undefined && !escaped.startsWith('\\u')) {
      out += escaped;
    } else {
      ascii = false;
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    }
  }
  return `${ascii ? '' : 'u'}"${out}"`;
}

function pyValue(value: DbValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  return pyString(value);
}

function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}
