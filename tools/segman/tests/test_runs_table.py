import json

from segman.runs_table import main, table


def test_each_run_is_a_row_and_a_missing_report_says_the_run_did_not_finish(tmp_path, capsys) -> None:
    report = tmp_path / "train.json"
    report.write_text(json.dumps({"checkSeconds": 11.6, "warmupSeconds": 20.6, "trainSeconds": 25.8, "steps": 120,
                                  "framesSeen": 7680, "steadyFramesPerSecond": 297.9, "peakGpuMemoryGiB": 30.0,
                                  "finalLoss": 2.8714}))
    lines = table([f"eager={report}", f"compiled={tmp_path / 'none.json'}"])
    assert lines[0].startswith("| run | check s |") and lines[1].startswith("|---|---:")
    assert lines[2] == "| eager | 11.6 | 20.6 | 25.8 | 120 | 297.7 | 297.9 | 30.0 | 2.871 |"
    assert lines[3].startswith("| compiled | did not finish |") and lines[3].count("|") == lines[2].count("|")
    assert main([f"eager={report}"]) == 0 and "297.7" in capsys.readouterr().out
    assert main(["eager"]) == 2 and "NAME=REPORT" in capsys.readouterr().err
