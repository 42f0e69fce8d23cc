// Checks Kubernetes objects offline against the API's schemas: kubernetes-models' validators (generated from the Kubernetes OpenAPI) and, for unknown fields, its types.
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** A parsed Kubernetes object and where it came from (a file of several `---` documents). */
export interface ManifestObject {
  readonly file: string;
  readonly index: number;
  readonly object: Record<string, unknown>;
}

export const describeObject = (m: ManifestObject): string => {
  const name = (m.object['metadata'] as { name?: string } | undefined)?.name ?? '?';
  return `${m.file}#${m.index} ${String(m.object['kind'])} ${name}`;
};

const require = createRequire(import.meta.url);

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment` (core `v1` objects live under `v1/`). */
function modelPath(apiVersion: unknown, kind: unknown): string | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z]+$/.test(kind)) return undefined;
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) return undefined;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

function modelClass(apiVersion: unknown, kind: unknown): ModelClass | undefined {
  const modulePath = modelPath(apiVersion, kind);
  if (modulePath === undefined) return undefined;
  try {
    return (require(modulePath) as Record<string, ModelClass | undefined>)[kind as string];
  } catch {
    return undefined;
  }
}

/**
 * The schema check: required fields, types, enums and formats of the object's kind, by the
 * validator kubernetes-models generated from the Kubernetes OpenAPI. An apiVersion/kind it has no
 * schema for is an issue too (a typo there is what a cluster would refuse first).
 */
export function schemaIssues(m: ManifestObject): string[] {
  const Model = modelClass(m.object['apiVersion'], m.object['kind']);
  if (Model === undefined) return [`${describeObject(m)}: no Kubernetes schema for ${String(m.object['apiVersion'])} ${String(m.object['kind'])}`];
  try {
    new Model(m.object).validate();
    return [];
  } catch (error) {
    return [`${describeObject(m)}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * Fields the API does not know. The generated validators accept extra keys (the OpenAPI leaves
 * `additionalProperties` open), but the API server refuses them under strict field validation,
 * kubectl's default, and a misspelt `readinessProbe` would otherwise pass here and silently drop
 * the probe. Each object becomes an object literal typed with its kind's interface from
 * kubernetes-models, and TypeScript's excess-property check names the first unknown field of each
 * nested object (one compile for the whole set, under a second).
 */
export function unknownFieldIssues(objects: readonly ManifestObject[]): string[] {
  const typed = objects.filter((m) => modelClass(m.object['apiVersion'], m.object['kind']) !== undefined);
  const lines: string[] = [];
  const spans: { start: number; end: number; m: ManifestObject }[] = [];
  let text = '';
  typed.forEach((m, i) => {
    lines.push(`import type { I${String(m.object['kind'])} as T${i} } from '${modelPath(m.object['apiVersion'], m.object['kind'])}';`);
  });
  text = `${lines.join('\n')}\n`;
  typed.forEach((m, i) => {
    const declaration = `export const m${i}: T${i} = ${JSON.stringify(m.object, null, 1)};\n`;
    spans.push({ start: text.length, end: text.length + declaration.length, m });
    text += declaration;
  });
  const virtual = path.join(repoRoot, 'test', '__deploy_manifests__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (file, language, ...rest) => (path.resolve(file) === virtual ? ts.createSourceFile(file, text, language) : getSourceFile(file, language, ...rest));
  host.fileExists = (file) => path.resolve(file) === virtual || fileExists(file);
  const program = ts.createProgram([virtual], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const where = d.start === undefined ? undefined : spans.find((s) => d.start! >= s.start && d.start! < s.end);
    return `${where === undefined ? 'manifests' : describeObject(where.m)}: ${message}`;
  });
}
