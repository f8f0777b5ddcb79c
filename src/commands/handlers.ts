import { COMMANDS, type CommandId } from '../constants';
import type { Ctx } from '../ctx';
import { clearHistory, openWriteDiff, showHistory, undoWrite } from './history';
import { copyLink } from './links';
import { copySnippet } from './snippets';
import { exportDb, importDb } from './transfer';
import { applyChange, resumeBatch, undoBatch, undoThisBatch } from './batch';
import { addKey, deleteKey, editValue } from './entries';
import { findSubscription } from './find';
import { saveDb } from './saveDb';
import { addGate, addSandboxGate, removeGate, setGateEnvironment } from './gates';
import {
  copyActorId, copySubscriptionId, openDb, openSubscriptionById, refresh, refreshSubscription, removeSubscription, revertToServer,
} from './subscriptions';
import { verifyToken } from './verifyToken';

// Every command's handler, by command id (registered by src/commands/registry.ts), and the following of a link.
export { followLink } from './links';
export { ensureSandboxDemoGate } from './gates';

export type CommandHandler = (ctx: Ctx, ...args: never[]) => unknown;

export const HANDLERS: Record<CommandId, CommandHandler> = {
  [COMMANDS.addGate]: addGate,
  [COMMANDS.addSandboxGate]: addSandboxGate,
  [COMMANDS.removeGate]: removeGate,
  [COMMANDS.setGateEnvironment]: setGateEnvironment,
  [COMMANDS.verifyToken]: verifyToken,
  [COMMANDS.openSubscriptionById]: openSubscriptionById,
  [COMMANDS.openDb]: openDb,
  [COMMANDS.refresh]: refresh,
  [COMMANDS.refreshSubscription]: refreshSubscription,
  [COMMANDS.copySubscriptionId]: copySubscriptionId,
  [COMMANDS.copyActorId]: copyActorId,
  [COMMANDS.removeSubscription]: removeSubscription,
  [COMMANDS.editValue]: editValue,
  [COMMANDS.addKey]: addKey,
  [COMMANDS.deleteKey]: deleteKey,
  [COMMANDS.revertToServer]: revertToServer,
  [COMMANDS.saveDb]: saveDb,
  [COMMANDS.showLog]: (c: Ctx) => c.log.show(true),
  [COMMANDS.showHistory]: showHistory,
  [COMMANDS.clearHistory]: clearHistory,
  [COMMANDS.undoWrite]: undoWrite,
  [COMMANDS.openWriteDiff]: openWriteDiff,
  [COMMANDS.findSubscription]: findSubscription,
  [COMMANDS.copyLink]: copyLink,
  [COMMANDS.copySnippet]: copySnippet,
  [COMMANDS.exportDb]: exportDb,
  [COMMANDS.importDb]: importDb,
  [COMMANDS.applyChange]: applyChange,
  [COMMANDS.resumeBatch]: resumeBatch,
  [COMMANDS.undoBatch]: undoBatch,
  [COMMANDS.undoThisBatch]: undoThisBatch,
};
