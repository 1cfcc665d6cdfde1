#!/usr/bin/env python3
"""What the compose-spec schema cannot see in docker-compose*.yml (issue 10).

There is no Docker engine on CI, so `check-jsonschema --builtin-schema vendor.compose-spec`
checks each file's structure, and this script checks what only the repository can tell: every
`depends_on` names a service (with a healthcheck where it waits for health), every build context
and Dockerfile exists and builds the `[[example]]` Cargo.toml declares, every URL a service is
given (`OTEL_EXPORTER_OTLP_ENDPOINT` first, with its protocol) points at a service and a port that
service listens on, and every variable and role handed to the demo is one its source reads.

Each compose set is checked as compose would merge it: docker-compose.yml alone, and with each
docker-compose.NAME.yml override over it.

    python3 .ci/compose_check.py              # check the repository's compose files
    python3 .ci/compose_check.py --self-test  # break the files in memory; each break must be caught

Python rather than a Rust test: it runs beside check-jsonschema (whose install brings the YAML
parser), and a YAML parser for one CI check does not belong in the workspace's dependencies.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    from ruamel.yaml import YAML

    def parse_yaml(text: str):
        return YAML(typ="safe", pure=True).load(text)

except ImportError:  # check-jsonschema installed elsewhere (pipx): PyYAML will do
    import yaml

    def parse_yaml(text: str):
        return yaml.safe_load(text)


def load_yaml(path: Path):
    return parse_yaml(path.read_text())


ROOT = Path(__file__).resolve().parent.parent

# The demo's contract (/work/brief/demo-contract.md): what it reads when examples/demo/ does not
# exist yet; once it does, its source is the authority and the names below must appear in it.
CONTRACT_DEMO_VARS = {"DEMO_LISTEN", "DEMO_ORDERS_URL", "DEMO_INVENTORY_URL", "DEMO_DATABASE"}
CONTRACT_ROLES = {"gateway", "orders", "inventory"}
# Which service a role's URL variable must point at.
URL_VAR_ROLE = {"DEMO_ORDERS_URL": "orders", "DEMO_INVENTORY_URL": "inventory"}
# What each role cannot run without in a container (the defaults are loopback addresses).
ROLE_NEEDS = {
    "gateway": {"DEMO_LISTEN", "DEMO_ORDERS_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"},
    "orders": {"DEMO_LISTEN", "DEMO_INVENTORY_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"},
    "inventory": {"DEMO_LISTEN", "OTEL_EXPORTER_OTLP_ENDPOINT"},
}
ROLE_KIND = {"gateway": "http", "orders": "http", "inventory": "grpc"}

# Read by opentelemetry_sdk / opentelemetry-otlp 0.33 themselves (shared/notes/otlp-and-jaeger.md);
# what `baton::init` reads is taken from src/init.
SDK_VARS = {
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "OTEL_SPAN_LINK_COUNT_LIMIT",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
}
# The OTLP protocol names, and which of a receiver's ports each needs; the ones baton::init
# accepts are those its source (src/init) names.
OTLP_PROTOCOLS = {"grpc": "grpc", "http/protobuf": "http", "http/json": "http"}

# What an image listens on when no config file of ours says otherwise: port -> protocol.
JAEGER_ALL_IN_ONE = {4317: "grpc", 4318: "http", 16686: "http", 13133: "http", 5778: "http",
                     5779: "grpc", 9411: "http", 14250: "grpc", 14268: "http"}
KNOWN_IMAGES = {
    "jaegertracing/jaeger": JAEGER_ALL_IN_ONE,
    "docker.elastic.co/elasticsearch/elasticsearch": {9200: "http"},
    "curlimages/curl": {},
}
CONFIG_IMAGES = {"jaegertracing/jaeger", "otel/opentelemetry-collector-contrib"}
WILDCARD_HOSTS = {"0.0.0.0", "[::]", "::", ""}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
DEPENDS_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# Compose replaces these on merge; every other list is appended to.
REPLACED_LISTS = {"command", "entrypoint", "test"}


class Repo:
    """The files the checks read, so that the self-test can alter them in memory."""

    def __init__(self, root: Path):
        self.root = root
        self.overrides: dict[str, str] = {}

    def read(self, rel: str) -> str | None:
        if rel in self.overrides:
            return self.overrides[rel]
        path = self.root / rel
        return path.read_text() if path.is_file() else None

    def exists(self, rel: str) -> bool:
        return rel in self.overrides or (self.root / rel).exists()

    def rust_sources(self, rel_dir: str) -> str:
        texts = [text for name, text in self.overrides.items() if name.startswith(rel_dir + "/")]
        base = self.root / rel_dir
        if base.is_dir():
            texts += [p.read_text() for p in sorted(base.rglob("*.rs"))
                      if str(p.relative_to(self.root)) not in self.overrides]
        return "\n".join(texts)


# ---------------------------------------------------------------------------------------------
# Loading and merging, as compose does.


def normalize(doc: dict) -> dict:
    doc = copy.deepcopy(doc or {})
    for svc in (doc.get("services") or {}).values():
        env = svc.get("environment")
        if isinstance(env, list):
            svc["environment"] = dict(
                (item.split("=", 1) + [""])[:2] if "=" in item else (item, None) for item in env)
        deps = svc.get("depends_on")
        if isinstance(deps, list):
            svc["depends_on"] = {name: {"condition": "service_started"} for name in deps}
        if isinstance(svc.get("build"), str):
            svc["build"] = {"context": svc["build"]}
    return doc


def merge(base, over, key=None):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v, k) if k in base else copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(over, list) and key not in REPLACED_LISTS:
        return base + [v for v in over if v not in base]
    return copy.deepcopy(over)


def compose_sets(repo: Repo) -> list[tuple[str, dict]]:
    base = normalize(load_yaml(repo.root / "docker-compose.yml"))
    sets = [("docker-compose.yml", base)]
    for path in sorted(repo.root.glob("docker-compose.*.yml")):
        sets.append((f"docker-compose.yml + {path.name}",
                     merge(base, normalize(load_yaml(path)))))
    return sets


# ---------------------------------------------------------------------------------------------
# What the demo and baton::init read, from their source.


def string_literals(source: str, pattern: str) -> set[str]:
    return set(re.findall(r'"(' + pattern + r')"', source))


def demo_example(repo: Repo) -> dict | None:
    manifest = repo.read("Cargo.toml") or ""
    for block in re.split(r"^\[\[", manifest, flags=re.M)[1:]:
        if block.startswith("example]") and re.search(r'^name\s*=\s*"demo"', block, re.M):
            path = re.search(r'^path\s*=\s*"([^"]+)"', block, re.M)
            feats = re.search(r"^required-features\s*=\s*\[([^\]]*)\]", block, re.M)
            return {
                "path": path.group(1) if path else "examples/demo.rs",
                "features": set(re.findall(r'"([^"]+)"', feats.group(1))) if feats else set(),
            }
    return None


def demo_reads(repo: Repo) -> tuple[set[str], set[str], str]:
    """The DEMO_* variables and roles the demo reads, and where that was learned."""
    example = demo_example(repo)
    if example is None:
        return CONTRACT_DEMO_VARS, CONTRACT_ROLES, "the contract (no [[example]] named demo yet)"
    source = repo.rust_sources(str(Path(example["path"]).parent))
    roles = {r for r in CONTRACT_ROLES if f'"{r}"' in source}
    return string_literals(source, r"DEMO_[A-Z0-9_]+"), roles, f"{Path(example['path']).parent}/"


def init_reads(repo: Repo) -> set[str]:
    return string_literals(repo.rust_sources("src/init"), r"(?:OTEL|BATON)_[A-Z0-9_]+") | SDK_VARS


def init_protocols(repo: Repo) -> set[str]:
    source = repo.rust_sources("src/init")
    return {p for p in OTLP_PROTOCOLS if f'"{p}"' in source}


# ---------------------------------------------------------------------------------------------
# What each service listens on.


def image_name(svc: dict) -> str | None:
    image = svc.get("image")
    return image.rsplit(":", 1)[0] if image and ":" in image.split("/")[-1] else image


def host_port(endpoint: str) -> tuple[str, int] | None:
    m = re.fullmatch(r"(?:[a-z]+://)?(\[[^\]]*\]|[^:/]*):(\d+)(?:/.*)?", str(endpoint))
    return (m.group(1), int(m.group(2))) if m else None


class CheckError(Exception):
    pass


def config_file(repo: Repo, svc: dict) -> tuple[str, dict] | None:
    """The host file mounted where the service's --config points."""
    args = [str(a) for a in (svc.get("command") or [])]
    target = None
    for i, arg in enumerate(args):
        if arg.startswith("--config="):
            target = arg.split("=", 1)[1]
        elif arg == "--config" and i + 1 < len(args):
            target = args[i + 1]
    if target is None:
        return None
    for vol in svc.get("volumes") or []:
        parts = str(vol).split(":")
        if len(parts) >= 2 and parts[1] == target and parts[0].startswith("."):
            rel = str(Path(parts[0]))
            text = repo.read(rel)
            if text is None:
                raise CheckError(f"config file {rel} (mounted at {target}) does not exist")
            return rel, parse_yaml(text) or {}
    raise CheckError(f"--config {target} is not a file mounted from the repository")


