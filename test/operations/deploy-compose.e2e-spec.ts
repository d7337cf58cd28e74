import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { parse } from 'yaml';

import { ENV_NAMES } from '../../src/config/env.schema';
import { REPO_ROOT } from '../support/processes';

/** The parts of a Compose service this test reads. */
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string; required?: boolean }[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface Mount {
  /** Absolute host path, or undefined for a named volume. */
  hostPath?: string;
  source: string;
  target: string;
}

const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
const composeText = readFileSync(join(DEPLOY_DIR, 'compose.yml'), 'utf8');
// Compose resolves YAML merge keys (<<: *anchor), as YAML 1.1 did.
const compose = parse(composeText, { merge: true }) as Compose;
const services = Object.entries(compose.services);
const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

/** Short volume syntax `source:target[:mode]`; a source starting with . or / is a host path, relative to deploy/. */
function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    const [source, target] = volume.split(':');
    const isHostPath = source.startsWith('.') || source.startsWith('/');
    return { source, target, hostPath: isHostPath ? resolve(DEPLOY_DIR, source) : undefined };
  });
}

/** The host file behind a path inside the service's container: a file mount, or a file inside a mounted directory. */
function hostFileFor(service: ComposeService, containerPath: string): string | undefined {
  for (const mount of mountsOf(service)) {
    if (mount.hostPath === undefined) continue;
    if (containerPath === mount.target) return mount.hostPath;
    if (containerPath.startsWith(`${mount.target}/`)) return join(mount.hostPath, containerPath.slice(mount.target.length + 1));
  }
  return undefined;
}

const serviceImage = (service: ComposeService) => service.image === 'haven-backend:local' && service.build !== undefined;
const instances = services.filter(([, service]) => serviceImage(service) && service.command === undefined);

