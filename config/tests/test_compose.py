"""The production stack files: docker-compose.yml, Dockerfile, nginx, Prometheus, Grafana.

No Docker engine is needed: the files are parsed and checked for what the stack relies on;
`docker compose config` runs only where the compose plugin is installed.
"""

import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from core import metrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
LONG_RUNNING = [
    "proxy",
    "web",
    "ws",
    "worker",
    "beat",
    "postgres",
    "redis",
    "prometheus",
    "grafana",
]
APP_SERVICES = ["web", "ws", "worker", "beat"]
DASHBOARD_METRICS = [
    "django_http_requests_latency_seconds_by_view_method_bucket",
    "django_http_responses_total_by_status_view_method_total",
    "artel_websockets_connected",
    "artel_ws_subscriptions",
    "artel_live_matches",
    "artel_match_events_total",
    "artel_bookings_total",
    "artel_notification_backlog",
    "artel_notifications_total",
    "artel_celery_queue_length",
    "artel_broadcast_seconds_bucket",
    "artel_sign_ins_total",
]
# Example values for the settings compose requires (`${VAR:?...}`).
REQUIRED_ENV = {
    "SECRET_KEY": "test-secret-key-for-compose-config-only-0123456789",
    "ALLOWED_HOSTS": "club.example.com",
    "POSTGRES_PASSWORD": "pg-test-password",
    "GRAFANA_ADMIN_PASSWORD": "grafana-test-password",
}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def nginx_conf():
    nginx = DEPLOY / "nginx"
    return (nginx / "artel.conf").read_text() + (nginx / "artel-locations.inc").read_text()


@pytest.fixture(scope="module")
def dashboard():
    return json.loads((DEPLOY / "grafana" / "dashboards" / "artel.json").read_text())


def _exprs(dashboard):
    return [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]


def _exported_metric_names():
    """Sample names core/metrics.py exposes (counters gain _total, histograms _bucket)."""
    names = set()
    # The queue-length collector is registered only with REDIS_URL; describe it either way.
    collectors = [*vars(metrics).values(), metrics.CeleryQueueCollector("redis://127.0.0.1:1/0")]
    for value in collectors:
        describe = getattr(value, "describe", None)
        if not callable(describe) or isinstance(value, type):
            continue
        for family in describe():
            names.add(family.name)
            if family.type == "counter":
                names.add(f"{family.name}_total")
            if family.type == "histogram":
                names.update(f"{family.name}_{s}" for s in ("bucket", "count", "sum"))
    return names


# --- docker-compose.yml ------------------------------------------------------------------------


def test_compose_declares_the_production_services(services):
    assert set(LONG_RUNNING + ["migrate"]) <= set(services)


def test_every_long_running_service_has_a_health_check(services):
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_web_runs_gunicorn_threaded_workers_and_ws_runs_daphne_behind_the_proxy(services):
    web, ws = services["web"], services["ws"]
    assert web["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert "--worker-class=gthread" in web["command"]
    assert ws["command"][0] == "daphne"
    assert "config.asgi:application" in ws["command"]
    for name in ("web", "ws"):
        assert services[name]["deploy"]["replicas"] == 2
        # Replicas cannot share a host port: only the proxy publishes one.
        assert "ports" not in services[name]
        assert services["proxy"]["depends_on"][name]["condition"] == "service_healthy"
    # One request at a time per thread: one persistent connection each, no pool.
    assert web["environment"]["DB_POOL_MAX_SIZE"] == "0"


def test_app_services_wait_for_the_migrate_job(services):
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_migrate_is_a_one_shot_job_after_postgres_is_healthy(services):
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_worker_and_beat_run_celery_with_the_config_app(services):
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_postgres_and_redis_check_readiness_with_their_own_clients(services):
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])


