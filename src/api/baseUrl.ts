import * as l10n from '@vscode/l10n';
import { isIPv4, isIPv6 } from 'node:net';
import { LogUpConfigError } from './errors';

const EXAMPLE = 'https://api.logup.co/v1_0';

/**
 * True for hosts that can only mean this machine: `localhost`, 127.0.0.0/8 and `::1` (brackets allowed).
 * Plain http is tolerated only there, because nothing on the network can read that traffic. `localhost.` is not
 * one: a name with a trailing dot is looked up in DNS, not in the hosts file.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h === 'localhost' || isLoopbackAddress(h);
}

/** True for an IP address of this machine: 127.0.0.0/8, `::1` in any spelling, or 127.x mapped into IPv6. */
export function isLoopbackAddress(address: string): boolean {
  let a = address.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  if (isIPv4(a)) return a.split('.')[0] === '127';
  if (!isIPv6(a)) return false;
  const mapped = /^(?:0{0,4}:){1,6}ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return isLoopbackAddress(mapped[1]!);
  return a === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(a);
}

/**
 * Validates a gate's versioned base URL and returns it with trailing slashes removed from the path.
 * Throws LogUpConfigError saying what to change: the secret key is sent there, so only https (or http to loopback).
 */
export function parseBaseUrl(raw: string): URL {
  const text = raw.trim();
  if (text === '') throw new LogUpConfigError(l10n.t('The LogUp base URL is empty; use one like {0}.', EXAMPLE));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LogUpConfigError(l10n.t('The LogUp base URL is not a valid URL; use one like {0}.', EXAMPLE));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LogUpConfigError(l10n.t('The LogUp base URL must start with https:// (like {0}), not {1}//.', EXAMPLE, url.protocol));
  }
  if (url.protocol === 'http:' && url.hostname.endsWith('.') && isLoopbackHost(url.hostname.slice(0, -1))) {
    const rest = `${url.port === '' ? '' : `:${url.port}`}${url.pathname.replace(/\/+$/, '')}`;
    throw new LogUpConfigError(l10n.t(
      'The LogUp base URL\'s host "{0}" ends with a dot, so it is looked up in DNS instead of meaning this machine, and the gate\'s secret key would travel unencrypted to whatever answers; use {1} or {2}.',
      url.hostname, `http://localhost${rest}`, `http://127.0.0.1${rest}`,
    ));
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new LogUpConfigError(l10n.t(
      "The LogUp base URL must use https:// because the gate's secret key is sent to it; plain http:// is only allowed for a local sandbox on localhost or 127.0.0.1.",
    ));
  }
  // Credentials in the URL would be sent on every request and shown wherever the URL is displayed.
  if (url.username !== '' || url.password !== '') {
    throw new LogUpConfigError(l10n.t("Remove the user name and password from the LogUp base URL; the gate's secret key is stored separately."));
  }
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    throw new LogUpConfigError(l10n.t('Remove the query (?…) and fragment (#…) from the LogUp base URL; use one like {0}.', EXAMPLE));
  }
  url.pathname = withoutTrailingSlash(url.pathname);
  return url;
}

/**
 * A base URL as it is kept and called: no trailing slash, since each call's path (`/token`, `/subscriptions/…`) is
 * appended to it. The one place this rule is written (the gate store's URLs, the client's).
 */
export function withoutTrailingSlash(url: URL | string): string {
  return (typeof url === 'string' ? url : url.href).replace(/\/+$/, '');
}

/** The host (and port) of a base URL, to name a gate's server in a line; the text itself when it is no URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
