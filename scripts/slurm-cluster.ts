/**
 * A real single-node Slurm cluster for the tests of the Slurm runner (test/slurm/): Debian's slurm-wlm and
 * munge, installed with apt when missing (as root, like scripts/vscode-test/provision.ts), configured in a
 * scratch directory on private ports, and stopped by its pid files afterwards (never by process name: other
 * programs on the machine may run daemons of the same name).
 *
 *   const cluster = await startSlurmCluster();   // SLURM_CONF in cluster.env
 *   ...
 *   await cluster.stop();
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { ensureSystemPackages, ProvisionError } from './vscode-test/provision';

export interface SlurmCluster {
  /** The scratch directory with slurm.conf, state, logs and pid files. */
  dir: string;
  /** The environment the Slurm commands need (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  node: string;
  cpus: number;
  /** Runs a Slurm command against this cluster; its stdout. */
  run(command: string, args: string[]): string;
  stop(): Promise<void>;
}

/** The sandbox node's CPUs (slurmd takes slurm.conf's word): two runs at a time, a third waits for Resources. */
export const SANDBOX_CPUS = 2;

const log = (message: string) => process.stderr.write(`[slurm-cluster] ${message}\n`);

/**
 * slurmctld's port (slurmd listens on the next one). Two sandboxes on one machine (a developer's test run beside
 * CI's) need different ports: MTL_LAB_SLURM_PORT chooses them.
 */
export function sandboxPorts(env: NodeJS.ProcessEnv = process.env): { controller: number; node: number } {
  const raw = env.MTL_LAB_SLURM_PORT;
  const controller = raw === undefined || raw === '' ? 16817 : Number(raw);
  if (!Number.isInteger(controller) || controller < 1024 || controller > 65534) throw new Error(`MTL_LAB_SLURM_PORT must be a port number from 1024 to 65534, not ${JSON.stringify(raw)}`);
  return { controller, node: controller + 1 };
}

function slurmConf(dir: string, node: string, cpuCount: number, memoryMb: number): string {
  const ports = sandboxPorts();
  return `# A sandbox cluster for MTL Lab's tests (scripts/slurm-cluster.ts).
ClusterName=mtllab
SlurmctldHost=${node}
SlurmUser=root
AuthType=auth/munge
SlurmctldPort=${ports.controller}
SlurmdPort=${ports.node}
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=600
KillWait=10
# The node has the CPUs this file says, whatever the machine has: the tests count on two.
SlurmdParameters=config_overrides
NodeName=${node} CPUs=${cpuCount} RealMemory=${memoryMb} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
`;
}

/** munged with a fresh key in the scratch directory (its own socket, so a system munged is left alone). */
function startMunge(dir: string): string {
  const key = path.join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = path.join(dir, 'munge.socket');
  // munged refuses keys and directories other users can write; root owns everything here.
  execFileSync('munged', ['--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${path.join(dir, 'munged.pid')}`, `--log-file=${path.join(dir, 'munged.log')}`, `--seed-file=${path.join(dir, 'munged.seed')}`], { stdio: 'pipe' });
  return socket;
}

function killByPidFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    process.kill(pid, 'SIGTERM');
    return pid;
  } catch {
    return undefined;
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new ProvisionError(`the sandbox Slurm cluster did not come up: ${what} (after ${timeoutMs / 1000} s)`);
}

/** Running, not a zombie (a daemon's zombie stays until some init reaps it; it is done all the same). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  if (process.getuid?.() !== 0) throw new ProvisionError('The Slurm tests start a sandbox cluster as root (slurmd runs jobs as their user); run them as root, as CI does.');
  ensureSystemPackages(['slurm-wlm', 'munge']);
  const dir = mkdtempSync(path.join(tmpdir(), 'mtl-slurm-'));
  for (const sub of ['state', 'spool']) mkdirSync(path.join(dir, sub));
  chownSync(dir, 0, 0);
  const node = hostname().split('.')[0];
  const cpuCount = SANDBOX_CPUS;
  const memoryMb = Math.floor(totalmem() / 1024 / 1024 / 2);
  const conf = path.join(dir, 'slurm.conf');
  writeFileSync(conf, slurmConf(dir, node, cpuCount, memoryMb));
  const socket = startMunge(dir);
  // The Slurm daemons and commands find munge through this socket (auth/munge's socket option).
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('AuthType=auth/munge\n', `AuthType=auth/munge\nAuthInfo=socket=${socket}\n`));
  const env = { ...process.env, SLURM_CONF: conf };
  const run = (command: string, args: string[]) => execFileSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    // Jobs first: a job step outlives slurmd otherwise. Then the daemons, by their pid files.
    const jobs = spawnSync('squeue', ['--noheader', '--format=%i'], { env, encoding: 'utf8' }).stdout?.trim();
    if (jobs) {
      spawnSync('scancel', ['--full', ...jobs.split('\n')], { env });
      await waitFor('jobs still listed after scancel', 20_000, () => spawnSync('squeue', ['--noheader', '--states=RUNNING,COMPLETING,PENDING'], { env, encoding: 'utf8' }).stdout?.trim() === '').catch(() => log('jobs did not end in 20 s'));
    }
    const pids = ['slurmd.pid', 'slurmctld.pid', 'munged.pid'].map((f) => killByPidFile(path.join(dir, f))).filter((p): p is number => p !== undefined);
    await waitFor('the daemons did not exit after SIGTERM', 20_000, () => pids.every((p) => !alive(p))).catch(() => pids.forEach((p) => alive(p) && process.kill(p, 'SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    log(`starting slurmctld and slurmd (${conf})`);
    run('slurmctld', ['-f', conf]);
    run('slurmd', ['-f', conf]);
    await waitFor(`sinfo never showed the node idle; see ${dir}/slurmctld.log`, 30_000, () => {
      const out = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8' });
      return out.status === 0 && out.stdout.trim() === 'idle';
    });
  } catch (error) {
    const logTail = ['slurmctld.log', 'slurmd.log'].map((f) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8').split('\n').slice(-5).join('\n') : '')).join('\n');
    await stop();
    throw new ProvisionError(`${(error as Error).message}\n${logTail}`);
  }
  return { dir, env, node, cpus: cpuCount, run, stop };
}