def test_app_services_read_dot_env_and_require_the_secrets(services):
    for name in APP_SERVICES + ["migrate"]:
        service = services[name]
        assert service["env_file"] == ".env", name
        env = service["environment"]
        assert env["DEBUG"] == "0"
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert env["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")
        assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_web_ws_and_worker_export_metrics_on_the_port_prometheus_scrapes(services):
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    for name in ("web", "ws", "worker"):
        assert services[name]["environment"]["METRICS_PORT"] == "9100"
        sd = jobs[name]["dns_sd_configs"][0]
        assert name in sd["names"]
        assert sd["port"] == 9100
    assert jobs["prometheus"]["static_configs"][0]["targets"] == ["localhost:9090"]


def test_data_lives_in_named_volumes(compose, services):
    volumes = set(compose["volumes"])
    mounted = {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
        "prometheus": "/prometheus",
        "grafana": "/var/lib/grafana",
    }
    for name, path in mounted.items():
        sources = [v.split(":")[0] for v in services[name]["volumes"] if v.split(":")[1] == path]
        assert sources and sources[0] in volumes, name


def test_monitoring_ports_are_bound_to_loopback_by_default(services):
    for name in ("prometheus", "grafana"):
        assert all(p.startswith("${") and ":-127.0.0.1}" in p for p in services[name]["ports"])


