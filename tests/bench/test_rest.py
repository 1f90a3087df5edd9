import json


def test_rest_drives_every_request_of_the_mix_without_errors(run_bench, tmp_path):
    run_bench("rest", "--messages", "5000", "--users", "20", "--rate", "20", "--duration", "2", "--warmup", "0.5",
              "--json", str(tmp_path / "report.json"))

    report = json.loads((tmp_path / "report.json").read_text())
    for kind in ("list conversations", "page messages", "send", "mark read"):
        assert report["app"][kind]["count"] > 0 and report["app"][kind]["errors"] == 0, report["app"][kind]
        assert report["floor"][kind]["count"] > 0 and report["floor"][kind]["errors"] == 0, report["floor"][kind]
    assert report["server"]["cpu_ms_per_request"] > 0, report["server"]
    # The test PostgreSQL and Redis run on this machine: each process's share is measured.
    assert all(report["server"]["cpu_ms_per_request_by_process"][name] > 0
               for name in ("server", "postgres", "redis", "load generator")), report["server"]
    assert report["floor_cpu_ms_per_request_by_process"]["postgres"] > 0, report["floor_cpu_ms_per_request_by_process"]
