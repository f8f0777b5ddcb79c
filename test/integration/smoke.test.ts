// The first thing to hold in a real editor: our extension is loaded, activates, and its commands exist.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';

interface ContributedCommand {
  command: string;
}

function ourExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded in this extension host`);
  return extension;
}

suite('smoke', () => {
  test('the LogUp extension is present and activates', async () => {
    const extension = ourExtension();
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('"LogUp: Verify Token" is registered as logup.verifyToken', async () => {
    await ourExtension().activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('logup.verifyToken'), 'logup.verifyToken is not registered after activation');
  });

  test('every command the manifest contributes is registered after activation', async () => {
    const extension = ourExtension();
    await extension.activate();
    const contributed = ((extension.packageJSON as { contributes?: { commands?: ContributedCommand[] } }).contributes?.commands ?? []).map(
      (c) => c.command,
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    // a command in the palette that nobody registered fails with "command not found" when a user picks it
    assert.deepEqual(
      contributed.filter((id) => !registered.has(id)),
      [],
    );
  });
});
