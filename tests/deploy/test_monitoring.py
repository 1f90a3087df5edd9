"""deploy/prometheus and deploy/grafana: the alert rules pass promtool's checks and their unit tests
(synthetic series), the scrape config is valid, every alert says what it is and where the runbook
says what to do, and the dashboard is importable as is. That every metric they name is one the
service exports is checked against live processes (tests/realtime/test_metrics.py)."""
import json
import re
import subprocess
from pathlib import Path

import yaml

from tests.system_programs import require

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "messaging.json"
RUNBOOK = ROOT / "docs" / "runbook.md"


def promtool(*args, cwd=PROMETHEUS):
    result = subprocess.run([require("promtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def alert_rules():
    return [rule for group in yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
            for rule in group["rules"]]


def test_alert_rules_pass_promtool_check():
    assert "SUCCESS" in promtool("check", "rules", "alerts.yml")


def test_alert_rules_pass_their_unit_tests():
    assert "SUCCESS" in promtool("test", "rules", "tests/alerts_test.yml")


def test_every_alert_has_a_unit_test():
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "tests" / "alerts_test.yml").read_text()))

    assert {rule["alert"] for rule in alert_rules()} == tested


def test_prometheus_config_is_valid(tmp_path):
    """With the token file at the path the config names replaced by one that exists here."""
    token = tmp_path / "metrics_token"
    token.write_text("0123456789abcdef0123456789abcdef")
    config = (PROMETHEUS / "prometheus.yml").read_text().replace("/run/secrets/metrics_token", str(token))
    (tmp_path / "prometheus.yml").write_text(config)
    (tmp_path / "alerts.yml").write_text((PROMETHEUS / "alerts.yml").read_text())

    assert "SUCCESS" in promtool("check", "config", "prometheus.yml", cwd=tmp_path)


def test_every_alert_has_a_summary_and_a_runbook_section():
    anchors = {re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
               for heading in re.findall(r"^#+ (.+)$", RUNBOOK.read_text(), re.M)}

    for rule in alert_rules():
        assert rule["annotations"]["summary"], rule["alert"]
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert page == "docs/runbook.md" and anchor in anchors, rule["alert"]


def test_the_dashboard_is_importable_as_is():
    dashboard = json.loads(DASHBOARD.read_text())

    assert dashboard["uid"] and dashboard["title"] and "id" not in dashboard
    [variable] = dashboard["templating"]["list"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"] and all(target["expr"] for target in panel["targets"]), panel["title"]
    titles = " ".join(panel["title"] for panel in dashboard["panels"]).lower()
    for subject in ("connections", "messages stored per second", "delivery latency", "http latency", "http errors",
                    "job runs", "redis memory", "database query latency", "database pool"):
        assert subject in titles
