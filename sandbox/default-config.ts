/**
 * The default sandbox world: one account, three regions, a base image, a load balancer and a
 * target group per region, and an instance profile that allows SSM. The constants are exported
 * so the example deploy spec and the tests name the same ids the sandbox serves (they are also
 * printed by `GET /_sandbox/resources`).
 */
import type { SandboxConfigInput } from './config/schema';

/** The account every resource belongs to. */
export const SANDBOX_ACCOUNT_ID = '000000000000';

/** Regions served by default; the first is the "home" region of the CLI's printed environment. */
export const SANDBOX_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'] as const;
export type SandboxRegion = (typeof SANDBOX_REGIONS)[number];

/** Owner of the preloaded base images (Amazon's real AL2023 owner id; alias `amazon`). */
export const AMAZON_OWNER_ID = '137112412989';

/** Name of the preloaded base image (the same in every region, as AWS's AL2023 images are). */
export const BASE_IMAGE_NAME = 'al2023-ami-2023.6.20261101.0-kernel-6.1-x86_64';

/** The SSM public parameter that resolves to the base image id in each region. */
export const BASE_IMAGE_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** The base image id per region (deterministic). */
export const BASE_IMAGE_IDS: Readonly<Record<SandboxRegion, string>> = {
  'us-east-1': 'ami-0a1b2c3d4e5f00001',
  'us-west-2': 'ami-0a1b2c3d4e5f00002',
  'eu-west-1': 'ami-0a1b2c3d4e5f00003',
};

/** The VPC per region. */
export const VPC_IDS: Readonly<Record<SandboxRegion, string>> = {
  'us-east-1': 'vpc-8ee3f8b9d3668bfdc',
  'us-west-2': 'vpc-07e4eae7b38c504e8',
  'eu-west-1': 'vpc-92ffcae71bceace21',
};

/** Two subnets per region (zones `a` and `b`); the first is where RunInstances launches by default. */
export const SUBNET_IDS: Readonly<Record<SandboxRegion, readonly [string, string]>> = {
  'us-east-1': ['subnet-969f3cea1bc8cd414', 'subnet-71ea8a8ef066db84c'],
  'us-west-2': ['subnet-46b3567c8ff162e89', 'subnet-5b53f5a63556474cf'],
  'eu-west-1': ['subnet-d061731be925e2063', 'subnet-0a76e568f957b8725'],
};

/** One security group per region, named `example-web`. */
export const SECURITY_GROUP_IDS: Readonly<Record<SandboxRegion, string>> = {
  'us-east-1': 'sg-a433d6ddafdc94c98',
  'us-west-2': 'sg-b09c3e0685f65ff8f',
  'eu-west-1': 'sg-542349148bd2466a1',
};

/** The example target group: name, traffic port and health check. */
export const EXAMPLE_TARGET_GROUP_NAME = 'example-web';
export const EXAMPLE_TARGET_GROUP_PORT = 8080;
export const EXAMPLE_HEALTH_CHECK_PATH = '/health';

/** The example target group's ARN per region (deterministic). */
export const EXAMPLE_TARGET_GROUP_ARNS: Readonly<Record<SandboxRegion, string>> = {
  'us-east-1': `arn:aws:elasticloadbalancing:us-east-1:${SANDBOX_ACCOUNT_ID}:targetgroup/example-web/f085a6108db1ef74`,
  'us-west-2': `arn:aws:elasticloadbalancing:us-west-2:${SANDBOX_ACCOUNT_ID}:targetgroup/example-web/5db6afa984a861b5`,
  'eu-west-1': `arn:aws:elasticloadbalancing:eu-west-1:${SANDBOX_ACCOUNT_ID}:targetgroup/example-web/c74eeb3aa11f6134`,
};

/** The load balancer in front of each example target group. */
export const EXAMPLE_LOAD_BALANCER_ARNS: Readonly<Record<SandboxRegion, string>> = {
  'us-east-1': `arn:aws:elasticloadbalancing:us-east-1:${SANDBOX_ACCOUNT_ID}:loadbalancer/app/example-web/6e85793ccc61fe64`,
  'us-west-2': `arn:aws:elasticloadbalancing:us-west-2:${SANDBOX_ACCOUNT_ID}:loadbalancer/app/example-web/62d8dc0b3a9a3192`,
  'eu-west-1': `arn:aws:elasticloadbalancing:eu-west-1:${SANDBOX_ACCOUNT_ID}:loadbalancer/app/example-web/0d616007bb92a09f`,
};

/** The example load balancer's name (one per region, in front of `example-web`, enabling zones a and b). */
export const EXAMPLE_LOAD_BALANCER_NAME = 'example-web';

/**
 * The instance profile the example spec launches with: its role has AWS's managed policy
 * `AmazonSSMManagedInstanceCore` (so the SSM agent registers) and S3 read access (s3:// artifacts).
 */
export const EXAMPLE_INSTANCE_PROFILE = 'example-app-instance';
/** The example's S3 buckets: release artifacts (`s3://` URLs), and the whole output of every command (`commandOutput`). */
export const EXAMPLE_ARTIFACT_BUCKET = 'example-artifacts';
export const EXAMPLE_COMMAND_OUTPUT_BUCKET = 'example-command-output';

/** The default configuration (profile `fast`); pass overrides to `startSandbox` or a `--config` file. */
export const DEFAULT_SANDBOX_CONFIG: SandboxConfigInput = {
  accountId: SANDBOX_ACCOUNT_ID,
  profile: 'fast',
  timeScale: 1,
  instanceProfiles: [
    { name: EXAMPLE_INSTANCE_PROFILE, roleName: EXAMPLE_INSTANCE_PROFILE, policies: ['AmazonSSMManagedInstanceCore', 'AmazonS3ReadOnlyAccess'] },
  ],
  regions: SANDBOX_REGIONS.map((region) => ({
    name: region,
    vpcId: VPC_IDS[region],
    subnets: [
      { id: SUBNET_IDS[region][0], availabilityZone: `${region}a` },
      { id: SUBNET_IDS[region][1], availabilityZone: `${region}b` },
    ],
    securityGroups: [{ id: SECURITY_GROUP_IDS[region], name: 'example-web' }],
    baseImages: [
      {
        id: BASE_IMAGE_IDS[region],
        name: BASE_IMAGE_NAME,
        description: 'Amazon Linux 2023 AMI 2023.6.20261101.0 x86_64 HVM kernel-6.1 (sandbox stand-in)',
        ssmParameters: [BASE_IMAGE_PARAMETER],
      },
    ],
    loadBalancers: [
      { name: EXAMPLE_LOAD_BALANCER_NAME, arn: EXAMPLE_LOAD_BALANCER_ARNS[region], availabilityZones: [`${region}a`, `${region}b`] },
    ],
    targetGroups: [
      {
        name: EXAMPLE_TARGET_GROUP_NAME,
        arn: EXAMPLE_TARGET_GROUP_ARNS[region],
        loadBalancerArn: EXAMPLE_LOAD_BALANCER_ARNS[region],
        port: EXAMPLE_TARGET_GROUP_PORT,
        healthCheckPath: EXAMPLE_HEALTH_CHECK_PATH,
        healthCheckPort: 'traffic-port' as const,
        matcher: '200',
      },
    ],
  })),
  s3Buckets: [EXAMPLE_ARTIFACT_BUCKET, EXAMPLE_COMMAND_OUTPUT_BUCKET],
};
