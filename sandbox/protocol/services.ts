/**
 * The four services: how each is recognised, which protocol it speaks, and where its
 * operation schemas come from (the AWS SDK v3 clients' own, e.g. `RunInstances$`).
 */
import * as ec2Sdk from '@aws-sdk/client-ec2';
import * as elbSdk from '@aws-sdk/client-elastic-load-balancing-v2';
import * as iamSdk from '@aws-sdk/client-iam';
import * as ssmSdk from '@aws-sdk/client-ssm';
import { EC2_OPERATIONS } from '../ec2';
import { ELBV2_OPERATIONS } from '../elbv2';
import { IAM_OPERATIONS } from '../iam';
import { SSM_OPERATIONS } from '../ssm';
import type { ServiceId } from '../state/faults';
import type { OperationTable } from './handler';

/** How a service puts requests and responses on the wire. */
export type WireProtocol = 'ec2' | 'query' | 'json';

/** One emulated service. */
export interface ServiceSpec {
  id: ServiceId;
  protocol: WireProtocol;
  /** API version sent as `Version=` by Query clients. */
  version?: string;
  xmlNamespace?: string;
  operations: OperationTable;
  sdk: Record<string, unknown>;
}

export const SERVICES: Readonly<Record<ServiceId, ServiceSpec>> = {
  ec2: {
    id: 'ec2',
    protocol: 'ec2',
    version: '2016-11-15',
    xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
    operations: EC2_OPERATIONS,
    sdk: ec2Sdk as unknown as Record<string, unknown>,
  },
  elasticloadbalancing: {
    id: 'elasticloadbalancing',
    protocol: 'query',
    version: '2015-12-01',
    xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
    operations: ELBV2_OPERATIONS,
    sdk: elbSdk as unknown as Record<string, unknown>,
  },
  ssm: {
    id: 'ssm',
    protocol: 'json',
    operations: SSM_OPERATIONS,
    sdk: ssmSdk as unknown as Record<string, unknown>,
  },
  // Global: any configured region's signature is accepted (see sandbox.ts).
  iam: {
    id: 'iam',
    protocol: 'query',
    version: '2010-05-08',
    xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    operations: IAM_OPERATIONS,
    sdk: iamSdk as unknown as Record<string, unknown>,
  },
};

/** An operation schema as the SDK exports it: `[9, namespace, name, traits, input, output]`. */
type OperationSchemaTuple = [9, string, string, unknown, unknown, unknown];

/** The input and output schemas of an operation, from the SDK client. */
export function operationSchemas(service: ServiceSpec, action: string): { input: unknown; output: unknown } | undefined {
  const schema = service.sdk[`${action}$`];
  if (!Array.isArray(schema) || schema[0] !== 9) return undefined;
  const [, , , , input, output] = schema as OperationSchemaTuple;
  return { input, output };
}
