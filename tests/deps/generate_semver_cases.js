// Generates tests/deps/semver_cases.json: node-semver's answers for tricky version/range pairs.
const semver = require("semver");
const ranges = ["*", "", "x", "1.x", "1.2.x", "1.X", "1.2.*", "1", "1.2", "~1.2.3", "~1.2", "~1", "~0.2.3",
  "^1.2.3", "^0.2.3", "^0.0.3", "^0.0", "^0", "^1.2", "^0.2", "^1.2.3-beta.2", "^0.0.3-beta",
  ">1.2.3", ">=1.2.3", "<1.2.3", "<=1.2.3", ">1.2", "<1.2", ">=1.2", "<=1.2", ">1", "<1", "<=1",
  "1.2.3 - 2.3.4", "1.2 - 2.3.4", "1.2.3 - 2.3", "1.2.3 - 2", "* - 2", "1.2.3-beta.1 - 2",
  ">=1.2.3 <2.0.0", ">= 1.2.3 < 2.0.0", "<1.0.0 || >=2.0.0", "1.2.3 || 2.x", "=1.2.3", "v1.2.3",
  ">=1.2.3-alpha.1 <1.2.3", "~1.2.3-beta.2", "<2.0.0-0", ">=0.0.0", ">=1.0.0-0", "<=0.0.8",
  ">=4.0.0 <4.17.5", "<4.17.5", "<=4.17.10", ">2.0.0", ">=2.0.1-0", "~>1.2.3", "1.2.3-rc.1",
  "<3.11", ">= 4", "<= 1.0", "2.0.x || 2.1.x", "^1.0.0 || ^2.0.0", ">=1.x"];
const versions = ["0.0.0", "0.0.1", "0.0.3", "0.0.4", "0.0.8", "0.1.0", "0.2.3", "0.2.9", "0.3.0",
  "1.0.0-alpha", "1.0.0", "1.1.9", "1.2.0", "1.2.2", "1.2.3-alpha.1", "1.2.3-beta.2", "1.2.3-beta.10",
  "1.2.3", "1.2.4-beta", "1.2.4", "1.3.0", "1.9.9", "2.0.0-0", "2.0.0-rc.1", "2.0.0", "2.0.1-0",
  "2.0.1", "2.1.5", "2.3.4", "2.3.5", "2.9.0", "3.0.0", "3.10.9", "3.11.0-0", "3.11.0", "4.0.0-beta",
  "4.0.0", "4.17.4", "4.17.5-beta", "4.17.5", "4.17.10", "4.17.21", "10.0.0", "0.0.3-beta", "0.0.3-beta.1"];
const cases = [];
for (const r of ranges) for (const v of versions) for (const inc of [false, true])
  cases.push([v, r, inc, semver.satisfies(v, r, { includePrerelease: inc })]);
const compares = [];
for (let i = 0; i < versions.length; i++) for (let j = 0; j < versions.length; j += 3)
  compares.push([versions[i], versions[j], semver.compare(versions[i], versions[j])]);
console.log(JSON.stringify({
  generated_by: "node-semver " + require("semver/package.json").version + " via tests/deps/generate_semver_cases.js",
  satisfies: cases, compare: compares }));
