import json


def test_rest_drives_every_request_of_the_mix_without_errors(run_bench, tmp_path):
    run_bench("rest", "--messages", "5000", "--users", "20", "--rate", "20", "--duration", "2", "--warmup", "0.5",
              "--json", str(tmp_path / "report.json"))

    report = json.loads((tmp_path / "report.json").read_text())
    for kind in ("list conversations", "page messages", "send", "mark read"):
        assert report["app"][kind]["count"] > 0 and report["app"][kind]["errors"] == 0, report["app"][kind]
        assert report["floor"][kind]["count"] > 0 and report["floor"][kind]["errors"] == 0, report["floor"][kind]
    assert report["server"]["cpu_ms_per_request"] > 0, report["server"]
