import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { loadAllYaml } from '@kubernetes/client-node';
import type { TiltCall, TiltStep } from './tilt-calls.ts';

const run = promisify(execFile);

interface Container {
  name: string;
  image: string;
  ports?: { containerPort: number }[];
  securityContext?: { readOnlyRootFilesystem?: boolean };
}
interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } }; consumers?: { image: string }[] };
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet', 'Pod']);

/** The repository part of an image ref (no tag, no digest): how Tilt matches a build to YAML. */
export function imageRepository(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function containersOf(obj: K8sObject): Container[] {
  const pod = obj.spec?.template?.spec;
  return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])];
}

/**
 * Images an object runs: its Pod template's, and an OrderPipeline's consumers' when `customKinds`
 * has it (Tilt substitutes images in a custom resource only where k8s_kind tells it to look).
 */
function imagesOf(obj: K8sObject, customKinds: ReadonlySet<string | undefined>): string[] {
  const consumers = customKinds.has(obj.kind) ? (obj.spec?.consumers ?? []).map((c) => c.image) : [];
  return [...containersOf(obj).map((c) => c.image), ...consumers];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The Dockerfile's COPY destinations for a source path: resolves `COPY <src> <dest>` against the
 * WORKDIR in force, so a sync(local, remote) can be checked against where the build puts `local`.
 */
function copyTargets(dockerfile: string): { src: string; dest: string }[] {
  let workdir = '/';
  const out: { src: string; dest: string }[] = [];
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trim();
    const wd = /^WORKDIR\s+(\S+)/i.exec(line);
    if (wd) workdir = posix.resolve(workdir, wd[1]!);
    const cp = /^COPY\s+(?!--from)(?:--\S+\s+)*(\S+)\s+(\S+)$/i.exec(line);
    if (cp) out.push({ src: posix.normalize(cp[1]!).replace(/\/$/, ''), dest: posix.resolve(workdir, cp[2]!) });
  }
  return out;
}

/**
 * The Dockerfile with its build arguments substituted (`${NAME}` and `$NAME`, outside RUN): the
 * Tiltfile's build_args, else the ARG's default. `unset`: arguments used that have neither (an
 * ARG declared without a default and not passed).
 */
function expandBuildArgs(dockerfile: string, buildArgs: Record<string, unknown>): { text: string; unset: string[] } {
  const defaults = new Map<string, string | undefined>();
  for (const m of dockerfile.matchAll(/^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(?:"([^"]*)"|(\S*)))?\s*$/gm)) {
    const value = m[2] ?? m[3];
    if (value !== undefined || !defaults.has(m[1]!)) defaults.set(m[1]!, value);
  }
  const unset = new Set<string>();
  const text = dockerfile
    .split('\n')
    .map((line) =>
      /^\s*(RUN|ARG)\s/i.test(line)
        ? line
        : line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, a: string | undefined, b: string | undefined) => {
            const name = (a ?? b)!;
            const given = buildArgs[name];
            const value = typeof given === 'string' ? given : defaults.get(name);
            if (value === undefined) unset.add(name);
            return value ?? '';
          }),
    )
    .join('\n');
  return { text, unset: [...unset] };
}

function finalWorkdir(dockerfile: string): string {
  let workdir = '/';
  for (const m of dockerfile.matchAll(/^\s*WORKDIR\s+(\S+)/gim)) workdir = posix.resolve(workdir, m[1]!);
  return workdir;
}

/**
 * Everything wrong with what a Tiltfile asks of Tilt, given its recorded calls: paths that do not
 * exist, images the chart does not run, resources and port-forwards that name no rendered
 * workload or port, syncs that miss where the image keeps the files. Empty when it all agrees.
 * `helm` renders the chart independently of the Tiltfile's own helm() (as `helm template`).
 */
