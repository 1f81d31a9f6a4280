/**
 * Launch templates, as far as they name an image: CreateLaunchTemplate, DescribeLaunchTemplates,
 * DescribeLaunchTemplateVersions and DeleteLaunchTemplate. Image retention must never deregister
 * an image a launch template names (EC2 Image Builder's lifecycle policies exclude them too).
 */
import type {
  CreateLaunchTemplateRequest,
  CreateLaunchTemplateResult,
  DeleteLaunchTemplateRequest,
  DeleteLaunchTemplateResult,
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplatesResult,
  DescribeLaunchTemplateVersionsRequest,
  DescribeLaunchTemplateVersionsResult,
  LaunchTemplate,
} from '@aws-sdk/client-ec2';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import { paginate } from '../protocol/pagination';
import type { LaunchTemplateRecord } from '../state/launch-templates';
import { newResourceId } from '../state/ids';

const NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

function render(t: LaunchTemplateRecord): LaunchTemplate {
  return {
    LaunchTemplateId: t.id,
    LaunchTemplateName: t.name,
    CreateTime: t.createTime,
    DefaultVersionNumber: t.defaultVersion,
    LatestVersionNumber: Math.max(...t.versions.map((v) => v.versionNumber)),
  };
}

/** A template's name is unique in its region (`InvalidLaunchTemplateName.AlreadyExistsException`). */
export function createLaunchTemplate({ state, region }: OperationContext, input: CreateLaunchTemplateRequest): CreateLaunchTemplateResult {
  const name = required(input.LaunchTemplateName, 'LaunchTemplateName');
  if (!NAME.test(name)) throw new AwsApiError('InvalidLaunchTemplateName.MalformedException', `The launch template name ${name} is not valid.`);
  if (state.launchTemplates.find(region, undefined, name)) {
    throw new AwsApiError('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
  }
  const data = required(input.LaunchTemplateData, 'LaunchTemplateData');
  const now = new Date();
  const template: LaunchTemplateRecord = {
    id: newResourceId('lt'),
    name,
    region,
    createTime: now,
    defaultVersion: 1,
    versions: [{ versionNumber: 1, imageId: data.ImageId, instanceType: data.InstanceType, createTime: now }],
  };
  state.launchTemplates.add(template);
  return { LaunchTemplate: render(template) };
}

export function describeLaunchTemplates({ state, region }: OperationContext, input: DescribeLaunchTemplatesRequest): DescribeLaunchTemplatesResult {
  let templates = state.launchTemplates.listInRegion(region);
  if (input.LaunchTemplateIds?.length) templates = templates.filter((t) => input.LaunchTemplateIds!.includes(t.id));
  if (input.LaunchTemplateNames?.length) templates = templates.filter((t) => input.LaunchTemplateNames!.includes(t.name));
  const { page, nextToken } = paginate(templates, input.MaxResults, input.NextToken);
  return { LaunchTemplates: page.map(render), NextToken: nextToken };
}

/** Every version of one template (by id or name), or the versions asked for (`$Latest`, `$Default`, numbers). */
export function describeLaunchTemplateVersions({ state, region }: OperationContext, input: DescribeLaunchTemplateVersionsRequest): DescribeLaunchTemplateVersionsResult {
  const template = state.launchTemplates.find(region, input.LaunchTemplateId, input.LaunchTemplateName);
  if (!template) throw new AwsApiError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${input.LaunchTemplateId ?? input.LaunchTemplateName}, does not exist.`);
  const latest = Math.max(...template.versions.map((v) => v.versionNumber));
  const wanted = (input.Versions ?? []).map((v) => (v === '$Latest' ? latest : v === '$Default' ? template.defaultVersion : Number(v)));
  const versions = wanted.length ? template.versions.filter((v) => wanted.includes(v.versionNumber)) : template.versions;
  const { page, nextToken } = paginate(versions, input.MaxResults, input.NextToken);
  return {
    LaunchTemplateVersions: page.map((v) => ({
      LaunchTemplateId: template.id,
      LaunchTemplateName: template.name,
      VersionNumber: v.versionNumber,
      CreateTime: v.createTime,
      DefaultVersion: v.versionNumber === template.defaultVersion,
      LaunchTemplateData: { ImageId: v.imageId, InstanceType: v.instanceType as never },
    })),
    NextToken: nextToken,
  };
}

export function deleteLaunchTemplate({ state, region }: OperationContext, input: DeleteLaunchTemplateRequest): DeleteLaunchTemplateResult {
  const template = state.launchTemplates.find(region, input.LaunchTemplateId, input.LaunchTemplateName);
  if (!template) throw new AwsApiError('InvalidLaunchTemplateId.NotFound', `The specified launch template does not exist.`);
  state.launchTemplates.delete(template.id);
  return { LaunchTemplate: render(template) };
}
