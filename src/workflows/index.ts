/** Every workflow the worker registers. Deterministic code only below this folder. */
export { fullyImmutableDeploy } from './fully-immutable-deploy';
export { partiallyImmutableDeploy } from './partially-immutable-deploy';
export { mutableDeploy } from './mutable-deploy';
export { rollingSync } from './rolling-sync';
export { nightlyBake } from './nightly-bake';
export { reaper } from './reaper';
