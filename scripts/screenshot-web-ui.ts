import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { startLocalStack } from '../harness/stack/local-stack';
import { buildExampleArtifact, EXAMPLE_SPEC_FILE } from '../examples/example-app';
import { packageRoot } from '../src/package-root';
import { statusQuery } from '../src/workflows/messages';

/**
 * Takes the README's pictures (run it with scripts/screenshot-web-ui.sh, which installs
 * chromium first): a local stack of its own, at AWS's proportions slowed enough to catch a deploy
 * mid-way; an immutable deploy of the example app; the Web UI's page of that deploy once both
 * regions are at work, as docs/web-ui-running-deploy.png (its event history, every step
 * labelled) and docs/web-ui-running-deploy-metadata.png (its summary, details and per-region
 * current details); then, when it has finished, its
 * timeline as docs/deploy-timeline.svg.
 */
const ROOT = packageRoot();
const DOCS = join(ROOT, 'docs');
const CLIENT = join(ROOT, 'dist', 'src', 'client.js');
/** Chromium as this machine runs it headless: no sandbox as root, and no background connections on a closed network. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'hd-screenshot-'));
  const stack = await startLocalStack({ stateDir, profile: 'realistic', timeScale: 0.05 });
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection });
    const { url, sha256 } = buildExampleArtifact('1.4.2', join(stateDir, 'artifacts'));
    const cli = (args: string[]) => spawnSync(process.execPath, [CLIENT, ...args], { env: stack.env, encoding: 'utf8' });
    const started = cli(['deploy', '--procedure', 'immutable', '--spec', EXAMPLE_SPEC_FILE, '--env', 'prod', '--version', '1.4.2', '--artifact', url, '--sha256', sha256, '--json']);
    if (started.status !== 0) throw new Error(`deploy did not start: ${started.stderr}`);
    const { workflowId, runId, uiUrl } = JSON.parse(started.stdout) as { workflowId: string; runId: string; uiUrl: string };
    const handle = client.workflow.getHandle(workflowId, runId);

    // Both regions at work (the copy, or the fleets launching): the page then shows the whole story.
    for (;;) {
      const status = await handle.query(statusQuery).catch(() => undefined);
      if (status && ['copying', 'launching'].includes(status.phase) && Object.keys(status.regions).length === 2) break;
      if ((await handle.describe()).status.name !== 'RUNNING') throw new Error('the deploy ended before it could be pictured');
      await new Promise((r) => setTimeout(r, 500));
    }
    mkdirSync(DOCS, { recursive: true });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
      // The Web UI polls the server all the time: the page is ready once the deploy's summary shows.
      await page.goto(uiUrl, { waitUntil: 'load' });
      await page.getByText('immutable example-app 1.4.2 → prod').first().waitFor({ timeout: 30_000 });
      // Let the current details and the event list settle (they arrive after the summary).
      await page.waitForTimeout(3_000);
      await page.screenshot({ path: join(DOCS, 'web-ui-running-deploy.png') });
      // The summary, the details and the per-region current details, on the User Metadata tab.
      await page.getByRole('tab', { name: /User Metadata/ }).or(page.getByRole('link', { name: /User Metadata/ })).first().click();
      await page.waitForTimeout(3_000);
      await page.waitForTimeout(1_000);
      await page.screenshot({ path: join(DOCS, 'web-ui-running-deploy-metadata.png') });
    } finally {
      await browser.close();
    }
    process.stderr.write(`wrote ${join(DOCS, 'web-ui-running-deploy.png')} and ${join(DOCS, 'web-ui-running-deploy-metadata.png')}\n`);

    await handle.result();
    const report = cli(['report', 'example-app', 'prod', '--run', runId, '--out', join(DOCS, 'deploy-timeline.svg')]);
    if (report.status !== 0) throw new Error(`report failed: ${report.stderr}`);
    process.stderr.write(report.stdout);
  } finally {
    await connection.close();
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
