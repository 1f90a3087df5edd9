import json


def test_presence_measures_memory_and_a_fan_out_that_reaches_every_contact(run_bench, tmp_path):
    run_bench("presence", "--online", "60", "--contacts", "5", "50", "--repeat", "2",
              "--json", str(tmp_path / "report.json"))

    report = json.loads((tmp_path / "report.json").read_text())
    assert report["memory"]["users"] == 60 and report["memory"]["ours_bytes"] > 0
    small, large = report["fan_out"]
    assert (small["recipients"], large["recipients"]) == (5, 50)
    # One coming-online costs the same commands and statements whatever the number of contacts.
    assert small["redis_commands"] == large["redis_commands"]
    assert small["sql_statements"] == large["sql_statements"]
    assert large["published_bytes"] > small["published_bytes"]
