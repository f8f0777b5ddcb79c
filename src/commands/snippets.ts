import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { subscriptionFor, type SubscriptionArg } from './targets';
import { required } from './ui';
import { buildSnippet, callPath, describeCall, SNIPPET_CALLS, SNIPPET_ENV, type SnippetCall, type SnippetLanguage } from '../core/snippets';

export interface SnippetChoice {
  readonly language: SnippetLanguage;
  readonly call: SnippetCall;
}

type Item = vscode.QuickPickItem & { readonly choice?: SnippetChoice };

/** The picker's sections (a function: the titles are localised when shown, not when the module loads). */
const languages = (): readonly { language: SnippetLanguage; title: string }[] => [
  { language: 'curl', title: vscode.l10n.t('curl (bash, zsh)') },
  { language: 'python', title: vscode.l10n.t('Python SDK (pip install logup)') },
];

/**
 * "Copy as curl / SDK Snippet…": one of the subscription's API calls, as curl or as the Python SDK's call, to the
 * clipboard. The secret key and the access token stay placeholders ($LOGUP_SECRET_KEY, $LOGUP_ACCESS_TOKEN). With
 * `choice` (automation, tests) there is no picker. Returns the text copied.
 */
export async function copySnippet(ctx: Ctx, arg?: SubscriptionArg, choice?: SnippetChoice): Promise<string> {
  const ref = await subscriptionFor(ctx, arg, vscode.l10n.t('Copy a snippet for which subscription?'));
  const gate = ctx.gates.get(ref.idGate);
  if (!gate) throw new Error(vscode.l10n.t('The gate {0} is no longer added in this VS Code. Add it again with "LogUp: Add Gate".', ref.idGate));
  const picked = choice ?? required(await vscode.window.showQuickPick<Item>(
    languages().flatMap(({ language, title }): Item[] => [
      { label: title, kind: vscode.QuickPickItemKind.Separator },
      ...SNIPPET_CALLS.map((call): Item => ({ label: describeCall(call), description: callPath(call, ref.idSubscription), choice: { language, call } })),
    ]),
    { title: vscode.l10n.t('Copy a snippet for {0}', ref.idSubscription), placeHolder: vscode.l10n.t('Which call?'), matchOnDescription: true },
  )).choice;
  if (!picked) throw new vscode.CancellationError();
  // The DB as last read fills the PUT's example; copying never makes a request.
  const text = buildSnippet(picked.language, picked.call, { baseUrl: gate.baseUrl, idGate: gate.idGate, idSubscription: ref.idSubscription, db: ctx.store.current(ref)?.db });
  await vscode.env.clipboard.writeText(text);
  const message = picked.language === 'curl'
    ? vscode.l10n.t('Copied the curl command. Before running it, set {0} (the token call) or {1} (the DB calls) in your shell.', SNIPPET_ENV.secretKey, SNIPPET_ENV.accessToken)
    : vscode.l10n.t('Copied the Python snippet. Before running it, set {0} in your environment.', SNIPPET_ENV.secretKey);
  void vscode.window.showInformationMessage(message);
  return text;
}
