import { buildBakeRequest, buildDeployRequest } from '../../src/cli/input/deploy-request-builder';
import { runMetadata, runSummary, triggerOf } from '../../src/cli/run-metadata';
import { VALID_SPEC } from './run-cli';

/** What the Web UI says about a run before it has done anything: its static summary and details. */
describe('the Web UI summary and details of a run', () => {
  const presigned = 'https://artifacts.example.com/shop/1.4.2.tar.gz?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=deadbeef';
  const deploy = buildDeployRequest({ procedure: 'immutable', spec: VALID_SPEC, env: 'prod', version: '1.4.2', artifact: presigned, sha256: 'a'.repeat(64) });

  it('summarises a deploy in one line of at most 200 bytes', () => {
    expect(runSummary(deploy)).toBe('immutable cli-test-app 1.4.2 → prod');
    const long = { ...deploy, version: 'v'.repeat(64), env: 'e'.repeat(31), spec: { ...deploy.spec, app: 'a'.repeat(40) } };
    expect(Buffer.byteLength(runSummary({ ...long, procedure: 'partial', version: `${'é'.repeat(90)}` }))).toBeLessThanOrEqual(200);
  });

  it('details the request in Markdown, the artifact redacted: never its query string or user info', () => {
    const { staticDetails } = runMetadata(deploy, { text: 'alice@laptop' });
    expect(staticDetails).toContain('| regions | us-east-1 (bake), us-west-2 |');
    expect(staticDetails).toContain('| artifact | `https://artifacts.example.com/shop/1.4.2.tar.gz?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED` |');
    expect(staticDetails).toContain(`| artifact sha256 | \`${'a'.repeat(64)}\` |`);
    expect(staticDetails).toMatch(/\| spec digest \| `sha256:[0-9a-f]{64}` \|/);
    expect(staticDetails).toContain('| triggered by | alice@laptop |');
    expect(staticDetails).not.toMatch(/AKIAEXAMPLE|deadbeef/);
    const withUser = runMetadata({ ...deploy, artifact: { url: 'https://bob:hunter2@artifacts.example.com/a.tar.gz' } }, { text: 'x' }).staticDetails;
    expect(withUser).toContain('`https://REDACTED@artifacts.example.com/a.tar.gz`');
    expect(withUser).not.toContain('hunter2');
  });

  it('names the CI run that triggered it, else the OS user', () => {
    const ci = triggerOf({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '99' });
    expect(ci).toEqual({ text: 'GitHub Actions run 99 of acme/shop', url: 'https://github.com/acme/shop/actions/runs/99' });
    expect(runMetadata(deploy, ci).staticDetails).toContain('| triggered by | [GitHub Actions run 99 of acme/shop](https://github.com/acme/shop/actions/runs/99) |');
    expect(triggerOf({}).text).toMatch(/^\S+@\S+$/);
  });

  it('says a bake of the live release bakes whatever is live, and which schedule runs it', () => {
    const { request } = buildBakeRequest({ spec: VALID_SPEC, env: 'prod', artifact: 's3://releases/shop/{version}.tar.gz', schedule: '0 3 * * *' });
    expect(request).toMatchObject({ version: 'live', liveRelease: { artifactTemplateUrl: 's3://releases/shop/{version}.tar.gz' }, artifact: { sha256Sidecar: true } });
    const { staticSummary, staticDetails } = runMetadata(request, { text: 'alice@laptop' }, { scheduleId: 'nightly-bake/cli-test-app/prod', cron: '0 3 * * *', timezone: 'UTC' });
    expect(staticSummary).toBe('bake cli-test-app (live release) → prod');
    expect(staticDetails).toContain('| version | the release live in prod when the bake runs');
    expect(staticDetails).toContain('| artifact sha256 | the `.sha256` published beside the artifact |');
    expect(staticDetails).toContain('| schedule | `nightly-bake/cli-test-app/prod`: `0 3 * * *` (UTC) |');
    expect(staticDetails).toContain('| schedule set up by | alice@laptop |');
  });
});
