import json


def test_storm_brings_every_dropped_client_back_with_nothing_lost(run_bench, tmp_path):
    run_bench("storm", "--connections", "8", "--generators", "2", "--rate", "8", "--before", "1", "--after", "0.5",
              "--json", str(tmp_path / "report.json"), timeout=240)

    result = json.loads((tmp_path / "report.json").read_text())["result"]
    assert result["connections_held"] == 8 and result["dropped_clients"] == 4, result
    assert result["reconnected"] == result["caught_up"] == 4, result
    assert result["acked"] > 0 and result["lost"] == 0, result
