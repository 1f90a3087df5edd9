import json


def test_storm_brings_every_dropped_client_back_with_nothing_lost(run_bench, tmp_path):
    run_bench("storm", "--connections", "8", "--generators", "2", "--rate", "8", "--before", "1", "--after", "0.5",
              "--timeout", "30", "--json", str(tmp_path / "report.json"), timeout=240)

    result = json.loads((tmp_path / "report.json").read_text())["result"]
    report = json.dumps(result)
    assert result["connections_held"] == 8 and result["dropped_clients"] == 4, report
    assert result["reconnected"] == 4 and result["caught_up"] == 4 and result["all_back_after_s"] is not None, report
    assert result["acked"] > 0 and result["lost"] == 0, report
    assert result["new_worker_cpu_ms_per_reconnect"] is not None, report
