"""docker-compose.yml and its Sentinel variant: valid against the Compose Specification's JSON Schema
(vendored, tests/vendor/compose-spec), every long-running service has a healthcheck, services start
in order, credentials come from .env only and a missing one stops `docker compose` naming it, and
every variable the files or the services read is documented in .env.example. No Docker engine
runs here: the files are checked, not run."""
import json
import re

import jsonschema
import pytest
import yaml

from tests.servers import ROOT

FILES = ["docker-compose.yml", "docker-compose.sentinel.yml"]
SCHEMA = json.loads((ROOT / "tests" / "vendor" / "compose-spec" / "compose-spec.json").read_text())
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $$ is a literal $.
VARIABLE = re.compile(r"\$\$|\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")
# Where the services read their settings: the app, the jobs, Gunicorn's and the image's files.
SERVICE_SOURCES = ["app/**/*.py", "tasks/*.py", "gunicorn.conf.py", "wsgi.py", "deploy/healthcheck.py"]
SETTING_READ = re.compile(
    r"""(?:\(env, |\benv\.get\(|os\.environ\.get\(|os\.environ\[|getenv\()["']([A-Z][A-Z0-9_]*)["']""")


class MissingVariable(Exception):
    pass


def interpolate(value, env):
    """The value with Compose's variable substitution applied, as `docker compose` does before it
    validates a file. Raises MissingVariable with the file's own message for a required one."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match):
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        given = env.get(name)
        unset = given is None or (given == "" and operator in (":-", ":?"))
        if operator in ("?", ":?") and unset:
            raise MissingVariable(f"{name}: {argument}")
        return argument if operator in ("-", ":-") and unset else (given or "")

    return VARIABLE.sub(substitute, value)


def load(name):
    return yaml.safe_load((ROOT / name).read_text())


def documented_settings():
    """The variables .env.example names (set or commented out)."""
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def example_env():
    """.env.example's values, with every required secret filled in as an operator would."""
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.MULTILINE))
    required = {name for file in FILES for name, operator, _ in VARIABLE.findall((ROOT / file).read_text())
                if name and operator in ("?", ":?")}
    return {**values, **{name: f"secret-{name.lower()}" for name in required if not values.get(name)}}


@pytest.mark.parametrize("name", FILES)
def test_the_compose_file_is_valid_against_the_compose_specification(name):
    document = interpolate(load(name), example_env())

    jsonschema.Draft7Validator(SCHEMA).validate(document)


def test_every_long_running_service_has_a_healthcheck():
    base, sentinel = load(FILES[0])["services"], load(FILES[1])["services"]
    services = {**base, **{name: {**base.get(name, {}), **service} for name, service in sentinel.items()}}

    long_running = {name for name, service in services.items() if service.get("restart") != "no"}

    assert long_running >= {"postgres", "redis", "minio", "api", "realtime1", "realtime2", "worker", "nginx",
                            "redis-replica", "sentinel1", "sentinel2", "sentinel3"}
    assert {name for name in long_running if "test" not in services[name].get("healthcheck", {})} == set()
    for name in ("api", "realtime1", "realtime2"):  # readiness, GET /health/ready (deploy/healthcheck.py)
        assert services[name]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py", "--ready"]


def test_services_start_after_what_they_need():
    services = load(FILES[0])["services"]

    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("api", "realtime1", "realtime2", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}, name
    assert {dependency["condition"] for dependency in services["nginx"]["depends_on"].values()} == {"service_healthy"}


@pytest.mark.parametrize("name", FILES)
def test_credentials_come_from_the_environment_only(name):
    services = load(name)["services"]

    for service_name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            credentials = re.match(r"[a-z+]+://([^@/]*)@", value)  # a URL with user:password@
            if re.search(r"PASSWORD|SECRET|AUTH", key) or credentials:
                assert "${" in (credentials.group(1) if credentials else value), f"{name}: {service_name}.{key}"


@pytest.mark.parametrize("missing", sorted({
    name for file in FILES for name, operator, _ in VARIABLE.findall((ROOT / file).read_text())
    if name and operator in ("?", ":?")}))
def test_a_missing_required_setting_stops_compose_naming_it(missing):
    env = {name: value for name, value in example_env().items() if name != missing}

    with pytest.raises(MissingVariable, match=rf"^{missing}: set {missing} in \.env"):
        for name in FILES:
            interpolate(load(name), env)


def test_every_variable_the_files_and_the_services_read_is_documented_in_env_example():
    read_by_services = {name for pattern in SERVICE_SOURCES for path in ROOT.glob(pattern)
                        for name in SETTING_READ.findall(path.read_text())}
    read_by_compose = {name for file in FILES for name, _, _ in VARIABLE.findall((ROOT / file).read_text()) if name}

    assert read_by_services >= {"DATABASE_URL", "REDIS_URL", "REDIS_SENTINEL_PASSWORD", "ROLE", "BIND"}  # it scans
    assert (read_by_services | read_by_compose) - documented_settings() == set()
