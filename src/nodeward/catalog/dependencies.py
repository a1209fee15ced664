"""The dependency audit's rules (DEP0xx)."""

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

DEPRECATED_DEPENDENCY = RuleMeta(
    code="DEP003",
    name="deprecated-dependency",
    title="A dependency is deprecated by its maintainers",
    cwe=(1104,),
    owasp=Owasp.A06,
    practices=(Practice.UPDATED_DEPENDENCIES,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Looks up every installed registry package in the package documents of the registry "
        "your npm configuration names (.npmrc in the project and your home folder, "
        "npm_config_registry, @scope:registry) and reports each direct dependency whose "
        "installed version is deprecated, quoting the maintainers' message, and lists the "
        "deprecated packages each direct dependency brings in. Medium when the direct "
        "dependency itself is deprecated, low when only packages below it are."
    ),
    why=(
        "A deprecated package gets no more fixes, security fixes included; the message "
        "usually names the replacement (`request`, `csurf` and many others are deprecated). "
        "A deprecated transitive package is fixed by upgrading the direct dependency that "
        "brings it, which is why findings are anchored there."
    ),
    example='// package.json\n"dependencies": { "request": "^2.88.2", "csurf": "^1.11.0" }',
    use_instead='// package.json\n"dependencies": { "undici": "^6.21.0", "csrf-csrf": "^3.1.0" }',
    fix="Replace the package with what its deprecation message recommends",
    references=(
        "npm deprecate: https://docs.npmjs.com/cli/commands/npm-deprecate",
        "OWASP A06:2021 Vulnerable and Outdated Components",
    ),
)

OUTDATED_DEPENDENCY = RuleMeta(
    code="DEP004",
    name="outdated-major-dependency",
    title="A direct dependency is one or more major versions behind its latest release",
    cwe=(1104,),
    owasp=Owasp.A06,
    practices=(Practice.UPDATED_DEPENDENCIES,),
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    what=(
        "Compares the installed version of each direct dependency with the registry's "
        "`latest` release (dist-tags.latest) and reports those one or more major versions "
        "behind. Transitive packages are left to the direct dependency that picks them."
    ),
    why=(
        "Maintainers fix old major lines for a while, then stop: security fixes land only "
        "in the latest major, and the further behind a project is, the larger and riskier "
        "the upgrade it needs when a fix becomes urgent. Low severity: being behind is a "
        "risk to manage, not a vulnerability (DEP001 reports known ones)."
    ),
    example='// package.json\n"dependencies": { "express": "^3.21.2" }',
    use_instead='// package.json\n"dependencies": { "express": "^5.1.0" }',
    fix="Upgrade to the latest major version, following the package's migration guide",
    references=(
        "npm outdated: https://docs.npmjs.com/cli/commands/npm-outdated",
        "OWASP A06:2021 Vulnerable and Outdated Components",
    ),
)

UNMAINTAINED_DEPENDENCY = RuleMeta(
    code="DEP005",
    name="unmaintained-dependency",
    title="A direct dependency has had no release for three years",
    cwe=(1104,),
    owasp=Owasp.A06,
    practices=(Practice.UPDATED_DEPENDENCIES,),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports direct dependencies whose latest release (the registry's `time` of "
        "dist-tags.latest) is more than three years old. Three years: longer than a Node.js "
        "LTS line lives (30 months), so such a package has not shipped a release for any "
        "Node.js line still supported when it last did, and long enough that a small "
        "library that is simply finished is rarely mistaken for abandoned."
    ),
    why=(
        "When a vulnerability is found in an abandoned package nobody ships the fix, and "
        "the project is left to fork or replace it under time pressure. Low severity and "
        "medium confidence: a finished, tiny library may need no release at all."
    ),
    example='// package.json\n"dependencies": { "node-uuid": "^1.4.8" }',
    use_instead='// package.json\n"dependencies": { "uuid": "^11.0.0" }',
    fix="Check the project's activity; plan a replacement or a maintained fork",
    references=(
        "OpenSSF Scorecard, Maintained check: "
        "https://github.com/ossf/scorecard/blob/main/docs/checks.md#maintained",
        "OWASP A06:2021 Vulnerable and Outdated Components",
    ),
)


#: The rules that need the registry's package documents.
REGISTRY_RULES: tuple[RuleMeta, ...] = (
    DEPRECATED_DEPENDENCY,
    OUTDATED_DEPENDENCY,
    UNMAINTAINED_DEPENDENCY,
)

RULES: tuple[RuleMeta, ...] = (VULNERABLE_DEPENDENCY, VULNERABLE_CLIENT_LIBRARY, *REGISTRY_RULES)
