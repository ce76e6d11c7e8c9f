import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, readRepoFile, readYaml } from "./monitoring-files.js";

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  command?: string[] | string;
  entrypoint?: string[];
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}
interface DockerConfig {
  kafka: { brokers: string[] };
  http: { port: number };
  dataDir: string;
  collections: { name: string; topic: string; dlqTopic?: string }[];
}

const compose = readYaml<Compose>("docker-compose.yml");
const services = compose.services;
const dockerConfig = JSON.parse(readRepoFile("config/docker.json")) as DockerConfig;
const dockerfile = readRepoFile("Dockerfile");
/** A version tag with at least major.minor, optionally a v prefix and a variant suffix. */
const PINNED_TAG = /^[a-z0-9./_-]+:v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/;

function hostPort(mapping: string): string {
  return mapping.split(":")[0];
}

function containerPort(mapping: string): string {
  return mapping.split(":").at(-1)!;
}

describe("docker-compose.yml", () => {
  it("has kafka, the topic step, vecstream, prometheus, grafana and a demo-profile producer", () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(["kafka", "kafka-init", "vecstream", "prometheus", "grafana", "demo-producer"]),
    );
    expect(services["demo-producer"].profiles).toEqual(["demo"]);
  });

  it("runs the demo producer from the compiled producer CLI against the first collection's topic", () => {
    const script = [services["demo-producer"].command].flat().join("\n");
    expect(existsSync(`${ROOT}src/producer/cli.ts`)).toBe(true);
    expect(script).toContain("node dist/producer/cli.js");
    expect(script).toContain(`--topic ${dockerConfig.collections[0].topic} `);
    expect(script).toContain(`--brokers ${dockerConfig.kafka.brokers[0]} `);
    // Compose interpolates "$" in commands; a lone one would be replaced by an empty variable.
    expect(script.replaceAll("$$", "")).not.toContain("$");
  });

  it("pins every pulled image to a version tag, and the Dockerfile's base images too", () => {
    const pulled = Object.entries(services).filter(([, s]) => s.build === undefined);
    for (const [name, s] of pulled) expect(s.image, name).toMatch(PINNED_TAG);
    expect(services.kafka.image).toMatch(/^apache\/kafka:/);
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(PINNED_TAG);
  });

  it("runs Kafka in KRaft mode as broker and controller", () => {
    const env = services.kafka.environment!;
    expect(env.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@kafka:\d+$/);
  });

  it("publishes each host port once", () => {
    const ports = Object.values(services).flatMap((s) => (s.ports ?? []).map(hostPort));
    expect(new Set(ports).size).toBe(ports.length);
  });

  it("agrees with config/docker.json on the broker address, the HTTP port and the data volume", () => {
    const internal = services.kafka
      .environment!.KAFKA_ADVERTISED_LISTENERS.split(",")
      .find((l) => l.startsWith("INTERNAL://"));
    expect(dockerConfig.kafka.brokers).toEqual([internal!.slice("INTERNAL://".length)]);
    expect(services.vecstream.environment!.VECSTREAM_BROKERS).toBe(dockerConfig.kafka.brokers.join(","));
    expect(services.vecstream.ports!.map(containerPort)).toContain(String(dockerConfig.http.port));
    const prometheus = readYaml<{
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    }>("config/prometheus/prometheus.yml");
    const job = prometheus.scrape_configs.find((j) => j.job_name === "vecstream")!;
    expect(job.static_configs[0].targets).toEqual([`vecstream:${dockerConfig.http.port}`]);
    expect(services.vecstream.volumes!.map((v) => v.split(":")[1])).toContain(dockerConfig.dataDir);
    expect(dockerfile).toContain(`VOLUME ["${dockerConfig.dataDir}"]`);
  });

  it("declares every named volume it mounts, mounts every one it declares, and binds only existing paths", () => {
    const mounts = Object.values(services).flatMap((s) => (s.volumes ?? []).map((v) => v.split(":")[0]));
    const named = mounts.filter((m) => !m.startsWith("."));
    expect(new Set(named)).toEqual(new Set(Object.keys(compose.volumes)));
    for (const bind of mounts.filter((m) => m.startsWith(".")))
      expect(existsSync(`${ROOT}${bind}`), bind).toBe(true);
  });

  it("creates every collection topic and dead-letter topic of config/docker.json before vecstream starts", () => {
    const script = [services["kafka-init"].command].flat().join("\n");
    for (const c of dockerConfig.collections) {
      expect(script).toContain(`--topic ${c.topic} `);
      expect(script).toContain(`--topic ${c.dlqTopic ?? `${c.topic}.dlq`} `);
    }
    expect(script).toContain("--if-not-exists");
    expect(script.replaceAll("$$", "")).not.toContain("$");
    expect(services["kafka-init"].depends_on).toEqual({ kafka: { condition: "service_healthy" } });
    expect(services.vecstream.depends_on).toEqual({
      "kafka-init": { condition: "service_completed_successfully" },
    });
  });

  it("waits on health only for services that have a health check", () => {
    const hasHealthcheck = (name: string) =>
      services[name].healthcheck !== undefined ||
      (services[name].build !== undefined && /^HEALTHCHECK /m.test(dockerfile));
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (condition === "service_healthy") expect(hasHealthcheck(dependency), `${dependency}`).toBe(true);
      }
    }
    expect(services.grafana.depends_on).toEqual({ prometheus: { condition: "service_healthy" } });
  });

  it("mounts the Prometheus rules and the Grafana provisioning from the repository", () => {
    expect(services.prometheus.volumes).toEqual(
      expect.arrayContaining([
        "./config/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
        "./config/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro",
      ]),
    );
    expect(services.grafana.volumes).toContain("./grafana/provisioning:/etc/grafana/provisioning:ro");
  });
});

describe("Dockerfile", () => {
  it("builds in one stage and runs the compiled service as the unprivileged node user in another", () => {
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/npm ci/);
    expect(stages[0]).toMatch(/tsc -p tsconfig\.build\.json/);
    const runtime = stages[1];
    expect(runtime).toMatch(/COPY --from=build \/app\/dist/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toContain('CMD ["node", "dist/main.js"]');
  });

  it("keeps node_modules, build output and local data out of the build context", () => {
    const ignored = readRepoFile(".dockerignore").split("\n");
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist", "data", ".git"]));
  });
});
