import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_ID_ENV, defaultBuildId, DEPLOYMENT_NAME_ENV, pinnedDeploymentOptions, workerVersionFromEnv } from '../src/worker-versioning';

describe('the worker version from the environment', () => {
  let dir: string;
  let bundle: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hd-version-'));
    bundle = join(dir, 'bundle.js');
    writeFileSync(bundle, 'workflow code v1');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is unversioned when no deployment name is set', () => {
    expect(workerVersionFromEnv({}, bundle)).toBeUndefined();
    expect(workerVersionFromEnv({ [DEPLOYMENT_NAME_ENV]: '' }, bundle)).toBeUndefined();
  });

  it('derives the build id from the package version and the bundle, so different workflow code gets a different build', () => {
    const v1 = workerVersionFromEnv({ [DEPLOYMENT_NAME_ENV]: 'hybrid-deploy' }, bundle);
    expect(v1).toEqual({ deploymentName: 'hybrid-deploy', buildId: defaultBuildId(bundle) });
    expect(v1?.buildId).toMatch(/^0\.1\.0-[0-9a-f]{12}$/);
    const other = join(dir, 'other.js');
    writeFileSync(other, 'workflow code v2');
    expect(defaultBuildId(other)).not.toBe(v1?.buildId);
    expect(defaultBuildId(bundle, '9.9.9')).toMatch(/^9\.9\.9-/);
  });

  it('takes an explicit build id (e.g. the commit) over the derived one', () => {
    expect(workerVersionFromEnv({ [DEPLOYMENT_NAME_ENV]: 'hybrid-deploy', [BUILD_ID_ENV]: 'git-4f2a9c1' }, undefined)).toEqual({ deploymentName: 'hybrid-deploy', buildId: 'git-4f2a9c1' });
  });

  it('names the variable and the fix for every bad setting', () => {
    expect(() => workerVersionFromEnv({ [BUILD_ID_ENV]: 'b1' }, bundle)).toThrow(`${BUILD_ID_ENV}: is set but ${DEPLOYMENT_NAME_ENV} is not`);
    expect(() => workerVersionFromEnv({ [DEPLOYMENT_NAME_ENV]: 'hd' }, join(dir, 'missing.js'))).toThrow(`${BUILD_ID_ENV}: is unset and there is no prebuilt workflow bundle`);
    expect(() => workerVersionFromEnv({ [DEPLOYMENT_NAME_ENV]: 'shop.prod', [BUILD_ID_ENV]: '__b' }, bundle)).toThrow(
      new RegExp(`${DEPLOYMENT_NAME_ENV}: "shop.prod" contains "\\." or ":".*\\n.*${BUILD_ID_ENV}: "__b" starts with "__"`),
    );
    expect(() => workerVersionFromEnv({ [DEPLOYMENT_NAME_ENV]: 'x'.repeat(101), [BUILD_ID_ENV]: 'b' }, bundle)).toThrow('is 101 characters long (at most 100)');
  });

  it('pins every workflow of a versioned worker', () => {
    expect(pinnedDeploymentOptions({ deploymentName: 'hd', buildId: 'b1' })).toEqual({
      useWorkerVersioning: true,
      version: { deploymentName: 'hd', buildId: 'b1' },
      defaultVersioningBehavior: 'PINNED',
    });
  });
});
