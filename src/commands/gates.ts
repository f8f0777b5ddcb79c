import * as vscode from 'vscode';
import { parseBaseUrl, withoutTrailingSlash } from '../api/baseUrl';
import { COMMANDS, DEFAULT_BASE_URL } from '../constants';
import type { Ctx } from '../ctx';
import { isSafeId } from '../core/dbPath';
import { defaultEnvironment, ENVIRONMENT_INFO, ENVIRONMENTS, isEnvironment, sandboxUrl, type Environment } from '../gates/environment';
import { gateIdProblem, type Gate } from '../gates/gateStore';
import { reviewApplies } from '../review/reviewText';
import { DEMO_GATE } from '../sandbox/demoGate';
import { gateIdOf, pickGate, type GateArg } from './targets';
import { required, withProgress } from './ui';

/** Arguments for automation and tests; a person is asked for whatever is missing. */
export interface AddGateArgs {
  readonly idGate?: string;
  readonly secretKey?: string;
  readonly baseUrl?: string;
  readonly label?: string;
  /** Without it: asked when the URL was asked too, else the URL's default (production, sandbox for this machine). */
  readonly environment?: Environment;
}

/**
 * "LogUp: Add Gate": asks for the gate id, secret key, API URL and environment, checks the credentials with a token
 * request, then saves.
 */
export async function addGate(ctx: Ctx, args: AddGateArgs = {}): Promise<Gate | undefined> {
  const idGate = args.idGate ?? required(await vscode.window.showInputBox({
    title: vscode.l10n.t('Add LogUp Gate ({0}/{1})', 1, 4),
    prompt: vscode.l10n.t('The gate id (idGate) from your LogUp dashboard'),
    placeHolder: 'gate_…',
    ignoreFocusOut: true,
    validateInput: (v) => (isSafeId(v.trim()) ? undefined : vscode.l10n.t('A gate id is made of letters, digits, "_" and "-", e.g. gate_myGate.')),
  })).trim();
  // Before anything is sent: arguments (automation, another extension) skip the prompt's check.
  const idProblem = gateIdProblem(idGate);
  if (idProblem !== undefined) throw new Error(idProblem);
  const secretKey = args.secretKey ?? required(await vscode.window.showInputBox({
    title: vscode.l10n.t('Add LogUp Gate ({0}/{1})', 2, 4),
    prompt: vscode.l10n.t("The secret key of {0}. It is kept in VS Code's secret storage and only sent to the gate's API URL.", idGate),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim().length > 0 ? undefined : vscode.l10n.t('Enter the secret key.')),
  })).trim();
  const baseUrl = args.baseUrl ?? (await askBaseUrl());
  const url = withoutTrailingSlash(parseBaseUrl(baseUrl));
  const environment = args.environment ?? (args.baseUrl === undefined
    ? await pickEnvironment(ctx, vscode.l10n.t('Add LogUp Gate ({0}/{1})', 4, 4), vscode.l10n.t('Which data does {0} hold?', idGate), defaultEnvironment(url))
    : defaultEnvironment(url));

  const client = await ctx.clients.createUnregistered(idGate, url, secretKey);
  try {
    await withProgress(vscode.l10n.t('Checking the credentials of {0}…', idGate), (signal) => client.checkCredentials({ signal }));
  } finally {
    await client.close();
  }
  const replacing = ctx.gates.get(idGate) !== undefined;
  const gate = await ctx.gates.save({ idGate, label: args.label ?? idGate, baseUrl: url, environment }, secretKey);
  ctx.log.info(`Gate ${idGate} ${replacing ? 'updated' : 'added'} (${url}, ${environment})`);
  const saved = replacing
    ? vscode.l10n.t('Gate {0} updated. Verify a token or open a subscription by id to see its users.', idGate)
    : vscode.l10n.t('Gate {0} added. Verify a token or open a subscription by id to see its users.', idGate);
  void vscode.window.showInformationMessage(saved, vscode.l10n.t('Verify Token')).then((choice) => {
    if (choice) void vscode.commands.executeCommand(COMMANDS.verifyToken, { idGate });
  });
  return gate;
}

/** "LogUp: Add Sandbox Gate": the local sandbox's demo gate, whose credentials are public test data. */
export function addSandboxGate(ctx: Ctx): Promise<Gate | undefined> {
  const { url, problem } = sandboxUrl();
  if (problem !== undefined) throw new Error(problem);
  return addGate(ctx, { idGate: DEMO_GATE.idGate, secretKey: DEMO_GATE.secretKey, baseUrl: url, label: DEMO_GATE.idGate, environment: 'sandbox' });
}

/**
 * `npm start` exports LOGUP_SANDBOX_URL: the demo gate is then ready without any typing. Its credentials are the
 * sandbox's public test data, never a real secret; nothing is sent until the user opens something.
 */
export async function ensureSandboxDemoGate(ctx: Ctx): Promise<void> {
  if (!process.env.LOGUP_SANDBOX_URL || ctx.gates.get(DEMO_GATE.idGate)) return;
  const { url, problem } = sandboxUrl();
  if (problem !== undefined) throw new Error(problem);
  const parsed = parseBaseUrl(url);
  await ctx.gates.save({ idGate: DEMO_GATE.idGate, label: DEMO_GATE.idGate, baseUrl: withoutTrailingSlash(parsed), environment: 'sandbox' }, DEMO_GATE.secretKey);
  ctx.log.info(`Sandbox demo gate ready (${parsed.host})`);
}

