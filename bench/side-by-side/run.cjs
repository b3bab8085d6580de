// Relais beside FranceConnect's engine, in one run on one machine:
//   load (fresh browser per login) → service (openid-client) → broker → IdP (oidc-provider, auto-login)
// The broker is Relais (`relais serve`, SQLite, RS256 to the service) or the
// engine (engine.cjs); everything else is the same processes' code. Rounds
// alternate the two brokers so that the machine's drift hits both alike.
// Reports, per broker, the CPU its process spent per complete login (user +
// system, from /proc), its peak resident memory, and the login's latency;
// and, per run, the share of the machine's CPU time the host gave to other
// guests (steal), which slows every process of the run alike.
//   node run.cjs [--logins 2000] [--warmup 200] [--concurrency 8] [--rounds 2]
//                [--relais target/release/relais] [--only relais|engine]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { login } = require('./browser.cjs');
const { machineTicks, stealPercent, stealWarning } = require('./machine.cjs');
const { launch, statFields } = require('./servers.cjs');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const LOGINS = Number(arg('logins', 2000));
const WARMUP = Number(arg('warmup', 200));
const CONCURRENCY = Number(arg('concurrency', 8));
const ROUNDS = Number(arg('rounds', 2));
const RELAIS = path.resolve(arg('relais', path.join(__dirname, '../../target/release/relais')));
const ONLY = arg('only', '');
const TICK = 100; // CLK_TCK on Linux
const net = require('node:net');
// Four free ports, taken once: the IdP, each broker, the service. All four
// are held until every one is known, so that no two are the same.
const holdPort = () => new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => resolve(srv));
});
const freePorts = async (n) => {
  const held = await Promise.all(Array.from({ length: n }, holdPort));
  const ports = held.map((srv) => srv.address().port);
  await Promise.all(held.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
};
let IDP_PORT, RELAIS_PORT, ENGINE_PORT, SERVICE_PORT, IDP, SERVICE, BROKERS;
async function choosePorts() {
  [IDP_PORT, RELAIS_PORT, ENGINE_PORT, SERVICE_PORT] = await freePorts(4);
  IDP = `http://localhost:${IDP_PORT}`;
  SERVICE = `http://localhost:${SERVICE_PORT}`;
  BROKERS = {
    relais: { issuer: `http://localhost:${RELAIS_PORT}/api/v2` },
    engine: { issuer: `http://localhost:${ENGINE_PORT}` },
  };
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'side-by-side-'));

function cpuSeconds(pid) {
  const f = statFields(`/proc/${pid}`);
  return (Number(f[11]) + Number(f[12])) / TICK; // utime, stime
}

function peakRssMiB(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return Number(m[1]) / 1024;
}

function relaisConfig() {
  const file = path.join(work, 'relais.toml');
  const dir = fs.mkdtempSync(path.join(work, 'relais-'));
  fs.writeFileSync(file, `
[server]
listen = "127.0.0.1:${RELAIS_PORT}"
public_url = "http://localhost:${RELAIS_PORT}"
platform = "standard"
sandbox = true
[secrets]
master_key = "side-by-side-master-key-0123456789abcdef"
sub_secret = "side-by-side-sub-secret-0123456789abcdef"
[storage]
sqlite_path = "${dir}/relais.db"
ephemeral = "memory"
[events]
output = "${dir}/events.jsonl"
[limits]
rate_limits = false
[[service_providers]]
client_id = "service"
client_secret = "side-by-side-service-secret-0123456789"
name = "Mairie (banc d'essai)"
redirect_uris = ["${SERVICE}/callback"]
scopes = ["openid", "given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry", "email"]
token_endpoint_auth_method = "client_secret_post"
id_token_signed_response_alg = "RS256"
userinfo_signed_response_alg = "RS256"
[[identity_providers]]
id = "upstream"
title = "Mon fournisseur d'identité"
discovery_url = "${IDP}/.well-known/openid-configuration"
client_id = "broker"
client_secret = "side-by-side-idp-secret-0123456789"
token_endpoint_auth_method = "client_secret_post"
id_token_signed_response_alg = "RS256"
allowed_acr = ["eidas1"]
amr = ["pwd"]
`);
  return file;
}

function launchBroker(name) {
  const url = `${BROKERS[name].issuer}/.well-known/openid-configuration`;
  if (name === 'relais') {
    return launch({ name, cmd: RELAIS, args: ['serve', '--config', relaisConfig()], env: { RELAIS_LOG: 'warn' }, url });
  }
  return launch({
    name, cmd: process.execPath, args: [path.join(__dirname, 'engine.cjs')], url,
    env: { ISSUER: BROKERS.engine.issuer, PORT: String(ENGINE_PORT), IDP, SERVICE_REDIRECT_URI: `${SERVICE}/callback` },
  });
}

