// What the host took from the machine during a run: the share of all CPUs'
// time the hypervisor gave to other guests (steal), read from /proc/stat's
// aggregate line before and after. A run with much steal is slowed in every
// process alike, so its figures are the host's as much as the brokers'; the
// rig prints the share beside each run and warns from the threshold
// `relais bench` warns from.
'use strict';
const fs = require('node:fs');

// Steal from this share of a run's window up makes its figures the host's.
const STEAL_WARNING_PERCENT = 5;

// The aggregate `cpu` line of /proc/stat's text, in ticks: all of the
// machine's CPU time so far, and the part the host took (the 8th column;
// kernels before 2.6.11 have none, and then nothing was stolen).
function parseMachine(stat) {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  const ticks = line ? line.trim().split(/\s+/).slice(1, 9).map(Number) : [];
  if (ticks.length < 4 || ticks.some((t) => !Number.isInteger(t) || t < 0)) {
    throw new Error(`/proc/stat: no aggregate cpu line of ticks (${line === undefined ? 'none' : line})`);
  }
  return { total: ticks.reduce((a, t) => a + t, 0), steal: ticks[7] || 0 };
}

function machineTicks() {
  return parseMachine(fs.readFileSync('/proc/stat', 'utf8'));
}

// The host's share of the window between two samples, in percent (0 when
// no tick passed).
function stealPercent(before, after) {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return (100 * Math.max(0, after.steal - before.steal)) / total;
}

// The warning for the runs the host took much of, or null.
function stealWarning(shares) {
  const stolen = shares.filter((s) => s >= STEAL_WARNING_PERCENT);
  if (!stolen.length) return null;
  const which = stolen.length === shares.length ? 'every' : `${stolen.length} of ${shares.length}`;
  return `warning: the host ran other guests on this machine's CPUs for ${stolen.map((s) => `${s.toFixed(1)} %`).join(', ')} `
    + `of the window in ${which} run${shares.length > 1 ? 's' : ''}: those figures carry the host's load; measure again when it is quiet`;
}

module.exports = { parseMachine, machineTicks, stealPercent, stealWarning };
