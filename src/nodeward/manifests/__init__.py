"""Rules over deployment manifests: Dockerfiles, docker-compose, Kubernetes, package.json."""
