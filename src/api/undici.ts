/**
 * The one place the api takes undici's runtime from. undici (checked against 7.30.2) has no "exports" map, and its
 * index.js requires everything it ships (fetch, WebSocket, mocks, caches, sqlite…): bundled whole it was 540 KB of
 * dist/api.js. These are the files of what the client uses, 313 KB (BENCHMARKS.md, part 4). They are not a
 * public API: test/unit/apiUndici.test.ts fails when an upgrade moves or reshapes one, so a test breaks, not users.
 * Types still come from `import type … from 'undici'` (the declarations are in undiciDeep.d.ts).
 */
import type { Dispatcher as DispatcherType } from 'undici';
import Agent from 'undici/lib/dispatcher/agent.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import buildConnector from 'undici/lib/core/connect.js';
import apiConnect from 'undici/lib/api/api-connect.js';
import apiRequest from 'undici/lib/api/api-request.js';

// undici's index.js puts its api (request, connect, stream, pipeline, upgrade) on Dispatcher.prototype; two are
// used: request, and connect, with which the proxy agent opens its tunnels (without it every proxied request fails).
Object.assign(Dispatcher.prototype, { request: apiRequest, connect: apiConnect });

export { Agent, Dispatcher, EnvHttpProxyAgent, Pool, buildConnector };

/**
 * Sends one request on `dispatcher`, as `dispatcher.request(options)` would: called with the dispatcher as `this`,
 * so it also works on a dispatcher from another copy of undici (tests inject their own).
 */
export function request(dispatcher: DispatcherType, options: DispatcherType.RequestOptions): Promise<DispatcherType.ResponseData> {
  return apiRequest.call(dispatcher, options);
}
