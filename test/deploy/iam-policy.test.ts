import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SERVICE_OF: Record<string, string> = { 'client-ec2': 'ec2', 'client-ssm': 'ssm', 'client-elastic-load-balancing-v2': 'elasticloadbalancing', 'client-iam': 'iam', 'client-s3': 's3' };
/** S3 operations whose IAM action has another name (S3 user guide, "Actions, resources, and condition keys for Amazon S3"). */
const ACTION_OF: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket', 's3:HeadObject': 's3:GetObject', 's3:HeadBucket': 's3:ListBucket' };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every AWS API action the worker calls: each `XxxCommand` imported from an AWS SDK client under
 * src/, except the CLI's (`hybrid-deploy logs` reads S3 with the operator's own credentials).
 */
function actionsCalled(): string[] {
  const actions = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src')).filter((path) => !path.startsWith(join(ROOT, 'src', 'cli')))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g)) {
      const service = SERVICE_OF[match[2]];
      if (!service) throw new Error(`${file} imports ${match[2]}: add its service to the policy and to this test`);
      for (const name of match[1].split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
        if (/^[A-Z]\w*Command$/.test(name)) {
          const action = `${service}:${name.replace(/Command$/, '')}`;
          actions.add(ACTION_OF[action] ?? action);
        }
      }
    }
  }
  return [...actions].sort();
}

describe('the worker IAM policy (deploy/iam/worker-policy.json)', () => {
  const policy = JSON.parse(readFileSync(join(ROOT, 'deploy', 'iam', 'worker-policy.json'), 'utf8')) as { Statement: { Effect: string; Action: string | string[] }[] };
  const allowed = new Set(policy.Statement.flatMap((s) => (s.Effect === 'Allow' ? [s.Action].flat() : [])));

  it('allows every AWS action the worker calls, and nothing it does not', () => {
    const called = actionsCalled();
    expect(called.length).toBeGreaterThan(10);
    expect(called.filter((a) => !allowed.has(a))).toEqual([]);
    expect([...allowed].filter((a) => !called.includes(a) && a !== 'iam:PassRole').sort()).toEqual([]);
  });

  it('has no wildcard actions', () => {
    expect([...allowed].filter((a) => a.includes('*'))).toEqual([]);
  });
});