async function askBaseUrl(): Promise<string> {
  const items: (vscode.QuickPickItem & { url?: string })[] = [
    { label: 'LogUp', description: DEFAULT_BASE_URL, detail: vscode.l10n.t('The LogUp API'), url: DEFAULT_BASE_URL },
    { label: vscode.l10n.t('Local sandbox'), description: sandboxUrl().url, detail: vscode.l10n.t('The LogUp-compatible server of this project ("npm run sandbox")'), url: sandboxUrl().url },
    { label: vscode.l10n.t('Other URL…'), detail: vscode.l10n.t('https:, or http: to this machine (127.0.0.1, localhost)') },
  ];
  const title = vscode.l10n.t('Add LogUp Gate ({0}/{1})', 3, 4);
  const picked = required(await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t("Where is the gate's API?"), ignoreFocusOut: true }));
  if (picked.url) return picked.url;
  return required(await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('The versioned API URL, e.g. {0}', DEFAULT_BASE_URL),
    value: 'https://',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        parseBaseUrl(v.trim());
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
  })).trim();
}

/** "LogUp: Remove Gate": forgets its secret, cached token and opened subscriptions after a confirmation. */
export async function removeGate(ctx: Ctx, arg?: GateArg): Promise<boolean> {
  const gate = await pickGate(ctx, gateIdOf(arg), vscode.l10n.t('Remove which gate?'));
  const opened = ctx.opened.list(gate.idGate).length;
  const detail = opened === 1
    ? vscode.l10n.t("Its secret key is deleted from VS Code's secret storage and 1 opened subscription leaves the view; its write history is deleted. Nothing changes on the LogUp server.")
    : vscode.l10n.t("Its secret key is deleted from VS Code's secret storage and {0} opened subscriptions leave the view; its write history is deleted. Nothing changes on the LogUp server.", opened);
  if (!(await ctx.modal.confirm('removeGate', vscode.l10n.t('Remove gate {0}?', gate.label), detail, vscode.l10n.t('Remove')))) return false;
  // What follows (client, cached DBs, opened subscriptions, context key) is watchGateLifecycle's job.
  await ctx.gates.remove(gate.idGate);
  ctx.log.info(`Gate ${gate.idGate} removed`);
  return true;
}

/**
 * "LogUp: Set Gate Environment…" (palette, the gate's context menu, the status bar item): production gates are marked
 * everywhere and their writes reviewed first (setting `logup.confirmWrites`).
 */
export async function setGateEnvironment(ctx: Ctx, arg?: GateArg & { environment?: Environment }): Promise<Gate> {
  const gate = await pickGate(ctx, gateIdOf(arg), vscode.l10n.t('Set the environment of which gate?'));
  const given = arg && 'environment' in arg ? arg.environment : undefined;
  if (given !== undefined && !isEnvironment(given)) throw new Error(vscode.l10n.t('"{0}" is not an environment: use {1}.', String(given), ENVIRONMENTS.join(', ')));
  const environment = given ?? (await pickEnvironment(ctx, vscode.l10n.t('Environment of {0}', gate.label), vscode.l10n.t('Which data does {0} hold?', gate.label), gate.environment, true));
  if (environment === gate.environment) return gate;
  const updated = await ctx.gates.setEnvironment(gate.idGate, environment);
  ctx.log.info(`Gate ${gate.idGate}: environment ${gate.environment} → ${environment}`);
  return updated;
}

/** A quick pick of the four environments with `initial` selected, so Enter keeps the default (or the current one). */
async function pickEnvironment(ctx: Ctx, title: string, placeholder: string, initial: Environment, isCurrent = false): Promise<Environment> {
  type Item = vscode.QuickPickItem & { environment: Environment };
  const { confirmWrites } = ctx.settings.current;
  const items: Item[] = ENVIRONMENTS.map((environment) => ({
    label: ENVIRONMENT_INFO[environment].label,
    ...(environment === initial ? { description: isCurrent ? vscode.l10n.t('current') : vscode.l10n.t('suggested for this URL') } : {}),
    detail: reviewApplies(confirmWrites, environment)
      ? vscode.l10n.t('{0}. Each save is reviewed before it is sent.', ENVIRONMENT_INFO[environment].detail)
      : vscode.l10n.t({ message: '{0}.', args: [ENVIRONMENT_INFO[environment].detail], comment: ['An environment\'s description as a sentence, e.g. "Your real users\' data."'] }),
    environment,
  }));
  const quickPick = vscode.window.createQuickPick<Item>();
  quickPick.title = title;
  quickPick.placeholder = placeholder;
  quickPick.ignoreFocusOut = true;
  quickPick.items = items;
  quickPick.activeItems = items.filter((i) => i.environment === initial);
  try {
    const picked = await new Promise<Item | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0] ?? quickPick.activeItems[0]));
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.show();
    });
    return required(picked).environment;
  } finally {
    quickPick.dispose();
  }
}