def test_mounted_deploy_files_exist(services):
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def test_grafana_is_provisioned_with_the_prometheus_datasource_and_dashboards():
    provisioning = DEPLOY / "grafana" / "provisioning"
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    source = datasources["datasources"][0]
    assert (source["type"], source["uid"], source["url"]) == (
        "prometheus",
        "prometheus",
        "http://prometheus:9090",
    )
    providers = yaml.safe_load((provisioning / "dashboards" / "artel.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/etc/grafana/dashboards"


@pytest.fixture
def compose_plugin():
    if shutil.which("docker") is None:
        pytest.skip("docker client not installed")
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip(f"`docker compose` unavailable: {(probe.stderr or probe.stdout).strip()}")


def test_docker_compose_config_is_valid(compose_plugin, tmp_path):
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in REQUIRED_ENV.items()))
    result = subprocess.run(
        [
            "docker",
            "compose",
            "--project-directory",
            str(ROOT),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        # Interpolation comes from --env-file; `env_file: .env` itself must exist (make creates it).
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", **REQUIRED_ENV},
    )
    if "env file" in result.stderr and "not found" in result.stderr:
        pytest.skip("no .env in the project directory (cp .env.example .env)")
    assert result.returncode == 0, result.stderr


# --- nginx -------------------------------------------------------------------------------------


def test_nginx_upgrades_websockets_on_ws(nginx_conf):
    ws = re.search(r"location /ws/ \{(?P<body>[^}]*)\}", nginx_conf)
    assert ws, "no location /ws/"
    assert "proxy_pass http://artel_ws;" in ws.group("body")
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx_conf
    assert "proxy_set_header Connection $connection_upgrade;" in nginx_conf
    assert "proxy_http_version 1.1;" in nginx_conf
    assert re.search(r"map \$http_upgrade \$connection_upgrade \{\s*default upgrade;", nginx_conf)


def test_nginx_sets_proxy_headers_only_at_server_level(nginx_conf):
    # A proxy_set_header inside a location silently drops all the inherited ones.
    for body in re.findall(r"location [^{]+\{([^}]*)\}", nginx_conf):
        assert "proxy_set_header" not in body


def test_nginx_balances_round_robin_without_stickiness(nginx_conf):
    for name, host in (("artel_web", "web"), ("artel_ws", "ws")):
        upstream = re.search(rf"upstream {name} \{{(?P<body>[^}}]*)\}}", nginx_conf).group("body")
        assert re.search(rf"server {host}:8000 resolve", upstream)
        for sticky in ("ip_hash", "hash ", "sticky", "least_conn"):
            assert sticky not in upstream


def test_nginx_hides_metrics_and_serves_static(nginx_conf):
    assert re.search(r"location = /metrics \{\s*return 404;", nginx_conf)
    assert re.search(r"location /static/ \{[^}]*proxy_cache artel_static;", nginx_conf)


# --- Grafana dashboard -------------------------------------------------------------------------


def test_dashboard_queries_the_stack_metrics(dashboard):
    exprs = "\n".join(_exprs(dashboard))
    for name in DASHBOARD_METRICS:
        assert name in exprs, f"dashboard does not chart {name}"
    assert "rate(artel_match_events_total[1m])" in exprs
    assert 'status=~"5.."' in exprs


def test_dashboard_artel_metrics_exist_in_config_metrics(dashboard):
    exported = _exported_metric_names()
    used = set(re.findall(r"\bartel_[a-z_]+", "\n".join(_exprs(dashboard))))
    assert used, "no artel_* metric charted"
    assert used <= exported, f"charted but not defined in core/metrics.py: {used - exported}"


def test_dashboard_panels_use_the_provisioned_datasource(dashboard):
    assert dashboard["uid"] == "artel-overview"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "prometheus", panel["title"]
            assert panel["targets"], panel["title"]


# --- Dockerfile --------------------------------------------------------------------------------


def _final_stage(dockerfile: str) -> str:
    return re.split(r"(?im)^FROM\s", dockerfile)[-1]


def test_dockerfile_final_stage_runs_as_a_non_root_user():
    final = _final_stage((ROOT / "Dockerfile").read_text())
    users = re.findall(r"(?im)^USER\s+(\S+)", final)
    assert users, "final stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_dockerfile_is_multi_stage_and_serves_daphne_on_8000():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"(?im)^FROM\s", text)) >= 2
    final = _final_stage(text)
    assert re.search(r"(?im)^EXPOSE\s+8000\b", final)
    assert '"daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"' in final
    assert re.search(r"(?im)^HEALTHCHECK\b.*\n?.*healthcheck\.py", final)
    # The build-time key is only on the collectstatic RUN step, never an ENV of the image.
    assert "collectstatic" in text
    assert not re.search(r"(?im)^ENV\b[^\n]*SECRET_KEY", text)


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv", "var", "staticfiles"):
        assert entry in ignored
    assert "!deploy/healthcheck.py" in ignored


# --- health check script -------------------------------------------------------------------------


def _load_healthcheck(monkeypatch, **env):
    import importlib.util

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def healthz_server():
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        status = 200

        def do_GET(self):  # noqa: N802 - http.server API
            seen["host"] = self.headers["Host"]
            seen["path"] = self.path
            self.send_response(Handler.status)
            self.end_headers()
            self.wfile.write(b'{"status":"ok"}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/healthz", seen, Handler
    server.shutdown()
    server.server_close()


def test_web_healthcheck_sends_an_allowed_host(monkeypatch, healthz_server):
    url, seen, _ = healthz_server
    check = _load_healthcheck(
        monkeypatch, HEALTHCHECK_URL=url, ALLOWED_HOSTS=".club.example.com,other.example.com"
    )
    assert check.main(["healthcheck.py", "web"]) == 0
    assert seen == {"host": "club.example.com", "path": "/healthz"}


def test_web_healthcheck_fails_when_healthz_is_not_200(monkeypatch, healthz_server):
    url, _, handler = healthz_server
    handler.status = 503
    check = _load_healthcheck(monkeypatch, HEALTHCHECK_URL=url, ALLOWED_HOSTS="*")
    assert check.main(["healthcheck.py", "web"]) == 1


def test_beat_healthcheck_follows_the_schedule_file_age(monkeypatch, tmp_path):
    import os
    import time

    schedule = tmp_path / "celerybeat-schedule"
    check = _load_healthcheck(monkeypatch, BEAT_SCHEDULE=str(schedule), BEAT_HEALTH_MAX_AGE="60")
    assert check.main(["healthcheck.py", "beat"]) == 1
    schedule.write_bytes(b"x")
    assert check.main(["healthcheck.py", "beat"]) == 0
    old = time.time() - 120
    os.utime(schedule, (old, old))
    assert check.main(["healthcheck.py", "beat"]) == 1
