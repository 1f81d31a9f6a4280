import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

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

/** What the search attributes describe: a deploy (or bake) of an app version to an environment. */
export interface DeploySearchFields {
  app: string;
  env: string;
  procedure: string;
  version: string;
}

/**
 * The search attributes of a deploy in a phase: set at start by the CLI (and a schedule's
 * action), upserted by the workflow as it moves, so the Web UI's list filters on them at once.
 */
export function deploySearchAttributes(fields: DeploySearchFields, phase: string): SearchAttributePair[] {
  return [
    { key: DeployApp, value: fields.app },
    { key: DeployEnv, value: fields.env },
    { key: DeployProcedure, value: fields.procedure },
    { key: DeployVersion, value: fields.version },
    { key: DeployPhase, value: phase },
  ];
}
