// The rig's servers (the IdP, each broker, the service) as child processes:
// started, waited for until they answer, and described when they do not.
//
// Why this module: twice in CI (never in a shell, in dozens of runs) the
// IdP started, slept and never listened, with nothing on its stderr. So a
// server that does not answer in time is described from /proc (how it
// ended, or, still running, what each of its threads waits in) and started
// once more, with the description logged: a server that cannot start
// twice fails the run with both descriptions, and one that exits fails it
// at once.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');

function start(name, cmd, args, env) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  child.on('exit', () => { if (!child.stopping) console.error(`${name} ${endState(child)}: ${err}`); });
  child.stop = () => { child.stopping = true; child.kill('SIGTERM'); };
  child.log = () => err;
  child.label = name;
  return child;
}

const ended = (child) => child.exitCode !== null || child.signalCode !== null;

// How a child stands: ended with a code, ended by a signal (then Node
// gives it no exit code), or still running, with its scheduler state from
// /proc (R running, S sleeping, D waiting on the disk, T stopped…).
function endState(child) {
  if (child.exitCode !== null) return `exited ${child.exitCode}`;
  if (child.signalCode !== null) return `killed by ${child.signalCode}`;
  return `still running (state ${procState(`/proc/${child.pid}`)})`;
}

// The fields of a process's (or thread's) /proc stat line after its name,
// which may hold spaces and parentheses: [0] is the state, [11] and [12]
// the user and system CPU time in ticks.
function statFields(dir) {
  const stat = fs.readFileSync(`${dir}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function procState(dir) {
  try {
    return statFields(dir)[0];
  } catch {
    return 'unknown'; // gone between two reads
  }
}

const readOr = (file, dflt) => {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return dflt;
  }
};

// What a running process waits in, thread by thread: its name, its state,
// the kernel function it sleeps in (wchan) and the system call it is in
// (its number, from /proc/PID/task/TID/syscall; "running" when none).
function whereItWaits(pid) {
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return 'gone';
  }
  return tids.map((tid) => {
    const dir = `/proc/${pid}/task/${tid}`;
    const syscall = readOr(`${dir}/syscall`, '?').split(' ')[0];
    return `${readOr(`${dir}/comm`, '?')} ${procState(dir)} ${readOr(`${dir}/wchan`, '?') || '-'} syscall ${syscall}`;
  }).join('; ');
}

// Waits for `url` to answer 2xx while `child` (the process serving it) runs,
// for at most `seconds`; when it does not, throws what was seen: the last
// answer or network error, how long it waited, whether the process ended
// (by a code or a signal) or where it waits, and the end of its stderr
// (where each server says when it listens).
async function ready(url, child, seconds = 30) {
  let seen = 'nothing';
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    if (ended(child)) break;
    try {
      const r = await fetch(url);
      if (r.ok) return;
      seen = `HTTP ${r.status}`;
    } catch (e) {
      seen = (e.cause && e.cause.code) || e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const waited = ((Date.now() - t0) / 1000).toFixed(1);
  const where = ended(child) ? '' : `; its threads: ${whereItWaits(child.pid)}`;
  throw new Error(`${url} never answered in ${waited} s (last: ${seen}; ${child.label} ${endState(child)}${where}): ${child.log().slice(-1000)}`);
}

// Starts a server and waits until `url` answers. One that ends before it
// does fails at once (its code and stderr say why; the same start would
// end the same way); one still silent after `firstWait` seconds is
// described on stderr, killed and started once more, with `secondWait`
// seconds to answer.
async function launch({ name, cmd, args, env, url, firstWait = 20, secondWait = 30 }) {
  const first = start(name, cmd, args, env);
  try {
    await ready(url, first, firstWait);
    return first;
  } catch (e) {
    if (ended(first)) throw e;
    console.error(`${name} did not start: ${e.message}\n${name}: starting it once more`);
    first.stopping = true;
    first.kill('SIGKILL');
  }
  const second = start(name, cmd, args, env);
  try {
    await ready(url, second, secondWait);
  } catch (e) {
    second.stop();
    throw new Error(`${name} did not start twice; the second time: ${e.message}`);
  }
  return second;
}

module.exports = { launch, statFields };
