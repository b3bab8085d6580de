// node --test bench/side-by-side/machine.test.cjs
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { parseMachine, stealPercent, stealWarning } = require('./machine.cjs');

test('reads the aggregate line and its steal column', () => {
  const before = parseMachine('cpu  100 0 50 800 20 0 5 25 0 0\ncpu0 50 0 25 400 10 0 2 12 0 0\n');
  assert.deepEqual(before, { total: 1000, steal: 25 });
  const after = parseMachine('cpu  160 0 60 850 20 0 5 105 0 0\n');
  assert.equal(stealPercent(before, after), 40);
});

test('an old kernel without steal, and a window without ticks, steal nothing', () => {
  assert.deepEqual(parseMachine('cpu  1 2 3 4\n'), { total: 10, steal: 0 });
  const s = parseMachine('cpu  1 2 3 4 5 6 7 8\n');
  assert.equal(stealPercent(s, s), 0);
});

test('refuses text that is not /proc/stat', () => {
  assert.throws(() => parseMachine('intr 1 2 3\n'), /no aggregate cpu line/);
  assert.throws(() => parseMachine('cpu  1 x 3 4\n'), /no aggregate cpu line/);
  assert.throws(() => parseMachine('cpu  1 2\n'), /no aggregate cpu line/);
});

test('warns from 5 % of steal, naming the runs it concerns', () => {
  assert.equal(stealWarning([0, 4.9]), null);
  assert.match(stealWarning([0.2, 5, 12.25]), /for 5\.0 %, 12\.3 % of the window in 2 of 3 runs/);
  assert.match(stealWarning([30]), /for 30\.0 % of the window in every run: those figures carry the host's load/);
});
