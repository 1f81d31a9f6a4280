/** Every workflow the worker registers. Deterministic code only below this folder. */
export { fullyImmutableDeploy } from './fully-immutable-deploy';
