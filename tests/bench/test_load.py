import json


def test_load_delivers_every_message_on_ours_and_on_both_relays(run_bench, tmp_path):
    run_bench("load", "--connections", "20", "--rate", "10", "--duration", "1", "--drain", "10", "--processes", "1",
              "--json", str(tmp_path / "report.json"))

    results = json.loads((tmp_path / "report.json").read_text())["results"]
    assert [r["server"] for r in results] == ["app (auth, PostgreSQL, presence)", "bare Flask-SocketIO relay",
                                              "persisting relay (raw psycopg2)"]
    for result in results:
        assert result["connections_held"] == 20, result
        assert result["delivered"] == result["sent"] == 10 and result["errors"] == 0, result
    ours, _, persisting = results
    assert ours["persisted"] == persisting["persisted"] == 10


def test_load_split_over_two_generators_merges_their_counts(run_bench, tmp_path):
    run_bench("load", "--connections", "12", "--rate", "12", "--duration", "1", "--idle", "0.5", "--processes", "2",
              "--generators", "2", "--only", "app", "relay", "--json", str(tmp_path / "report.json"))

    results = json.loads((tmp_path / "report.json").read_text())["results"]
    for result in results:
        assert result["connections_held"] == 12, result
        assert result["delivered"] == result["sent"] == 12 and result["errors"] == result["undelivered"] == 0, result
    assert results[0]["persisted"] == 12
