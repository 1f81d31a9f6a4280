/**
 * The contracts between workflows and activities: tag keys and ownership, instance and fleet
 * types, every activity's input and output, image naming, the deploy request and workflow ids,
 * search attributes. Free of Node and the AWS SDK, so workflow code imports it (and nothing from
 * an activity's implementation); activities, the CLI and the harness import it too.
 */
export * from './activity-types';
export * from './approval';
export * from './deploy-request';
export * from './fleet';
export * from './image-catalog';
export * from './image-naming';
export * from './notifications';
export * from './redact';
export * from './retry-policy';
export * from './search-attributes';
export * from './tags';
export * from './user-metadata';
export type { DeploySpec, HealthCheck, ServiceSettings } from '../request/schema';
export { planBatches, type BatchPlan, type CountOrPercent } from '../request/rollout';
