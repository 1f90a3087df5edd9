import json


def test_presence_measures_memory_and_a_fan_out_that_reaches_every_contact(run_bench, tmp_path):
    run_bench("presence", "--online", "60", "--contacts", "5", "50", "--repeat", "2",
              "--json", str(tmp_path / "report.json"))

    report = json.loads((tmp_path / "report.json").read_text())
    assert report["memory"]["users"] == 60 and report["memory"]["ours_bytes"] > 0
    small, large = report["fan_out"]
    assert (small["recipients"], large["recipients"]) == (5, 50)
    # One coming-online: the same statements whatever the number of contacts, and at most one more
    # Redis command (inside the routing script) per contact.
    assert small["sql_statements"] == large["sql_statements"]
    assert large["redis_commands"] - small["redis_commands"] <= 50 - 5