async function drive(total) {
  const latencies = [];
  let next = 0;
  let failures = 0;
  let firstError;
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = process.hrtime.bigint();
      try {
        await login(`${SERVICE}/login`, 'Bonjour Angela Claire Louise DUBOIS');
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch (e) {
        failures++;
        firstError = firstError || e.message;
      }
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] || 0;
  return { wall: (Date.now() - t0) / 1000, ok: latencies.length, failures, firstError, p50: q(0.5), p99: q(0.99) };
}

async function measure(name, idp) {
  const broker = await launchBroker(name);
  let service;
  try {
    service = await launch({
      name: 'service', cmd: process.execPath, args: [path.join(__dirname, 'service.cjs')], url: `${SERVICE}/`,
      env: { ISSUER: BROKERS[name].issuer, PORT: String(SERVICE_PORT) },
    });
    const warm = await drive(WARMUP);
    if (warm.failures) throw new Error(`${name}: ${warm.failures} failed logins in warm-up: ${warm.firstError}`);
    const before = { broker: cpuSeconds(broker.pid), idp: cpuSeconds(idp.pid), service: cpuSeconds(service.pid), machine: machineTicks() };
    const run = await drive(LOGINS);
    const after = { broker: cpuSeconds(broker.pid), idp: cpuSeconds(idp.pid), service: cpuSeconds(service.pid), machine: machineTicks() };
    const per = (k) => ((after[k] - before[k]) * 1000) / Math.max(run.ok, 1);
    return {
      broker: name, logins: run.ok, failures: run.failures, firstError: run.firstError,
      cpu_ms_per_login: per('broker'), peak_rss_mib: peakRssMiB(broker.pid),
      logins_per_s: run.ok / run.wall, p50_ms: run.p50, p99_ms: run.p99,
      idp_cpu_ms: per('idp'), service_cpu_ms: per('service'),
      host_steal_percent: stealPercent(before.machine, after.machine),
      // What the broker logged (warnings and errors) when a login failed.
      ...(run.failures ? { broker_log: broker.log().slice(-2000) } : {}),
    };
  } finally {
    if (service) service.stop();
    broker.stop();
    await new Promise((r) => setTimeout(r, 500));
  }
}

(async () => {
  await choosePorts();
  const idp = await launch({
    name: 'idp', cmd: process.execPath, args: [path.join(__dirname, 'idp.cjs')],
    url: `${IDP}/.well-known/openid-configuration`,
    env: {
      ISSUER: IDP, PORT: String(IDP_PORT),
      REDIRECT_URIS: `${BROKERS.relais.issuer}/idp/callback,${BROKERS.engine.issuer}/oidc-callback`,
    },
  });
  const results = [];
  try {
    const order = ONLY ? [ONLY] : ['relais', 'engine'];
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of order) {
        const r = await measure(name, idp);
        results.push(r);
        console.log(JSON.stringify(r));
      }
    }
  } finally {
    idp.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  try {
    const floor = require('node:child_process').execFileSync(RELAIS, ['bench', 'crypto-floor'], { encoding: 'utf8' });
    console.log(`\nRelais' cryptography floor on this machine:\n${floor.trim()}`);
  } catch { /* an older binary without the subcommand */ }
  console.log(`\n${LOGINS} logins per run after ${WARMUP} of warm-up, ${CONCURRENCY} browsers at once, RS256 on both legs, new connections per login`);
  console.log('| broker | CPU per login | peak RSS | logins/s | p50 | p99 | failures | host steal |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.broker} | ${r.cpu_ms_per_login.toFixed(3)} ms | ${r.peak_rss_mib.toFixed(1)} MiB | ${r.logins_per_s.toFixed(0)} | ${r.p50_ms.toFixed(1)} ms | ${r.p99_ms.toFixed(1)} ms | ${r.failures} | ${r.host_steal_percent.toFixed(1)} % |`);
  }
  const warning = stealWarning(results.map((r) => r.host_steal_percent));
  if (warning) console.log(`\n${warning}`);
  const best = (b) => Math.min(...results.filter((r) => r.broker === b).map((r) => r.cpu_ms_per_login));
  if (!ONLY) console.log(`\nengine / relais CPU per login (best of each): ${(best('engine') / best('relais')).toFixed(1)}×`);
  if (results.some((r) => r.failures)) process.exitCode = 1;
})().catch((e) => { console.error(e.message); process.exit(1); });