describe('deploy/compose.yml', () => {
  it('gives every service an image or a build, and builds the service image from the repository Dockerfile', () => {
    for (const [name, service] of services)
      expect({ name, runnable: service.image !== undefined || service.build !== undefined }).toEqual({ name, runnable: true });
    for (const [, service] of services.filter(([, candidate]) => candidate.build !== undefined)) {
      const context = resolve(DEPLOY_DIR, service.build!.context);
      expect(context).toBe(REPO_ROOT);
      expect(existsSync(join(context, service.build!.dockerfile ?? 'Dockerfile'))).toBe(true);
    }
  });

  it('runs PostgreSQL, Redis with AOF persistence, a one-shot migration, two instances, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'haven-1', 'haven-2', 'migrate', 'postgres', 'prometheus', 'redis']);
    expect(instances.map(([name]) => name)).toEqual(['haven-1', 'haven-2']);
    expect(compose.services.redis.command?.join(' ')).toContain('--appendonly yes');
    expect(compose.services.migrate.command).toEqual(['npm', 'run', 'migration:run:prod']);
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['migration:run:prod']).toContain('dist/ormconfig.js');
  });

  it('starts each instance only once PostgreSQL and Redis are healthy and the migrations succeeded', () => {
    for (const [, service] of instances)
      expect(service.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    expect(compose.services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('mounts only host files that exist in the repository, and declares every named volume', () => {
    for (const [name, service] of services)
      for (const mount of mountsOf(service)) {
        if (mount.hostPath === undefined)
          expect({ name, volume: mount.source, declared: mount.source in (compose.volumes ?? {}) }).toEqual({
            name,
            volume: mount.source,
            declared: true,
          });
        else expect({ name, path: mount.source, exists: existsSync(mount.hostPath) }).toEqual({ name, path: mount.source, exists: true });
      }
  });

  it('reads the instances configuration from a file whose example is in the repository', () => {
    for (const [, service] of services.filter(([, candidate]) => serviceImage(candidate))) {
      expect(service.env_file).toEqual([{ path: 'haven.env', required: true }]);
      expect(existsSync(join(DEPLOY_DIR, 'haven.env.example'))).toBe(true);
    }
    expect(readFileSync(join(DEPLOY_DIR, 'haven.env.example'), 'utf8')).toContain('.env.example');
  });

  it('uses only variables of the service configuration schema, or the PostgreSQL and Grafana images own (POSTGRES_*, GF_*)', () => {
    const envFileNames = [...readFileSync(join(DEPLOY_DIR, 'haven.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
      (match) => match[1],
    );
    const environmentNames = services.flatMap(([, service]) => Object.keys(service.environment ?? {}));
    const interpolated = [...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]);
    const known = new Set<string>(ENV_NAMES);
    const unknown = [...envFileNames, ...environmentNames, ...interpolated].filter(
      (name) => !known.has(name) && !/^(POSTGRES|GF)_/.test(name),
    );
    expect(envFileNames.length).toBeGreaterThan(10);
    expect(environmentNames).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'METRICS_PORT']));
    expect(unknown).toEqual([]);
  });

  describe('Prometheus', () => {
    const prometheus = compose.services.prometheus;
    const configFlag = prometheus.command!.find((flag) => flag.startsWith('--config.file='))!;
    const configPath = hostFileFor(prometheus, configFlag.slice('--config.file='.length))!;
    const config = readYaml<{ rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }>(
      configPath,
    );

    it('loads deploy/prometheus.yml and, from it, the shipped rules file docs/prometheus/haven-rules.yml', () => {
      expect(configPath).toBe(join(DEPLOY_DIR, 'prometheus.yml'));
      const ruleFiles = config.rule_files.map((path) => hostFileFor(prometheus, path));
      expect(ruleFiles).toEqual([join(REPO_ROOT, 'docs', 'prometheus', 'haven-rules.yml')]);
      expect(readYaml<{ groups: unknown[] }>(ruleFiles[0]!).groups.length).toBeGreaterThan(0);
    });

    it('scrapes both instances on their METRICS_PORT, under the job name the rules expect', () => {
      const rules = readFileSync(join(REPO_ROOT, 'docs', 'prometheus', 'haven-rules.yml'), 'utf8');
      const jobs = config.scrape_configs.map((scrape) => scrape.job_name);
      expect(jobs).toEqual(['haven']);
      expect(rules).toContain('job="haven"');
      const targets = config.scrape_configs[0].static_configs.flatMap((group) => group.targets);
      expect(targets).toEqual(instances.map(([name, service]) => `${name}:${service.environment!.METRICS_PORT}`));
    });
  });

  describe('Grafana', () => {
    const grafana = compose.services.grafana;
    const provisioning = hostFileFor(grafana, '/etc/grafana/provisioning')!;

    it('is provisioned with the stack Prometheus as its default data source', () => {
      const { datasources } = readYaml<{ datasources: { type: string; url: string; isDefault: boolean }[] }>(
        join(provisioning, 'datasources', 'prometheus.yml'),
      );
      expect(datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true })]);
      expect(compose.services.prometheus.command).not.toContainEqual(expect.stringMatching(/^--web\.listen-address/));
    });

    it('loads the shipped dashboard docs/grafana/haven.json from the provisioned folder', () => {
      const { providers } = readYaml<{ providers: { type: string; options: { path: string } }[] }>(
        join(provisioning, 'dashboards', 'haven.yml'),
      );
      expect(providers).toHaveLength(1);
      const folder = hostFileFor(grafana, providers[0].options.path)!;
      expect(folder).toBe(join(REPO_ROOT, 'docs', 'grafana'));
      expect(statSync(folder).isDirectory()).toBe(true);
      const dashboard = JSON.parse(readFileSync(join(folder, 'haven.json'), 'utf8')) as { uid: string };
      expect(dashboard.uid).toBe('haven-backend');
      expect(dirname(hostFileFor(grafana, grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)!)).toBe(folder);
    });
  });
});