def walk_endpoints(node, path=()):
    """Every (dotted path, value) for keys named endpoint or server_urls in a collector config."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "endpoint" and v is not None:
                yield ".".join(path + (k,)), v
            elif k == "server_urls":
                for url in v or []:
                    yield ".".join(path + (k,)), url
            else:
                yield from walk_endpoints(v, path + (str(k),))


def listeners(repo: Repo, name: str, svc: dict, errors: list[str]) -> dict[int, str]:
    role = demo_role(svc)
    if role is not None:
        listen = (svc.get("environment") or {}).get("DEMO_LISTEN")
        hp = host_port(listen) if listen else None
        if hp is None:
            return {}
        if hp[0] not in WILDCARD_HOSTS:
            errors.append(f"{name}: DEMO_LISTEN={listen} binds {hp[0]}, which other containers "
                          "cannot reach; use 0.0.0.0")
        return {hp[1]: ROLE_KIND[role]}
    image = image_name(svc)
    if image in CONFIG_IMAGES:
        try:
            found = config_file(repo, svc)
        except CheckError as e:
            errors.append(f"{name}: {e}")
            return {}
        if found is not None:
            rel, doc = found
            ports: dict[int, str] = {}
            protocols = (((doc.get("receivers") or {}).get("otlp") or {}).get("protocols") or {})
            for proto in ("grpc", "http"):
                if proto in protocols:
                    ep = (protocols[proto] or {}).get("endpoint")
                    hp = host_port(ep) if ep else None
                    if hp is None or hp[0] not in WILDCARD_HOSTS:
                        errors.append(f"{name}: {rel}: receivers.otlp.protocols.{proto}.endpoint "
                                      f"is {ep!r}; give 0.0.0.0:PORT (the default host is "
                                      "localhost, unreachable from other containers)")
                    else:
                        ports[hp[1]] = proto
            for key, ep in walk_endpoints(doc.get("extensions") or {}, ("extensions",)):
                hp = host_port(ep)
                if hp and hp[0] in WILDCARD_HOSTS:
                    ports[hp[1]] = "grpc" if key.endswith("grpc.endpoint") else "http"
            return ports
        if image == "jaegertracing/jaeger":
            return dict(JAEGER_ALL_IN_ONE)
        errors.append(f"{name}: {image} needs --config with a mounted file to say what it "
                      "listens on")
        return {}
    if image in KNOWN_IMAGES:
        return dict(KNOWN_IMAGES[image])
    return {}


def demo_role(svc: dict) -> str | None:
    if "build" not in svc:
        return None
    cmd = svc.get("command") or []
    if isinstance(cmd, str):
        cmd = cmd.split()
    return str(cmd[0]) if cmd and str(cmd[0]) in ROLE_KIND else None


# ---------------------------------------------------------------------------------------------
# The checks.


def check_build(repo: Repo, name: str, svc: dict, errors: list[str]) -> None:
    build = svc["build"]
    context = repo.root / build.get("context", ".")
    if not context.is_dir():
        errors.append(f"{name}: build context {build.get('context')} does not exist")
        return
    dockerfile_rel = str((context / build.get("dockerfile", "Dockerfile")).relative_to(repo.root))
    text = repo.read(dockerfile_rel)
    if text is None:
        errors.append(f"{name}: Dockerfile {dockerfile_rel} does not exist")
        return
    check_dockerfile(repo, dockerfile_rel, text, context, errors)
    role = demo_role(svc)
    cmd = svc.get("command") or []
    if role is None:
        errors.append(f"{name}: command {cmd} is not a demo role (valid: "
                      f"{', '.join(sorted(ROLE_KIND))})")


def ignore_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker reads it: from the context root, `*` and `?` within one
    path segment, `**` across any number of them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignored(patterns: list[str], rel: str) -> bool:
    """Whether Docker leaves `rel` out of the context: a match on the path or on a directory
    above it; the last matching pattern decides (`!` re-includes)."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for pat in patterns:
        negate = pat.startswith("!")
        regex = ignore_regex(os.path.normpath(pat.lstrip("!").strip("/")))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


