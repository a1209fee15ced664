"""Runtime and containers (RUN0xx): Dockerfiles, compose files, Kubernetes, npm scripts."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

DOCKERFILE_ROOT = RuleMeta(
    code="RUN001",
    name="dockerfile-runs-as-root",
    title="The container's final stage runs as root",
    cwe=(250,),
    owasp=Owasp.A05,
    practices=(Practice.NOT_ROOT,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks the final stage of each Dockerfile (the one that becomes the image) for a "
        "`USER` instruction; it reports a stage with none, pointing at its `FROM` line, and "
        "a last `USER` that is `root`, `0` or `0:<group>`. A `USER` set in an earlier stage "
        "the final stage is built `FROM` counts; so do images that are non-root by default "
        "(distroless `:nonroot`, Chainguard)."
    ),
    why=(
        "Official Node.js images run as root unless told otherwise. A remote code execution "
        "or path traversal bug in the app then runs with root inside the container, which "
        "can write anywhere in the image, bind low ports and, with a kernel or runtime flaw "
        "or a mounted socket, escape to the host."
    ),
    example='FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]',
    use_instead=(
        "FROM node:20-alpine\nWORKDIR /app\nCOPY --chown=node:node . .\nUSER node\n"
        'CMD ["node", "server.js"]'
    ),
    fix="Add `USER node` (or another unprivileged user) to the final stage before CMD",
    references=(
        "Docker docs, USER: https://docs.docker.com/reference/dockerfile/#user",
        "Node.js Docker best practices (non-root user): https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md#non-root-user",
        "OWASP Docker Security Cheat Sheet, rule #2: https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html",
    ),
)

COMPOSE_PRIVILEGED = RuleMeta(
    code="RUN002",
    name="compose-privileged",
    title="A docker-compose service runs privileged, as root, or in the host's namespaces",
    cwe=(250, 269),
    owasp=Owasp.A05,
    practices=(Practice.NOT_ROOT,),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Checks every service of a docker-compose file for `privileged: true`, "
        "`user: root` / `0` / `0:0`, `cap_add` with `ALL` or `SYS_ADMIN`, and "
        "`network_mode: host` or `pid: host`. `<<: *anchor` merges are followed."
    ),
    why=(
        "A privileged container or one with SYS_ADMIN can mount the host's disks and load "
        "kernel modules: a bug in the Node.js app becomes control of the host. `user: root` "
        "overrides a Dockerfile's `USER node`. Host networking exposes every port the "
        "container opens (debuggers, metrics) on the host's interfaces and lets the "
        "container reach services bound to the host's localhost; `pid: host` lets it see and "
        "signal every host process."
    ),
    example="services:\n  web:\n    build: .\n    privileged: true\n    user: root",
    use_instead=(
        "services:\n  web:\n    build: .\n    user: node\n    cap_drop: [ALL]\n"
        "    security_opt: [no-new-privileges:true]\n    ports: ['3000:3000']"
    ),
    fix="Remove privileged/root/host settings; run as `user: node`, drop capabilities",
    references=(
        "Docker Compose services reference: https://docs.docker.com/reference/compose-file/services/",
        "OWASP Docker Security Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html",
    ),
)

KUBERNETES_ROOT = RuleMeta(
    code="RUN003",
    name="kubernetes-runs-as-root",
    title="A Kubernetes container may run as root or gain privileges",
    cwe=(250, 269),
    owasp=Owasp.A05,
    practices=(Practice.NOT_ROOT,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks the pod spec of Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, "
        "Jobs and CronJobs (every document of a multi-document file, and `List` items) and "
        "each of its containers and init containers for `privileged: true`, "
        "`allowPrivilegeEscalation: true`, an effective `runAsUser: 0`, and for the absence "
        "of `runAsNonRoot: true` (or a non-zero `runAsUser`) at both pod and container "
        "level. A container's securityContext overrides the pod's, as in Kubernetes."
    ),
    why=(
        "Without `runAsNonRoot` the kubelet starts whatever user the image names, root for "
        "official Node.js images. A compromised app then holds root in the container; with "
        "privileged mode or privilege escalation allowed, the step to the node is short."
    ),
    example=(
        "spec:\n  containers:\n    - name: web\n      image: my/app\n"
        "      securityContext:\n        allowPrivilegeEscalation: true"
    ),
    use_instead=(
        "spec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 1000\n"
        "  containers:\n    - name: web\n      image: my/app\n      securityContext:\n"
        "        allowPrivilegeEscalation: false\n        capabilities: { drop: [ALL] }"
    ),
    fix="Set `securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false }`",
    references=(
        "Kubernetes, Configure a Security Context: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        "Kubernetes Pod Security Standards (restricted): https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    ),
)

SUDO_IN_SCRIPTS = RuleMeta(
    code="RUN004",
    name="sudo-in-npm-scripts",
    title="An npm script runs with root privileges",
    cwe=(250,),
    owasp=Owasp.A05,
    practices=(Practice.NOT_ROOT,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks the `scripts` of every package.json for `sudo` and for npm's "
        "`--unsafe-perm`, which keeps root privileges for lifecycle scripts."
    ),
    why=(
        "A script that runs the app or an install step as root hands root to the app and "
        "to every dependency's install script. Binding port 80 or writing to a system "
        "folder has safer answers (a reverse proxy, a port above 1024, "
        "`setcap cap_net_bind_service`)."
    ),
    example='"scripts": { "start": "sudo node server.js" }',
    use_instead='"scripts": { "start": "node server.js" }',
    fix="Remove `sudo`/`--unsafe-perm`; listen on a port above 1024 behind a proxy",
    references=(
        "npm docs, scripts and user: https://docs.npmjs.com/cli/using-npm/scripts#user",
        "Node.js security best practices: https://nodejs.org/en/learn/getting-started/security-best-practices",
    ),
)


RULES: tuple[RuleMeta, ...] = (
    DOCKERFILE_ROOT,
    COMPOSE_PRIVILEGED,
    KUBERNETES_ROOT,
    SUDO_IN_SCRIPTS,
)
