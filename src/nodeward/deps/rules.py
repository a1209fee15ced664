"""The dependency audit's rules."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

VULNERABLE_DEPENDENCY = RuleMeta(
    code="DEP001",
    name="vulnerable-dependency",
    title="An installed npm package has a known vulnerability",
    cwe=(1395, 937),
    owasp=Owasp.A06,
    practices=(Practice.VULNERABLE_DEPENDENCIES,),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Reads the project's lockfile (package-lock.json v1-v3, npm-shrinkwrap.json, "
        "yarn.lock classic and berry, pnpm-lock.yaml 5.x/6.x/9.0) and reports every "
        "installed package version that an advisory (local OSV database, the npm registry's "
        "audit endpoint or the OSV API) marks as affected, with the advisory ids, every "
        "dependency path, the scope and whether the app imports it. The finding points at "
        "the package.json line of the direct dependency that brings the package in; the fix "
        "names the one version that clears every advisory on it and the nearest change that "
        "gets there, as a command for the project's package manager: refresh the lockfile "
        "when the parent's range already allows it, else upgrade the direct dependency, else "
        "an override (npm), resolution (yarn) or pnpm override pinned to that version."
    ),
    why=(
        "Known vulnerabilities in dependencies are exploited with public proof-of-concept "
        "code; a transitive package deep in the tree is as exploitable as a direct one when "
        "the app reaches it."
    ),
    example='// package.json\n"dependencies": { "lodash": "4.17.4" }',
    use_instead='// package.json\n"dependencies": { "lodash": "^4.17.21" }',
    fix=(
        "Upgrade to the version that clears every advisory on the package: refresh the "
        "lockfile, upgrade the direct dependency that pulls it in, or pin it with an override"
    ),
    references=(
        "npm audit: https://docs.npmjs.com/cli/commands/npm-audit",
        "OSV schema: https://ossf.github.io/osv-schema/",
        "OWASP A06:2021 Vulnerable and Outdated Components",
    ),
)

VULNERABLE_CLIENT_LIBRARY = RuleMeta(
    code="DEP002",
    name="vulnerable-client-library",
    title="A JavaScript library served to browsers has a known vulnerability",
    cwe=(1395, 937),
    owasp=Owasp.A06,
    practices=(Practice.VULNERABLE_DEPENDENCIES,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Identifies JavaScript libraries copied into static folders (public/, static/, "
        "assets/ and express.static roots) by file name, content signature or hash, using "
        "Retire.js's repository, and reports versions with known vulnerabilities."
    ),
    why=(
        "Files copied into a static folder never show up in package.json, so npm audit "
        "does not see them, yet every visitor's browser runs them (old jQuery XSS, for one)."
    ),
    example='<script src="/js/jquery-1.8.1.min.js"></script>',
    use_instead='<script src="/js/jquery-3.7.1.min.js"></script>',
    fix="Replace the file with a fixed release of the library",
    references=(
        "Retire.js: https://retirejs.github.io/retire.js/",
        "OWASP A06:2021 Vulnerable and Outdated Components",
    ),
)

RULES = (VULNERABLE_DEPENDENCY, VULNERABLE_CLIENT_LIBRARY)
