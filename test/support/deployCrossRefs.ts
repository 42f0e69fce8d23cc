// What a schema cannot see in deploy/: probes on paths and ports the processes serve, Services and autoscalers aimed at workloads that exist, variables the code reads.
import { commandIssues, roleOf, unreadEnvIssues, type DeployFacts } from './deployFacts.js';
import { describeObject, type ManifestObject } from './kubernetesSchemas.js';

/* Loose views of the parsed YAML: the schema check has already said whether each field is well typed. */
interface Port {
  name?: string;
  containerPort?: number;
}
interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface EnvVar {
  name: string;
  value?: string;
}
interface EnvFrom {
  configMapRef?: { name: string };
  secretRef?: { name: string };
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: Port[];
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, unknown> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: Container[]; volumes?: { name: string; secret?: { secretName?: string }; configMap?: { name?: string } }[] };
}
type Obj = Record<string, unknown> & { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown>; data?: Record<string, string>; stringData?: Record<string, string> };

const nameOf = (o: Obj): string => o.metadata?.name ?? '';
const ofKind = (objects: readonly ManifestObject[], kind: string): ManifestObject[] => objects.filter((m) => m.object['kind'] === kind);
const templateOf = (m: ManifestObject): PodTemplate | undefined => (m.object as Obj).spec?.['template'] as PodTemplate | undefined;
const workloads = (objects: readonly ManifestObject[]): ManifestObject[] => objects.filter((m) => m.object['kind'] === 'Deployment' || m.object['kind'] === 'StatefulSet');
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** A probe's or Service's port, by name or number, among the container's ports. */
const findPort = (ports: readonly Port[], port: string | number | undefined): Port | undefined =>
  ports.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));

/** The variables a container gets: its env, and every key of the ConfigMaps and Secrets it takes whole. */
function environment(container: Container, objects: readonly ManifestObject[], where: string, issues: string[]): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const from of container.envFrom ?? []) {
    const [kind, ref] = from.configMapRef !== undefined ? ['ConfigMap', from.configMapRef] : ['Secret', from.secretRef];
    const source = ofKind(objects, kind!).find((m) => nameOf(m.object as Obj) === ref?.name)?.object as Obj | undefined;
    if (source === undefined) {
      issues.push(`${where}: envFrom names ${kind} ${ref?.name}, which is not in the set`);
      continue;
    }
    for (const [k, v] of Object.entries({ ...source.data, ...source.stringData })) env.set(k, v);
  }
  for (const e of container.env ?? []) env.set(e.name, e.value);
  return env;
}

/** Variables naming a file the process opens at start (TLS and NATS credentials): it must be in the Secret mounted there. */
const fileVariables = ['LUCENT_NATS_CREDS', 'LUCENT_NATS_NKEY_SEED', 'LUCENT_NATS_TLS_CA', 'LUCENT_NATS_TLS_CERT', 'LUCENT_NATS_TLS_KEY'];

/**
 * Each such file, for each pod the workload starts with (`$(POD_NAME)` is `<name>-<i>` in a
 * StatefulSet), is a key of the Secret whose volume is mounted at the file's folder.
 */
