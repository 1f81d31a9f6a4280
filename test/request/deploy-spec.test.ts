import { join } from 'node:path';
import { InvalidInputError, loadDeploySpec, parseDeploySpec } from '../../src/request/load';
import { DeployArgumentsSchema } from '../../src/request/arguments';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'deploy-spec.sandbox.yaml');

function problemsOf(raw: unknown): string[] {
  try {
    parseDeploySpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the spec to be invalid');
}

describe('the deploy spec', () => {
  const valid = () => JSON.parse(JSON.stringify(loadDeploySpec(EXAMPLE)));

  it('loads the example spec and applies defaults', () => {
    const spec = loadDeploySpec(EXAMPLE);
    expect(spec.app).toBe('example-app');
    expect(spec.regions).toEqual(['us-east-1', 'us-west-2']);
    expect(spec.service.healthCheck.requireVersion).toBe(true);
    expect(spec.bake.keepBuilderOnFailure).toBe(false);
    expect(spec.timeouts.heartbeat).toBe(10);
  });

  it('fills every default for a minimal spec', () => {
    const spec = parseDeploySpec({
      app: 'shop',
      regions: ['eu-west-1'],
      baseImage: 'ami-0123456789abcdef0',
      instanceType: 't3.small',
      regionSettings: {
        'eu-west-1': {
          subnetIds: ['subnet-0123456789abcdef0'],
          securityGroupIds: ['sg-0123456789abcdef0'],
          targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/0123456789abcdef',
          desiredCount: 3,
        },
      },
      service: { installDir: '/opt/shop', start: 'systemctl start shop', stop: 'systemctl stop shop' },
    });
    expect(spec.service.healthCheck).toEqual({ port: 8080, path: '/health', expectedStatus: 200, requireVersion: true, timeoutSeconds: 60 });
    expect(spec.timeouts.imageAvailable).toBe(3600);
    expect(spec.bake.packages).toEqual([]);
    expect(spec.postDeploy).toEqual([]);
  });

  it('reports every problem at once, each with its path', () => {
    const raw = valid();
    raw.app = 'Bad_Name';
    raw.regions = ['us-east-1', 'us-eest-1'];
    raw.baseImage = 'ubuntu';
    raw.regionSettings['us-east-1'].subnetIds = ['net-1'];
    raw.regionSettings['us-east-1'].desiredCount = 0;
    raw.service.installDir = 'relative/dir';
    raw.timeouts.imageAvailable = -5;
    const problems = problemsOf(raw);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^app: "Bad_Name" is not a safe app name/),
        'regions[1]: "us-eest-1" is not a region name (e.g. us-east-1)',
        expect.stringMatching(/^baseImage: "ubuntu" is neither an AMI id/),
        expect.stringMatching(/^regionSettings\.us-east-1\.subnetIds\[0\]: "net-1" is not a subnet id/),
        expect.stringMatching(/^regionSettings\.us-east-1\.desiredCount: /),
        expect.stringMatching(/^service\.installDir: "relative\/dir" is not an absolute path/),
        expect.stringMatching(/^timeouts\.imageAvailable: /),
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(7);
  });

  it('requires settings for every region and no settings for unlisted ones', () => {
    const raw = valid();
    raw.regions = ['us-east-1', 'eu-west-1'];
    const problems = problemsOf(raw);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^regionSettings: has no entry for "eu-west-1"/),
        expect.stringMatching(/^regionSettings\.us-west-2: "us-west-2" is not in regions/),
      ]),
    );
  });

  it('rejects unknown keys, so a typo is not silently ignored', () => {
    const raw = valid();
    raw.servce = raw.service;
    expect(problemsOf(raw).join('\n')).toMatch(/servce/);
  });

  it('refuses an install dir with . or .. segments, a system directory, or a path inside /proc, /sys or /dev', () => {
    const installDirProblems = (installDir: string) => {
      const raw = valid();
      raw.service.installDir = installDir;
      return problemsOf(raw);
    };
    expect(installDirProblems('/opt/../etc')).toEqual([expect.stringMatching(/^service\.installDir: "\/opt\/\.\.\/etc" has a "\.\." segment: write the directory it means/)]);
    expect(installDirProblems('/opt/./app')).toEqual([expect.stringMatching(/has a "\." segment/)]);
    for (const system of ['/', '/usr', '/etc', '/bin', '/var/lib', '/usr/local/bin', '/usr/']) {
      expect(installDirProblems(system)).toEqual([expect.stringMatching(/^service\.installDir: ".*" is a system directory: releases\/, current and shared\/ need a directory of their own/)]);
    }
    expect(installDirProblems('/proc/self/app')).toEqual([expect.stringMatching(/is inside \/proc/)]);
    expect(installDirProblems('/opt//app/')).toEqual([expect.stringMatching(/has an empty segment .*write it as "\/opt\/app"/)]);
    for (const fine of ['/opt/shop', '/srv/shop', '/var/lib/shop', '/usr/local/shop', '/home/app/shop', '/opt/my.app-2']) {
      const raw = valid();
      raw.service.installDir = fine;
      expect(parseDeploySpec(raw).service.installDir).toBe(fine);
    }
  });

  it('reports a missing or unparsable file without throwing anything else', () => {
    expect(() => loadDeploySpec('/nonexistent/spec.yaml')).toThrow(/cannot be read/);
  });
});

describe('deploy arguments', () => {
  it('accepts the usual forms', () => {
    for (const artifactUrl of ['s3://bucket/app/1.0.0.tar.gz', 'https://example.com/a.tgz', 'file:///tmp/a.tar.gz']) {
      expect(DeployArgumentsSchema.safeParse({ env: 'prod', version: '1.0.0+build.7', artifactUrl }).success).toBe(true);
    }
  });

  it('names the field and the value of each problem', () => {
    const result = DeployArgumentsSchema.safeParse({ env: 'Prod', version: '1 0', artifactUrl: 'ftp://x', sha256: 'abc' });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^env: "Prod" is not an environment name/),
      expect.stringMatching(/^version: "1 0" is not a version/),
      expect.stringMatching(/^artifactUrl: "ftp:\/\/x" is not an artifact URL/),
      expect.stringMatching(/^sha256: "abc" is not a sha256/),
    ]);
  });
});
