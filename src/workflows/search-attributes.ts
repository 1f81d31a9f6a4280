import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes every deploy workflow upserts, so deploys can be listed and
 * filtered in the Web UI (`DeployApp = "shop" AND DeployPhase = "baking"`). The dev server, the
 * compose file and any Temporal Cloud namespace must register them (all Keyword).
 */
export const DeployApp = defineSearchAttributeKey('DeployApp', SearchAttributeType.KEYWORD);
export const DeployEnv = defineSearchAttributeKey('DeployEnv', SearchAttributeType.KEYWORD);
export const DeployProcedure = defineSearchAttributeKey('DeployProcedure', SearchAttributeType.KEYWORD);
export const DeployVersion = defineSearchAttributeKey('DeployVersion', SearchAttributeType.KEYWORD);
export const DeployPhase = defineSearchAttributeKey('DeployPhase', SearchAttributeType.KEYWORD);

/** All of them, for registration. */
export const DEPLOY_SEARCH_ATTRIBUTES = [DeployApp, DeployEnv, DeployProcedure, DeployVersion, DeployPhase] as const;