export async function tiltfileProblems(calls: TiltCall[], tiltfile: string, helm: string, kindContext: string): Promise<string[]> {
  const root = dirname(tiltfile);
  const problems: string[] = [];
  const at = (p: string): string => join(root, p);
  const mustExist = (p: string | undefined, what: string, kind: 'file' | 'dir' = 'file'): boolean => {
    if (p === undefined || !existsSync(at(p))) {
      problems.push(`${what}: ${p ?? '(missing)'} does not exist`);
      return false;
    }
    if ((kind === 'dir') !== statSync(at(p)).isDirectory()) {
      problems.push(`${what}: ${p} is not a ${kind === 'dir' ? 'directory' : 'file'}`);
      return false;
    }
    return true;
  };
  const of = (fn: string): TiltCall[] => calls.filter((c) => c.fn === fn);

  // The cluster: only the kind cluster hack/kind creates.
  const contexts = of('allow_k8s_contexts').flatMap((c) => strings(c.args[0]));
  if (!contexts.includes(kindContext)) problems.push(`allow_k8s_contexts does not allow ${kindContext}`);

  for (const c of of('read_file')) mustExist(str(c.args[0]), 'read_file');
  for (const c of of('watch_file')) mustExist(str(c.args[0]), 'watch_file');
  for (const c of of('local_resource')) for (const d of strings(c.kwargs.deps)) if (!existsSync(at(d))) problems.push(`local_resource ${str(c.args[0])}: dep ${d} does not exist`);
  for (const c of of('custom_build')) for (const d of strings(c.kwargs.deps)) if (!existsSync(at(d))) problems.push(`custom_build ${str(c.args[0])}: dep ${d} does not exist`);

  // The chart, rendered here with the same chart, release, namespace, values and --set.
  const helmCalls = of('helm');
  if (helmCalls.length === 0) problems.push('no helm() call: the chart is not deployed');
  const objects: K8sObject[] = [];
  for (const c of helmCalls) {
    const chart = str(c.args[0]);
    if (!mustExist(chart, 'helm chart', 'dir') || !mustExist(`${chart}/Chart.yaml`, 'helm chart')) continue;
    const values = strings(c.kwargs.values);
    for (const v of values) mustExist(v, 'helm values');
    const args = ['template', str(c.kwargs.name) ?? 'chart', at(chart!), ...values.flatMap((v) => ['--values', at(v)]), ...strings(c.kwargs.set).flatMap((s) => ['--set', s])];
    const ns = str(c.kwargs.namespace);
    if (ns !== undefined) args.push('--namespace', ns);
    try {
      const { stdout } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024 });
      objects.push(...(loadAllYaml(stdout) as K8sObject[]).filter((o) => o !== null));
    } catch (err) {
      problems.push(`helm template ${chart}: ${(err as Error).message}`);
    }
  }
  // What the Tiltfile hands to k8s_yaml (the chart after its own changes, and plain manifests).
  const applied: K8sObject[] = [];
  for (const c of of('k8s_yaml')) {
    for (const arg of strings(c.args[0])) {
      if (arg.includes('\n') || arg.includes('kind:')) applied.push(...(loadAllYaml(arg) as K8sObject[]).filter((o) => o !== null));
      else if (mustExist(arg, 'k8s_yaml')) applied.push(...(loadAllYaml(readFileSync(at(arg), 'utf8')) as K8sObject[]).filter((o) => o !== null));
    }
  }
  // Every image the chart runs, whether or not the Tiltfile tells Tilt where to find it.
  const chartImages = new Set(objects.flatMap((o) => imagesOf(o, new Set(['OrderPipeline']))).map(imageRepository));
  const kindsWithImages = new Set(of('k8s_kind').map((c) => str(c.args[0])));
  const appliedImages = new Set(applied.flatMap((o) => imagesOf(o, kindsWithImages)).map(imageRepository));

  // Builds: context, Dockerfile, every image used by what is applied; every chart image built.
  const built = new Map<string, TiltCall>();
  for (const c of [...of('docker_build'), ...of('custom_build')]) {
    const ref = str(c.args[0]) ?? '';
    built.set(imageRepository(ref), c);
    if (!appliedImages.has(imageRepository(ref))) problems.push(`${c.fn} ${ref}: no applied workload runs this image`);
  }
  for (const img of chartImages) if (!built.has(img)) problems.push(`chart image ${img}: the Tiltfile does not build it`);
  for (const img of appliedImages) if (!built.has(img)) problems.push(`applied image ${img}: the Tiltfile does not build it`);

  const liveImages = new Set<string>();
  for (const c of of('docker_build')) {
    const ref = str(c.args[0]) ?? '';
    const context = str(c.args[1]);
    if (!mustExist(context, `docker_build ${ref} context`, 'dir')) continue;
    let dockerfile = str(c.kwargs.dockerfile_contents);
    if (dockerfile === undefined) {
      const file = str(c.kwargs.dockerfile) ?? posix.join(context!, 'Dockerfile');
      if (!mustExist(file, `docker_build ${ref} dockerfile`)) continue;
      dockerfile = readFileSync(at(file), 'utf8');
    }
    const buildArgs = (c.kwargs.build_args ?? {}) as Record<string, unknown>;
    const expanded = expandBuildArgs(dockerfile, buildArgs);
    dockerfile = expanded.text;
    for (const name of expanded.unset) problems.push(`docker_build ${ref}: build arg ${name} is used but not set`);
    const copies = copyTargets(dockerfile);
    for (const { src } of copies) if (src !== '.' && !existsSync(join(at(context!), src))) problems.push(`docker_build ${ref}: COPY ${src}, which the context does not have`);
    const steps = (Array.isArray(c.kwargs.live_update) ? c.kwargs.live_update : []) as TiltStep[];
    for (const s of steps) {
      if (s.tilt_type === 'fall_back_on') for (const f of strings(s.files)) mustExist(f, `docker_build ${ref} fall_back_on`);
      if (s.tilt_type !== 'sync') continue;
      liveImages.add(imageRepository(ref));
      const local = str(s.local_path) ?? '';
      const remote = str(s.remote_path) ?? '';
      mustExist(local, `docker_build ${ref} sync`, 'dir');
      const relLocal = posix.normalize(relative(at(context!), at(local)));
      const lands = copies.some(({ src, dest }) => {
        const rel = relLocal === src ? '' : relLocal.startsWith(`${src}/`) ? relLocal.slice(src.length + 1) : src === '.' ? relLocal : undefined;
        return rel !== undefined && posix.join(dest, rel) === remote;
      });
      if (!lands) problems.push(`docker_build ${ref}: sync ${local} -> ${remote}, but the image does not keep ${local} there`);
    }
    const entry = strings(c.kwargs.entrypoint);
    const script = entry.find((a) => a.endsWith('.ts') || a.endsWith('.js'));
    if (script !== undefined) {
      const inImage = posix.resolve(finalWorkdir(dockerfile), script);
      const local = copies
        .map(({ src, dest }) => (inImage.startsWith(`${dest}/`) ? posix.join(src, inImage.slice(dest.length + 1)) : undefined))
        .find((p) => p !== undefined && existsSync(join(at(context!), p)));
      if (local === undefined) problems.push(`docker_build ${ref}: entrypoint runs ${inImage}, which the image does not have`);
    }
  }

  // Live-updated containers must be writable; every other container keeps its read-only root.
  for (const o of applied.filter((x) => WORKLOAD_KINDS.has(x.kind))) {
    for (const ct of containersOf(o)) {
      const ro = ct.securityContext?.readOnlyRootFilesystem;
      if (liveImages.has(imageRepository(ct.image)) && ro === true) problems.push(`${o.kind} ${o.metadata.name}: ${ct.name} is live-updated but its root filesystem is read-only`);
    }
  }

  // Resources: each names an applied workload (by object name, as Tilt does) or a local_resource;
  // deps name resources; port-forwards reach a container port of that workload.
  const workloads = new Map<string, K8sObject>();
  for (const o of applied) if (WORKLOAD_KINDS.has(o.kind) || kindsWithImages.has(o.kind)) workloads.set(o.metadata.name, o);
  const names = new Set<string>(of('local_resource').map((c) => str(c.args[0]) ?? ''));
  const resourceCalls = of('k8s_resource');
  for (const c of resourceCalls) names.add(str(c.kwargs.new_name) ?? str(c.args[0]) ?? '');
  for (const w of workloads.keys()) names.add(w);
  for (const c of resourceCalls) {
    const name = str(c.args[0]) ?? '';
    const workload = workloads.get(name);
    if (workload === undefined) problems.push(`k8s_resource ${name}: no applied workload is named ${name}`);
    for (const d of strings(c.kwargs.resource_deps)) if (!names.has(d)) problems.push(`k8s_resource ${name}: resource_deps names ${d}, which is no resource`);
    const ports = new Set(workload === undefined ? [] : containersOf(workload).flatMap((ct) => (ct.ports ?? []).map((p) => p.containerPort)));
    const forwards = (Array.isArray(c.kwargs.port_forwards) ? c.kwargs.port_forwards : []) as (TiltStep | string | number)[];
    for (const f of forwards) {
      const port = typeof f === 'object' ? Number(f.container_port ?? f.local_port) : Number(String(f).split(':').at(-1));
      if (!ports.has(port)) problems.push(`k8s_resource ${name}: port-forward to ${port}, which no container of ${name} exposes (${[...ports].join(', ') || 'none'})`);
    }
  }
  return problems;
}
