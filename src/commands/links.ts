import * as vscode from 'vscode';
import { EXTENSION_ID } from '../constants';
import { quoteUntrusted } from '../core/visible';
import type { Ctx } from '../ctx';
import type { Gate } from '../gates/gateStore';
import { openDb, openSubscriptionById } from './subscriptions';
import { pickGate, subscriptionFor, type SubscriptionArg } from './targets';
import { verifyToken } from './verifyToken';
import { openLinkParts, parseDeepLink, type DeepLink } from '../core/deepLink';

/**
 * Handles `<scheme>://logup-tools.logup-vscode/verify?logupToken=…[&gate=…]` and `/open?gate=…&subscription=…`.
 * A link only reads: /verify runs Verify Token once the person confirmed the gate it goes to, /open opens the DB.
 * A link that is malformed, unknown, or names a gate this VS Code does not have gets a message saying what to do.
 */
export class LinkHandler implements vscode.UriHandler {
  constructor(private readonly ctx: Ctx) {}

  /** Throws what the person is told; the caller (registry.ts, followLink) is the error boundary of commands too. */
  async handleUri(uri: vscode.Uri): Promise<void> {
    // Never the query: it may hold a logupToken. The path is anyone's text: quoted, cut and escaped.
    this.ctx.log.info(`Link opened: ${quoteUntrusted(uri.path, 80)}`);
    const parsed = parseDeepLink(uri.path, uri.query);
    if (!parsed.ok) throw new Error(parsed.message);
    await this.follow(parsed.link);
  }

  private async follow(link: DeepLink): Promise<void> {
    if (link.kind === 'open') {
      this.knownGate(link.idGate);
      const ref = await openSubscriptionById(this.ctx, { idGate: link.idGate, idSubscription: link.idSubscription });
      await openDb(this.ctx, ref);
      return;
    }
    const gate = await this.gateForVerify(link.idGate);
    const confirmed = await this.ctx.modal.confirm(
      'verifyLink',
      vscode.l10n.t('Verify the logupToken of this link with {0}?', gate.label),
      vscode.l10n.t('A link asks VS Code to verify a logupToken with the LogUp gate {0} ({1}). Verifying shows who logged up and adds their subscription to the LogUp view; it changes nothing on the server. Continue only if you opened this link yourself.', gate.idGate, gate.baseUrl),
      vscode.l10n.t('Verify'),
    );
    if (!confirmed) {
      this.ctx.log.info('Link: verification cancelled, nothing sent');
      return;
    }
    // A bare query string is one of the inputs Verify Token reads, with isNewUser when the link gave it.
    const input = `logupToken=${encodeURIComponent(link.logupToken)}${link.isNewUser === undefined ? '' : `&isNewUser=${link.isNewUser}`}`;
    await verifyToken(this.ctx, { input, idGate: gate.idGate });
  }

  private async gateForVerify(idGate: string | undefined): Promise<Gate> {
    if (idGate !== undefined) return this.knownGate(idGate);
    if (this.ctx.gates.list().length === 0) {
      throw new Error(vscode.l10n.t('This link asks to verify a logupToken, but no LogUp gate is added in this VS Code. Add your gate with "LogUp: Add Gate", then open the link again.'));
    }
    return pickGate(this.ctx, undefined, vscode.l10n.t('The link does not name a gate: verify its logupToken with which gate?'));
  }

  private knownGate(idGate: string): Gate {
    const gate = this.ctx.gates.get(idGate);
    if (!gate) {
      throw new Error(vscode.l10n.t('This link is for the gate {0}, which is not added in this VS Code. Add it with "LogUp: Add Gate", then open the link again.', idGate));
    }
    return gate;
  }
}

/** Follows a link; VS Code does not wait for it. */
export function followLink(ctx: Ctx, uri: vscode.Uri): Promise<void> {
  return new LinkHandler(ctx).handleUri(uri);
}

/**
 * "Copy Link": a link that opens this subscription's DB, made by VS Code (`asExternalUri`) so it also works from a
 * browser in remote and web setups. It holds the gate and subscription ids, nothing secret. Returns the link.
 */
export async function copyLink(ctx: Ctx, arg?: SubscriptionArg): Promise<string> {
  const ref = await subscriptionFor(ctx, arg, vscode.l10n.t('Copy a link to which subscription?'));
  const { path, query } = openLinkParts(ref.idGate, ref.idSubscription);
  const uri = vscode.Uri.from({ scheme: vscode.env.uriScheme, authority: EXTENSION_ID, path, query });
  // toString(true): the query keeps its `=` and `&` (and a web callback's own encoding) as they are.
  const link = (await vscode.env.asExternalUri(uri)).toString(true);
  await vscode.env.clipboard.writeText(link);
  vscode.window.setStatusBarMessage(`$(link) ${vscode.l10n.t('Copied a link to {0}', ref.idSubscription)}`, 4000);
  return link;
}
