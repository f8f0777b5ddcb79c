// Proves the e2e infrastructure: the packaged extension is installed in a real workbench, its activity-bar
// container is there, and the command palette offers "LogUp: Verify Token".
// The user-flow scripts (verify a token, open and save a DB, …) follow this shape: see test/harness/e2eRunner.mjs.

export async function run(ctx) {
  const { page } = ctx;

  await ctx.step('LogUp container in the activity bar', async () => {
    const container = page.locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="LogUp"]') }).first();
    await container.waitFor({ state: 'visible', timeout: 30_000 });
    await container.click();
    // the side bar now shows the LogUp container (titled "LogUp: Subscriptions" while it holds one view)
    await page.locator('.part.sidebar .composite.title', { hasText: /LogUp/ }).waitFor({ state: 'visible', timeout: 15_000 });
  });
  await ctx.screenshot('logup-container');

  await ctx.step('"LogUp: Verify Token" in the command palette', async () => {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.type('LogUp: Verify Token');
    await page
      .locator('.quick-input-list .monaco-list-row .label-name', { hasText: /^\s*LogUp: Verify Token\s*$/ })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
  });
  await ctx.screenshot('palette-verify-token');
  await page.keyboard.press('Escape');
  ctx.log(`workbench up with the packaged extension; sandbox at ${ctx.sandboxUrl}`);
}
