#!/usr/bin/env node
// node-semver on the semver suite's pairs: one measurement in this (fresh)
// process, printed as one JSON line in the shape of tools/bench/peers.py.
//
//   NODE_PATH=DIR/node_modules node semver_node.js TSV IMPL REPS [SIZE]
//
// TSV is peers.py's cached input (one `constraint<TAB>version` per line,
// generated before any round by tools/bench/run.py); SIZE only labels the
// output (peers.py's size name, e.g. 100k). IMPL:
//   node_preparsed  every `new semver.Range(c, {loose: true})` and
//                   `new semver.SemVer(v, {loose: true})` built untimed, then
//                   timed: counting `range.test(version)` over all pairs
//   node_strings    timed: `semver.satisfies(v, c, {loose: true})` from the
//                   strings, for all pairs
// A pair node-semver refuses (constructor throws) counts as a non-match and
// is counted in `invalid`. Time is process CPU time (user + system,
// process.cpuUsage()), like the Python side; the median over REPS is printed,
// with the process's peak RSS (process.resourceUsage().maxRSS, KiB).
'use strict';

const fs = require('fs');
let semver;  // loaded in main(): a failure is reported as one line

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function main() {
  const [tsv, impl, repsArg, size] = process.argv.slice(2);
  if (!tsv || !impl) {
    process.stderr.write('usage: semver_node.js TSV IMPL REPS [SIZE]\n');
    process.exit(2);
  }
  semver = require('semver');
  const reps = Math.max(1, parseInt(repsArg || '1', 10));
  const lines = fs.readFileSync(tsv, 'utf8').split('\n').filter((l) => l.length);
  const cons = new Array(lines.length);
  const vers = new Array(lines.length);
  lines.forEach((l, i) => {
    const tab = l.indexOf('\t');
    cons[i] = l.slice(0, tab);
    vers[i] = l.slice(tab + 1);
  });
  const n = lines.length;
  const opts = {loose: true};
  const extra = {};
  let run;
  let invalid = 0;
  if (impl === 'node_preparsed') {
    const t0 = process.hrtime.bigint();
    const ranges = new Array(n);
    const versions = new Array(n);
    for (let i = 0; i < n; i++) {
      try {
        ranges[i] = new semver.Range(cons[i], opts);
        versions[i] = new semver.SemVer(vers[i], opts);
      } catch (e) {
        ranges[i] = null;  // refused: a non-match
        versions[i] = null;
        invalid++;
      }
    }
    extra.parse_s = Number(process.hrtime.bigint() - t0) / 1e9;
    run = () => {
      let matches = 0;
      for (let i = 0; i < n; i++) {
        const r = ranges[i];
        if (r !== null && r.test(versions[i])) matches++;
      }
      return matches;
    };
  } else if (impl === 'node_strings') {
    // satisfies() itself returns false for an invalid range; a version it
    // refuses makes Range.test return false too. Both are counted here by
    // the same constructors, once and untimed, so `invalid` means the same
    // for both implementations.
    for (let i = 0; i < n; i++) {
      try {
        new semver.Range(cons[i], opts);
        new semver.SemVer(vers[i], opts);
      } catch (e) {
        invalid++;
      }
    }
    run = () => {
      let matches = 0;
      for (let i = 0; i < n; i++) {
        let ok = false;
        try {
          ok = semver.satisfies(vers[i], cons[i], opts);
        } catch (e) {
          ok = false;
        }
        if (ok) matches++;
      }
      return matches;
    };
  } else {
    process.stderr.write(`unknown impl ${impl}\n`);
    process.exit(2);
  }
  const times = [];
  let matches = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = cpuSeconds();
    matches = run();
    times.push(cpuSeconds() - t0);
  }
  const med = median(times);
  const out = {
    suite: 'semver',
    impl,
    size: size || null,
    seconds: med,
    reps: times,
    check: `matches=${matches}`,
    peak_rss_kb: process.resourceUsage().maxRSS,
    per_sec: med > 0 ? n / med : null,
    invalid,
    pairs: n,
    node: process.version,
    semver: require('semver/package.json').version,
  };
  Object.assign(out, extra);
  process.stdout.write(JSON.stringify(out) + '\n');
}

try {
  main();
} catch (e) {
  // run.py records the last line of stderr as the run's error.
  process.stderr.write(`semver_node.js: ${String(e.message || e).split('\n')[0]}\n`);
  process.exit(1);
}