def check_dockerfile(repo: Repo, rel: str, text: str, context: Path, errors: list[str]) -> None:
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", text, re.M | re.I))
    for ref in re.findall(r"--from=(\S+)", text):
        if ref not in stages:
            errors.append(f"{rel}: COPY --from={ref} names no stage (stages: "
                          f"{', '.join(sorted(stages))})")
    for line in re.findall(r"^FROM\s+(\S+)", text, re.M | re.I):
        if ":" not in line.split("/")[-1] and line not in stages:
            errors.append(f"{rel}: FROM {line} is not pinned to a tag")
    patterns = ignore_patterns(repo, str(context.relative_to(repo.root)))
    if not dockerignored(patterns, "target"):
        errors.append(f"{rel}: .dockerignore must leave target/ out of the build context")
    needed = ["Cargo.toml", "Cargo.lock", "README.md", "src/lib.rs"]
    manifest = repo.read("Cargo.toml") or ""
    members = re.search(r"^members\s*=\s*\[([^\]]*)\]", manifest, re.M)
    for glob in re.findall(r'"([^"]+)"', members.group(1)) if members else []:
        for member in sorted(repo.root.glob(glob)):
            member_rel = str(member.relative_to(repo.root))
            needed.append(f"{member_rel}/Cargo.toml")
            if (member / "README.md").exists():
                needed.append(f"{member_rel}/README.md")  # include_str! as the crate docs
    example = demo_example(repo)
    examples = re.findall(r"--example\s+(\S+)", text)
    if example is not None:
        needed.append(example["path"])
        arg = re.search(r"^ARG\s+DEMO_FEATURES=(\S+)", text, re.M)
        feats = set(arg.group(1).split(",")) if arg else set()
        if not example["features"] <= feats:
            errors.append(f"{rel}: DEMO_FEATURES {sorted(feats)} lacks the example's "
                          f"required-features {sorted(example['features'] - feats)}")
    if examples != ["demo"]:
        errors.append(f"{rel}: builds examples {examples}; the compose services run the demo "
                      "(`--example demo`)")
    for path in needed:
        if dockerignored(patterns, path):
            errors.append(f"{rel}: .dockerignore leaves {path} out of the build context, and "
                          "the build needs it")
    built = re.search(r"target/release/examples/(\S+)", text)
    if not built or built.group(1) not in examples:
        errors.append(f"{rel}: the runtime stage copies {built.group(0) if built else 'nothing'}, "
                      "not the example it built")


