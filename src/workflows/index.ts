/**
 * Every workflow the worker registers. Deterministic code only below this folder: the procedures
 * here, the named steps they are made of in `steps/`, and the frame every procedure runs in
 * (progress, undo steps, the toolset) in `deploy-run/`.
 */
export { fullyImmutableDeploy } from './fully-immutable-deploy';
export { partiallyImmutableDeploy } from './partially-immutable-deploy';
export { mutableDeploy } from './mutable-deploy';
export { rollingSync } from './rolling-sync';
export { nightlyBake } from './nightly-bake';
export { reaper } from './reaper';
export { housekeeping } from './housekeeping';
