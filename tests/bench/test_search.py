import json


def test_search_times_every_query_shape_per_conversation_and_globally(run_bench, tmp_path):
    run_bench("search", "--messages", "5000", "--repeat", "1", "--users", "1", "--json", str(tmp_path / "report.json"))

    report = json.loads((tmp_path / "report.json").read_text())
    cells = {(c["scope"], c["users"], c["shape"]): c for c in report["cells"]}
    shapes = {"common word", "most common word", "rare word", "phrase", "from:", "dates only", "word + dates",
              "no hits"}
    assert {shape for _, _, shape in cells} == shapes
    assert {(scope, users) for scope, users, _ in cells} == {
        ("conversation", "light"), ("conversation", "heavy"), ("global", "light"), ("global", "heavy")}
    assert all(hits == 0 for scope in ("conversation", "global") for users in ("light", "heavy")
               for hits in cells[scope, users, "no hits"]["hits_first_page"])
    assert all(hits > 0 for hits in cells["global", "heavy", "rare word"]["hits_first_page"])
    assert all(c[f"{method}_ms"]["95"] is not None for c in cells.values() for method in ("service", "rest", "sql"))
    assert "Execution Time" in report["explain"]["plan"]