function mountedFileIssues(where: string, w: ManifestObject, c: Container, env: Map<string, string | undefined>, objects: readonly ManifestObject[]): string[] {
  const issues: string[] = [];
  const spec = (w.object as Obj).spec ?? {};
  const podNames = w.object['kind'] === 'StatefulSet' ? Array.from({ length: Number(spec['replicas'] ?? 1) }, (_, i) => `${nameOf(w.object as Obj)}-${i}`) : ['POD'];
  for (const variable of fileVariables) {
    const value = env.get(variable);
    if (value === undefined) continue;
    const mount = (c.volumeMounts ?? []).find((m) => value.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
    const volume = templateOf(w)?.spec?.volumes?.find((v) => v.name === mount?.name);
    const secret = ofKind(objects, 'Secret').find((s) => nameOf(s.object as Obj) === volume?.secret?.secretName)?.object as Obj | undefined;
    if (mount === undefined || secret === undefined) {
      issues.push(`${where}: ${variable}=${value} is not in a Secret mounted in the container`);
      continue;
    }
    const keys = new Set(Object.keys({ ...secret.data, ...secret.stringData }));
    for (const pod of podNames) {
      const key = value.slice(mount.mountPath.replace(/\/$/, '').length + 1).replaceAll('$(POD_NAME)', pod);
      if (!keys.has(key)) issues.push(`${where}: ${variable} names ${key}${podNames.length > 1 ? ` for pod ${pod}` : ''}, which Secret ${nameOf(secret)} does not hold`);
    }
  }
  return issues;
}

/** Cross-references among the Kubernetes objects, and from them to the code they run. */
export function kubernetesIssues(objects: readonly ManifestObject[], facts: DeployFacts, lucentImage: string): string[] {
  const issues: string[] = [];
  const namespaces = new Set(ofKind(objects, 'Namespace').map((m) => nameOf(m.object as Obj)));
  for (const m of objects) {
    const ns = (m.object as Obj).metadata?.namespace;
    if (m.object['kind'] !== 'Namespace' && (ns === undefined || !namespaces.has(ns))) issues.push(`${describeObject(m)}: namespace ${ns} is not a Namespace of the set`);
  }
  for (const w of workloads(objects)) {
    const template = templateOf(w);
    const selector = ((w.object as Obj).spec?.['selector'] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
    if (!matches(selector, template?.metadata?.labels)) issues.push(`${describeObject(w)}: its selector does not match its pod template's labels`);
    for (const volume of template?.spec?.volumes ?? []) {
      const secret = volume.secret?.secretName;
      if (secret !== undefined && !ofKind(objects, 'Secret').some((s) => nameOf(s.object as Obj) === secret)) issues.push(`${describeObject(w)}: volume ${volume.name} names Secret ${secret}, which is not in the set`);
    }
    for (const c of template?.spec?.containers ?? []) {
      const where = `${describeObject(w)} container ${c.name}`;
      const env = environment(c, objects, where, issues);
      issues.push(...mountedFileIssues(where, w, c, env, objects));
      const command = [...(c.command ?? []), ...(c.args ?? [])];
      for (const ref of command.flatMap((a) => [...a.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((x) => x[1]!))) {
        if (!env.has(ref)) issues.push(`${where}: its command refers to $(${ref}), which its environment does not define`);
      }
      const role = roleOf(command);
      if (role === undefined) {
        if (c.image === lucentImage) issues.push(`${where}: runs ${command.join(' ') || "the image's default command"}, which is neither the gateway nor a shard`, ...commandIssues(where, command, facts));
        continue;
      }
      if (c.image !== lucentImage) issues.push(`${where}: image ${c.image} is not the one deploy/compose.yaml builds (${lucentImage})`);
      issues.push(...commandIssues(where, command, facts), ...unreadEnvIssues(where, role, env.keys(), command, facts));
      const ports = c.ports ?? [];
      for (const [kind, probe] of [['livenessProbe', c.livenessProbe], ['readinessProbe', c.readinessProbe], ['startupProbe', c.startupProbe]] as const) {
        if (probe === undefined) {
          if (kind !== 'startupProbe') issues.push(`${where}: no ${kind}`);
          continue;
        }
        const path = probe.httpGet?.path;
        if (path === undefined || !facts.paths[role].has(path)) issues.push(`${where}: ${kind} asks ${path ?? '(no httpGet path)'}, which the ${role} does not serve (${[...facts.paths[role]].join(', ')})`);
        if (findPort(ports, probe.httpGet?.port) === undefined) issues.push(`${where}: ${kind} port ${String(probe.httpGet?.port)} is not a port of the container`);
      }
      // The port the process listens on is the one the container declares.
      const listens = role === 'gateway' ? env.get('PORT') : command[command.indexOf('--metrics-port') + 1];
      if (listens === undefined || !ports.some((p) => p.containerPort === Number(listens))) issues.push(`${where}: the ${role} listens on ${listens ?? '(unset)'}, which no containerPort declares`);
      if (role === 'gateway' && env.get('HOST') !== '0.0.0.0') issues.push(`${where}: HOST must be 0.0.0.0, or the gateway answers inside its container only`);
      if (c.resources?.requests?.['cpu'] === undefined) issues.push(`${where}: no cpu request, which a CPU autoscaler needs`);
    }
  }
  for (const s of ofKind(objects, 'Service')) {
    const spec = (s.object as Obj).spec as { selector?: Record<string, string>; ports?: { targetPort?: string | number; port: number }[] };
    const targets = workloads(objects).filter((w) => matches(spec.selector, templateOf(w)?.metadata?.labels));
    if (targets.length === 0) issues.push(`${describeObject(s)}: its selector matches no workload of the set`);
    for (const port of spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      for (const w of targets) {
        if (!(templateOf(w)?.spec?.containers ?? []).some((c) => findPort(c.ports ?? [], target) !== undefined)) issues.push(`${describeObject(s)}: targetPort ${target} is not a container port of ${describeObject(w)}`);
      }
    }
  }
  for (const h of ofKind(objects, 'HorizontalPodAutoscaler')) {
    const spec = (h.object as Obj).spec as { scaleTargetRef?: { kind?: string; name?: string }; metrics?: { type: string; resource?: { name: string } }[] };
    const ref = spec.scaleTargetRef;
    if (!objects.some((m) => m.object['kind'] === ref?.kind && nameOf(m.object as Obj) === ref?.name)) issues.push(`${describeObject(h)}: scaleTargetRef ${ref?.kind} ${ref?.name} is not in the set`);
    if (!(spec.metrics ?? []).some((x) => x.type === 'Resource' && x.resource?.name === 'cpu')) issues.push(`${describeObject(h)}: does not scale on CPU`);
  }
  for (const p of ofKind(objects, 'PodDisruptionBudget')) {
    const selector = ((p.object as Obj).spec?.['selector'] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
    if (!workloads(objects).some((w) => matches(selector, templateOf(w)?.metadata?.labels))) issues.push(`${describeObject(p)}: its selector matches no workload of the set`);
  }
  return issues;
}

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  healthcheck?: { test?: string[] };
}

/** The image's default command, from the Dockerfile's last CMD (exec form). */
export function imageCommand(dockerfile: string): string[] {
  const cmd = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].at(-1)?.[1];
  return cmd === undefined ? [] : (JSON.parse(cmd) as string[]);
}

/** Cross-references in deploy/compose.yaml: services it depends on, and, for Lucent's, what they run, read and probe. */
export function composeIssues(doc: { services?: Record<string, ComposeService> }, facts: DeployFacts): string[] {
  const issues: string[] = [];
  const services = doc.services ?? {};
  for (const [name, s] of Object.entries(services)) {
    const where = `deploy/compose.yaml service ${name}`;
    for (const dep of Object.keys(s.depends_on ?? {})) {
      if (!(dep in services)) issues.push(`${where}: depends on ${dep}, which is not a service`);
    }
    if (s.build !== undefined && s.build.dockerfile !== 'deploy/Dockerfile') issues.push(`${where}: builds ${s.build.dockerfile}, not deploy/Dockerfile`);
    const command = s.command ?? (s.build === undefined ? [] : imageCommand(facts.dockerfile));
    const role = roleOf(command);
    if (role === undefined) {
      if (s.build !== undefined) issues.push(`${where}: runs ${command.join(' ')}, which is neither the gateway nor a shard`, ...commandIssues(where, command, facts));
      continue;
    }
    issues.push(...commandIssues(where, command, facts), ...unreadEnvIssues(where, role, Object.keys(s.environment ?? {}), command, facts));
    const probe = (s.healthcheck?.test ?? []).join(' ');
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[^'"\s)]*)/.exec(probe);
    const port = role === 'gateway' ? s.environment?.['PORT'] : command[command.indexOf('--metrics-port') + 1];
    if (url === null) issues.push(`${where}: no healthcheck on the ${role}'s health endpoint`);
    else {
      if (!facts.paths[role].has(url[2]!)) issues.push(`${where}: healthcheck asks ${url[2]}, which the ${role} does not serve`);
      if (url[1] !== port) issues.push(`${where}: healthcheck asks port ${url[1]}, but the ${role} listens on ${port}`);
    }
  }
  return issues;
}
