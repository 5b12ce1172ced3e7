/** Builds one organisation's deployment for assertions, without bundling (no esbuild run per test). */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createDeployment, type Deployment } from '../../infra/app';
import { DEFAULT_CONFIG_FILE, loadOrganisationConfig, type OrganisationConfig } from '../../infra/config';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The committed demo organisation, as raw JSON. */
export function demoSettings(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(PROJECT_ROOT, DEFAULT_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
}

/** The demo organisation with some settings replaced, validated like the CLI does. */
export function configWith(overrides: Record<string, unknown> = {}): OrganisationConfig {
  return loadOrganisationConfig({ ...demoSettings(), ...overrides });
}

export interface Synthesized extends Deployment {
  app: App;
  dataTemplate: Template;
  apiTemplate: Template;
}

/** The feature flags of cdk.json, which `cdk synth` and `cdk deploy` apply (e.g. minimized IAM policies). */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

export function synth(config: OrganisationConfig, context: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const deployment = createDeployment(app, config);
  return {
    app,
    ...deployment,
    dataTemplate: Template.fromStack(deployment.data),
    apiTemplate: Template.fromStack(deployment.api),
  };
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The resources of one type as `[logicalId, resource]` pairs. */
export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}

/** The only resource of a type; fails when there is not exactly one. */
export function onlyResource(template: Template, type: string): [string, Resource] {
  const found = resourcesOf(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Resource];
}

/**
 * A CloudFormation string value (`Fn::Join` of literals and references) as one string, with each
 * reference written `<LogicalId>` or `<LogicalId.Attribute>`: to parse JSON the template builds.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const o = (value ?? {}) as Record<string, unknown>;
  if (Array.isArray(o['Fn::Join'])) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (typeof o.Ref === 'string') return `<${o.Ref}>`;
  if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  if (o['Fn::ImportValue'] !== undefined) return `<import:${flatten(o['Fn::ImportValue'])}>`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}