def urls_in(value) -> list[str]:
    return re.findall(r"https?://[^\s'\"]+", str(value))


def check_set(repo: Repo, label: str, doc: dict) -> list[str]:
    errors: list[str] = []
    services: dict = doc.get("services") or {}
    demo_vars, roles, source = demo_reads(repo)
    init_vars = init_reads(repo)
    listens = {name: listeners(repo, name, svc, errors) for name, svc in services.items()}

    def target(name: str, what: str, endpoint, kind: str | None = None) -> str | None:
        hp = host_port(endpoint)
        if hp is None:
            errors.append(f"{name}: {what} {endpoint!r} is not HOST:PORT")
            return None
        host, port = hp
        if host in LOCAL_HOSTS:
            errors.append(f"{name}: {what} {endpoint} is the container itself; name the service")
            return None
        if host not in services:
            errors.append(f"{name}: {what} {endpoint} names no service (services: "
                          f"{', '.join(sorted(services))})")
            return None
        if port not in listens[host]:
            errors.append(f"{name}: {what} {endpoint}: {host} does not listen on {port} (it "
                          f"listens on {sorted(listens[host]) or 'nothing known'})")
            return host
        if kind is not None and listens[host][port] != kind:
            errors.append(f"{name}: {what} {endpoint}: port {port} of {host} speaks "
                          f"{listens[host][port]}, the exporter {kind}")
        return host

    for name, svc in services.items():
        image = svc.get("image")
        if image is not None:
            tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else None
            if tag in (None, "latest"):
                errors.append(f"{name}: image {image} is not pinned to a released tag")
            if image_name(svc) == "jaegertracing/jaeger" and not re.fullmatch(r"2\.\d+\.\d+", tag or ""):
                errors.append(f"{name}: {image}: Jaeger v2 is pinned as 2.MINOR.PATCH")
        elif "build" not in svc:
            errors.append(f"{name}: neither image nor build")

        for dep, spec in (svc.get("depends_on") or {}).items():
            cond = (spec or {}).get("condition", "service_started")
            if dep not in services:
                errors.append(f"{name}: depends_on {dep}, which is not a service (services: "
                              f"{', '.join(sorted(services))})")
            elif cond not in DEPENDS_CONDITIONS:
                errors.append(f"{name}: depends_on {dep} with condition {cond} (valid: "
                              f"{', '.join(sorted(DEPENDS_CONDITIONS))})")
            elif cond == "service_healthy" and not (services[dep].get("healthcheck") or {}).get("test"):
                errors.append(f"{name}: waits for {dep} to be healthy, and {dep} has no healthcheck")

        if "build" in svc:
            check_build(repo, name, svc, errors)

        env = svc.get("environment") or {}
        role = demo_role(svc)
        if role is not None:
            if role not in roles:
                errors.append(f"{name}: role {role} is not one {source} knows "
                              f"(it knows {', '.join(sorted(roles)) or 'none'})")
            for var in sorted(ROLE_NEEDS[role] - set(env)):
                errors.append(f"{name}: {role} needs {var} in a container (its default is a "
                              "loopback address)")
            for var in env:
                if var.startswith("DEMO_") and var not in demo_vars:
                    errors.append(f"{name}: {var} is not read by {source} (it reads "
                                  f"{', '.join(sorted(demo_vars)) or 'no DEMO_ variable'})")
                elif var.startswith(("OTEL_", "BATON_")) and var not in init_vars:
                    errors.append(f"{name}: {var} is read neither by baton::init (src/init) nor "
                                  "by the OpenTelemetry SDK")
            for var, want in URL_VAR_ROLE.items():
                if var in env:
                    host = target(name, var, env[var], ROLE_KIND[want])
                    if host is not None and demo_role(services[host]) != want:
                        errors.append(f"{name}: {var}={env[var]} points at {host}, which is not "
                                      f"the {want} service")

        if "OTEL_EXPORTER_OTLP_ENDPOINT" in env:
            endpoint = str(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
            protocol = str(env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"))
            accepted = init_protocols(repo) if role is not None else set(OTLP_PROTOCOLS)
            if protocol not in accepted:
                errors.append(f"{name}: OTEL_EXPORTER_OTLP_PROTOCOL={protocol} (valid: "
                              f"{', '.join(sorted(accepted))})")
            elif not endpoint.startswith("http://"):
                errors.append(f"{name}: OTEL_EXPORTER_OTLP_ENDPOINT={endpoint} needs an explicit "
                              "http:// (without a scheme, gRPC means https since 0.33)")
            else:
                host = target(name, "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint,
                              OTLP_PROTOCOLS[protocol])
                if host is not None and host not in (svc.get("depends_on") or {}):
                    errors.append(f"{name}: exports to {host} without depends_on {host}")

        # Every other URL a service is handed (the load generator's requests, say).
        texts = [svc.get("command"), svc.get("entrypoint")] + [
            v for k, v in env.items() if k not in URL_VAR_ROLE and k != "OTEL_EXPORTER_OTLP_ENDPOINT"]
        for url in {u for t in texts if t for u in urls_in(t)}:
            target(name, "URL", url)

        own = set(listens[name])
        for port_spec in svc.get("ports") or []:
            container = str(port_spec.get("target") if isinstance(port_spec, dict)
                            else str(port_spec).split(":")[-1]).split("/")[0]
            if own and int(container) not in own:
                errors.append(f"{name}: publishes container port {container}, which it does not "
                              f"listen on ({sorted(own)})")
        test = " ".join(str(t) for t in ((svc.get("healthcheck") or {}).get("test") or []))
        probed = [int(p) for p in re.findall(r"/dev/tcp/(?:127\.0\.0\.1|localhost)/(\d+)", test)]
        probed += [int(p) for p in re.findall(r"//(?:127\.0\.0\.1|localhost):(\d+)", test)]
        for port in probed:
            if own and port not in own:
                errors.append(f"{name}: the healthcheck probes port {port}, which it does not "
                              f"listen on ({sorted(own)})")

        found = config_file_or_none(repo, svc)
        if found is not None:
            rel, cfg = found
            for key, ep in walk_endpoints(cfg.get("exporters") or {}, ("exporters",)):
                kind = "grpc" if "grpc" in key else "http"
                target(name, f"{rel}: {key}", ep, kind)
            for key, ep in walk_endpoints(cfg.get("extensions") or {}, ("extensions",)):
                if key.endswith("server_urls"):
                    target(name, f"{rel}: {key}", ep)

    # Services sharing a Dockerfile share its problems: say each once.
    return [f"{label}: {e}" for e in dict.fromkeys(errors)]


def config_file_or_none(repo: Repo, svc: dict):
    try:
        return config_file(repo, svc) if image_name(svc) in CONFIG_IMAGES else None
    except CheckError:
        return None  # already reported by listeners()


def ignore_patterns(repo: Repo, context_rel: str) -> list[str]:
    text = repo.read(os.path.normpath(os.path.join(context_rel, ".dockerignore"))) or ""
    return [p.strip() for p in text.splitlines() if p.strip() and not p.startswith("#")]


def check_context(repo: Repo, context_rel: str) -> list[str]:
    """Lay out the build context as Docker would send it and have cargo load the workspace there:
    a member, a path dependency or a declared target left out by .dockerignore shows up here."""
    patterns = ignore_patterns(repo, context_rel)
    base = (repo.root / context_rel).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        for dirpath, dirnames, filenames in os.walk(base):
            rel_dir = os.path.relpath(dirpath, base)
            rel_of = lambda n: n if rel_dir == "." else f"{rel_dir}/{n}"  # noqa: E731
            dirnames[:] = [d for d in dirnames if not dockerignored(patterns, rel_of(d))]
            for name in filenames:
                rel = rel_of(name)
                if dockerignored(patterns, rel):
                    continue
                dest = Path(tmp, rel)
                dest.parent.mkdir(parents=True, exist_ok=True)
                repo_rel = os.path.normpath(os.path.join(context_rel, rel))
                if repo_rel in repo.overrides:
                    dest.write_text(repo.overrides[repo_rel])
                else:
                    shutil.copyfile(Path(dirpath, name), dest)
        for repo_rel, text in repo.overrides.items():  # files the self-test adds
            rel = os.path.relpath(repo_rel, context_rel)
            if not dockerignored(patterns, rel) and not Path(tmp, rel).exists():
                Path(tmp, rel).parent.mkdir(parents=True, exist_ok=True)
                Path(tmp, rel).write_text(text)
        run = subprocess.run(["cargo", "metadata", "--no-deps", "--format-version", "1"],
                             cwd=tmp, capture_output=True, text=True)
    if run.returncode != 0:
        reason = " ".join(run.stderr.split())
        return [f"build context {context_rel} (less .dockerignore): cargo cannot load the "
                f"workspace: {reason[:400]}"]
    return []


def check(repo: Repo) -> list[str]:
    sets = compose_sets(repo)
    errors = [e for label, doc in sets for e in check_set(repo, label, doc)]
    contexts = sorted({str(svc["build"].get("context", ".")) for _, doc in sets
                       for svc in (doc.get("services") or {}).values() if "build" in svc})
    for context in contexts:
        if (repo.root / context).is_dir():
            errors += check_context(repo, context)
    return errors


# ---------------------------------------------------------------------------------------------
# Self-test: each break below must be reported, with the words given.


def svc(doc, name):
    return doc["services"][name]


MUTATIONS = [
    ("depends_on a missing service",
     lambda d, r: svc(d, "gateway")["depends_on"].update({"ordrs": {"condition": "service_started"}}),
     "depends_on ordrs, which is not a service"),
    ("waits for health of a service with no healthcheck",
     lambda d, r: svc(d, "orders").pop("healthcheck"),
     "waits for orders to be healthy, and orders has no healthcheck"),
    ("build context gone",
     lambda d, r: svc(d, "orders")["build"].update({"context": "./no-such-dir"}),
     "build context ./no-such-dir does not exist"),
    ("Dockerfile gone",
     lambda d, r: svc(d, "orders")["build"].update({"dockerfile": "Dockerfile.missing"}),
     "Dockerfile Dockerfile.missing does not exist"),
    ("endpoint on a port the collector does not listen on",
     lambda d, r: svc(d, "gateway")["environment"].update({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4319"}),
     "jaeger does not listen on 4319"),
    ("endpoint names no service",
     lambda d, r: svc(d, "gateway")["environment"].update({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jeager:4318"}),
     "names no service"),
    ("endpoint without http://",
     lambda d, r: svc(d, "inventory")["environment"].update({"OTEL_EXPORTER_OTLP_ENDPOINT": "jaeger:4317"}),
     "needs an explicit http://"),
    ("gRPC export to the HTTP port",
     lambda d, r: svc(d, "inventory")["environment"].update({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318"}),
     "speaks http, the exporter grpc"),
    ("a protocol baton::init refuses",
     lambda d, r: svc(d, "orders")["environment"].update({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}),
     "OTEL_EXPORTER_OTLP_PROTOCOL=http/json (valid: grpc, http/protobuf)"),
    ("endpoint at the container itself",
     lambda d, r: svc(d, "orders")["environment"].update({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318"}),
     "is the container itself"),
    ("orders URL on the wrong port",
     lambda d, r: svc(d, "gateway")["environment"].update({"DEMO_ORDERS_URL": "http://orders:8081"}),
     "orders does not listen on 8081"),
    ("orders URL at the inventory service",
     lambda d, r: svc(d, "gateway")["environment"].update({"DEMO_ORDERS_URL": "http://inventory:50051"}),
     "points at inventory, which is not the orders service"),
    ("a service's listen port changed, its callers not",
     lambda d, r: svc(d, "orders")["environment"].update({"DEMO_LISTEN": "0.0.0.0:9090"}),
     "orders does not listen on 8080"),
    ("listening on loopback in a container",
     lambda d, r: svc(d, "inventory")["environment"].update({"DEMO_LISTEN": "127.0.0.1:50051"}),
     "which other containers cannot reach"),
    ("a variable the demo does not read",
     lambda d, r: svc(d, "gateway")["environment"].update({"DEMO_LISTEN_ADDR": "0.0.0.0:8080"}),
     "DEMO_LISTEN_ADDR is not read by"),
    ("the demo renamed a variable (source drift)",
     lambda d, r: rename_in_demo(r, "DEMO_LISTEN", "DEMO_ADDR"),
     "DEMO_LISTEN is not read by"),
    ("an OTEL variable nothing reads",
     lambda d, r: svc(d, "gateway")["environment"].update({"OTEL_EXPORTER_OTLP_ENDPOINTS": "x"}),
     "OTEL_EXPORTER_OTLP_ENDPOINTS is read neither by baton::init"),
    ("a role the demo does not have",
     lambda d, r: svc(d, "orders").update({"command": ["order"]}),
     "is not a demo role"),
    ("gateway without its orders URL",
     lambda d, r: svc(d, "gateway")["environment"].pop("DEMO_ORDERS_URL"),
     "gateway needs DEMO_ORDERS_URL"),
    ("exporting to a service it does not wait for",
     lambda d, r: svc(d, "gateway")["depends_on"].pop("jaeger"),
     "exports to jaeger without depends_on jaeger"),
    ("load generator at the wrong port",
     lambda d, r: svc(d, "load").update({"command": ["curl http://gateway:8000/orders"]}),
     "gateway does not listen on 8000"),
    ("healthcheck probes another port",
     lambda d, r: svc(d, "orders")["healthcheck"].update({"test": ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8081"]}),
     "the healthcheck probes port 8081"),
    ("published port nothing listens on",
     lambda d, r: svc(d, "gateway").update({"ports": ["8080:8081"]}),
     "publishes container port 8081"),
    ("Jaeger unpinned",
     lambda d, r: svc(d, "jaeger").update({"image": "jaegertracing/jaeger:latest"}),
     "is not pinned to a released tag"),
    ("Jaeger config file missing",
     lambda d, r: svc(d, "jaeger").update({"command": ["--config", "/etc/jaeger/config.yaml"],
                                            "volumes": ["./deploy/nope.yaml:/etc/jaeger/config.yaml:ro"]}),
     "config file deploy/nope.yaml (mounted at /etc/jaeger/config.yaml) does not exist"),
    ("a receiver left on its default (localhost) host",
     lambda d, r: r.overrides.update({"deploy/otel-collector.yaml": (r.read("deploy/otel-collector.yaml") or "").replace("endpoint: 0.0.0.0:4318", "endpoint: localhost:4318")}),
     "receivers.otlp.protocols.http.endpoint is 'localhost:4318'"),
    ("collector exports where Jaeger does not listen",
     lambda d, r: r.overrides.update({"deploy/otel-collector.yaml": (r.read("deploy/otel-collector.yaml") or "").replace("endpoint: jaeger:4317", "endpoint: jaeger:14317")}),
     "jaeger does not listen on 14317"),
    ("Jaeger's storage URL names no service",
     lambda d, r: r.overrides.update({"deploy/jaeger-elasticsearch.yaml": (r.read("deploy/jaeger-elasticsearch.yaml") or "").replace("http://elasticsearch:9200", "http://es:9200")}),
     "es:9200 names no service"),
    (".dockerignore drops a crate's README (include_str!)",
     lambda d, r: r.overrides.update({".dockerignore": (r.read(".dockerignore") or "") + "\n*.md\n"}),
     "leaves README.md out of the build context"),
    (".dockerignore drops a path dependency (the context no longer loads)",
     lambda d, r: r.overrides.update({".dockerignore": (r.read(".dockerignore") or "") + "\ncrates/baton-log\n"}),
     "cargo cannot load the workspace"),
    (".dockerignore keeps target/",
     lambda d, r: r.overrides.update({".dockerignore": "fuzz\n"}),
     "must leave target/ out of the build context"),
    ("Dockerfile builds another example",
     lambda d, r: r.overrides.update({"Dockerfile": (r.read("Dockerfile") or "").replace("--example demo", "--example demos")}),
     "builds examples ['demos']"),
    ("Dockerfile features short of the example's required-features",
     lambda d, r: require_feature(r, "full"),
     "lacks the example's required-features ['full']"),
]


def rename_in_demo(repo: Repo, old: str, new: str) -> None:
    example = demo_example(repo)
    if example is None:
        # No demo yet: stand one in that reads the contract's names, then rename in it.
        repo.overrides["Cargo.toml"] = (repo.read("Cargo.toml") or "") + (
            '\n[[example]]\nname = "demo"\npath = "examples/demo/main.rs"\n'
            'required-features = ["init", "axum", "reqwest", "tonic", "tracing"]\n')
        repo.overrides["examples/demo/main.rs"] = "\n".join(
            f'const _: &str = "{v}";' for v in sorted(CONTRACT_DEMO_VARS | CONTRACT_ROLES))
        example = demo_example(repo)
    rel = example["path"]
    repo.overrides[rel] = (repo.read(rel) or "").replace(f'"{old}"', f'"{new}"')
    for path in sorted((repo.root / Path(rel).parent).rglob("*.rs")):
        path_rel = str(path.relative_to(repo.root))
        repo.overrides[path_rel] = (repo.read(path_rel) or "").replace(f'"{old}"', f'"{new}"')


def require_feature(repo: Repo, feature: str) -> None:
    rename_in_demo(repo, "", "")  # makes sure a demo example exists
    manifest = repo.read("Cargo.toml") or ""
    repo.overrides["Cargo.toml"] = re.sub(
        r'(name = "demo"[^\[]*?required-features\s*=\s*\[)', rf'\1"{feature}", ', manifest, count=1)


def self_test() -> int:
    passed = failed = 0
    baseline = Repo(ROOT)
    clean = check(baseline)
    if clean:
        print("self-test: the repository's own files must pass first:")
        print("\n".join(f"  {e}" for e in clean))
        print(f"{passed} passed, 1 failed")
        return 1
    sets = compose_sets(baseline)
    for title, mutate, expected in MUTATIONS:
        # Each break is tried on every compose set it applies to; the first set that has the
        # services it touches is enough.
        reported: list[str] = []
        for label, doc in sets:
            repo = Repo(ROOT)
            doc = copy.deepcopy(doc)
            try:
                mutate(doc, repo)
            except KeyError:
                continue
            reported = check_set(repo, label, doc)
            if "build context" in expected or "cargo cannot" in expected:
                reported += check_context(repo, ".")
            if any(expected in e for e in reported):
                break
        if any(expected in e for e in reported):
            passed += 1
            print(f"ok      {title}")
        else:
            failed += 1
            print(f"FAILED  {title}: expected an error containing {expected!r}, got:")
            print("\n".join(f"          {e}" for e in reported) or "          nothing")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["--self-test"]:
        return self_test()
    if argv[1:]:
        print("usage: compose_check.py [--self-test]", file=sys.stderr)
        return 2
    errors = check(Repo(ROOT))
    _, _, source = demo_reads(Repo(ROOT))
    sets = [label for label, _ in compose_sets(Repo(ROOT))]
    for e in errors:
        print(e)
    print(f"compose check: {len(sets)} compose sets ({'; '.join(sets)}), demo names from "
          f"{source}: {'ok' if not errors else f'{len(errors)} problems'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
