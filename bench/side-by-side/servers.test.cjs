// The rig's servers started for real (small Node scripts as children): one
// that stalls before listening the first time, one that never listens, one
// that exits at once. node --test bench/side-by-side/servers.test.cjs
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { launch } = require('./servers.cjs');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rig-servers-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const freePort = () => new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});

// A server script: with STALL_MARK, the first run (no mark yet) writes the
// mark and sleeps without listening; STALL_ALWAYS never listens; EXIT_CODE
// exits at once; otherwise it answers 200 on PORT.
const script = path.join(dir, 'server.cjs');
fs.writeFileSync(script, `
const fs = require('node:fs');
const { PORT, STALL_MARK, STALL_ALWAYS, EXIT_CODE } = process.env;
if (EXIT_CODE) { console.error('exiting as told'); process.exit(Number(EXIT_CODE)); }
if (STALL_ALWAYS || (STALL_MARK && !fs.existsSync(STALL_MARK))) {
  if (STALL_MARK) fs.writeFileSync(STALL_MARK, 'x');
  console.error('stalling before listening');
  setInterval(() => {}, 1000);
} else {
  require('node:http').createServer((_q, r) => r.end('ok'))
    .listen(Number(PORT), '127.0.0.1', () => console.error('ready on ' + PORT));
}
`);

// Runs `f` with console.error captured; gives back what it returned or threw, and the text.
async function capturing(f) {
  const seen = [];
  const original = console.error;
  console.error = (...a) => seen.push(a.join(' '));
  try {
    return { value: await f(), logged: seen.join('\n') };
  } catch (error) {
    return { error, logged: seen.join('\n') };
  } finally {
    console.error = original;
  }
}

const spec = (port, env, waits) => ({
  name: 'fake', cmd: process.execPath, args: [script], url: `http://127.0.0.1:${port}/`,
  env: { PORT: String(port), ...env }, ...waits,
});

test('a server that stalls before listening is described, then started once more', async () => {
  const port = await freePort();
  const mark = path.join(dir, 'stalled-once');
  const { value: child, error, logged } = await capturing(() =>
    launch(spec(port, { STALL_MARK: mark }, { firstWait: 1, secondWait: 10 })));
  assert.ifError(error);
  try {
    assert.strictEqual((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
    assert.match(logged, /fake did not start: .* never answered in 1\.\d s \(last: ECONNREFUSED; fake still running \(state [A-Z]\); its threads: node [A-Z] /);
    assert.match(logged, /stalling before listening/);
    assert.match(logged, /fake: starting it once more/);
  } finally {
    child.stop();
  }
});

test('a server that never listens fails the run with what it waits in', async () => {
  const port = await freePort();
  const t0 = Date.now();
  const { error } = await capturing(() =>
    launch(spec(port, { STALL_ALWAYS: '1' }, { firstWait: 0.5, secondWait: 0.5 })));
  assert.ok(error, 'launch must fail');
  assert.match(error.message, /^fake did not start twice; the second time: .* never answered in 0\.\d s/);
  assert.match(error.message, /fake still running \(state [A-Z]\); its threads: node [A-Z] \S+ syscall (\d+|running)/);
  assert.match(error.message, /stalling before listening/);
  assert.ok(Date.now() - t0 < 5000, 'two short waits, not the default ones');
});

test('a server that exits is reported at once, with its code and its stderr', async () => {
  const port = await freePort();
  const t0 = Date.now();
  const { error, logged } = await capturing(() =>
    launch(spec(port, { EXIT_CODE: '3' }, { firstWait: 20, secondWait: 20 })));
  assert.ok(error, 'launch must fail');
  assert.match(error.message, /fake exited 3\): exiting as told/);
  assert.doesNotMatch(error.message, /its threads/);
  assert.doesNotMatch(logged, /starting it once more/, 'the same start would end the same way');
  assert.ok(Date.now() - t0 < 5000, 'an ended server is not waited for');
});
