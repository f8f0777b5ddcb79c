import type { Dispatcher } from 'undici';
import { LogUpResponseError } from './errors';

/** The largest success body the client reads; a DB is far smaller. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Error bodies are only mined for a short message; the rest is not worth downloading. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** A body as read: its text, and whether it was longer than the cap. */
export interface ReadResult {
  text: string;
  overflow: boolean;
}

/** A body still arriving after the attempt's deadline; the client reports it as LogUpTimeoutError. */
export class BodyDeadlineError extends Error {}

/**
 * Reads a body up to `cap` bytes (`truncate`: keep the first `cap` bytes of a longer one, else give up on it).
 * Still arriving, it is read with plain 'data' events (`for await` costs 5–12 % of a loopback call) and each chunk
 * is checked against the deadline, so a body that never ends cannot hold a call open.
 */
export function readCapped(
  body: Dispatcher.ResponseData['body'],
  cap: number,
  contentLength: string | string[] | undefined,
  truncate: boolean,
  deadline: number,
): Promise<ReadResult> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (!truncate && Number.isFinite(declared) && declared > cap) {
    body.destroy();
    return Promise.resolve({ text: '', overflow: true });
  }
  // Already all here (the usual case for a DB, which arrives with its headers): undici's text() is the fastest read,
  // and with nothing left to wait for it cannot be held open by a server that drips.
  if (Number.isFinite(declared) && declared <= cap && body.readableLength >= declared) {
    return body.text().then((text) => ({ text, overflow: false }));
  }
  return new Promise<ReadResult>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: ReadResult | Error): void => {
      if (settled) return;
      settled = true;
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (performance.now() > deadline) {
        finish(new BodyDeadlineError());
        body.destroy();
        return;
      }
      if (size + chunk.length > cap) {
        if (truncate) chunks.push(chunk.subarray(0, cap - size));
        finish({ text: decode(chunks), overflow: true });
        body.destroy();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    body.on('end', () => finish({ text: decode(chunks), overflow: false }));
    body.on('error', (e: Error) => finish(e));
    // Destroyed (e.g. aborted) before 'end' without an 'error' reaching us: fail as `for await` would.
    const closed = (): void =>
      finish(body.errored ?? Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    body.on('close', closed);
    if (body.destroyed) closed();
  });
}

/** UTF-8 without a leading byte-order mark, as undici's text() decodes, so both read paths agree. */
function decode(chunks: Buffer[]): string {
  const buffer = Buffer.concat(chunks);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

/** The parsed JSON of a success body, undefined for an empty one; throws LogUpResponseError for anything else. */
export function parseJson(text: string, method: string, path: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LogUpResponseError(method, path, 'the body is not JSON (is the base URL right?)');
  }
}
