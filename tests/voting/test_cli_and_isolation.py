"""The command line, and the library's independence from the web stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pabulib_cases import FIXTURES, reference

from voting import COMPLETIONS, RULES
from voting.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def test_tally_json_lists_selected_in_order(capsys):
    path = FIXTURES / "Netherlands_Assen_2024.pb.gz"
    assert main(["tally", str(path), "--rule", "mes", "--completion", "add1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["selected"] == reference("Netherlands_Assen_2024")["mes_cost_add1_noexh"]["selected"]


def test_tally_text_and_compare(capsys):
    path = FIXTURES / "Poland_Swiecie_2023.pb.gz"
    assert main(["tally", str(path), "--rule", "greedy"]) == 0
    assert "greedy" in capsys.readouterr().out
    assert main(["compare", str(path)]) == 0
    out = capsys.readouterr().out
    assert "mes+add1" in out and "phragmen" in out and "official" in out


def test_help_lists_rules_and_completions():
    result = subprocess.run(
        [sys.executable, "-m", "voting", "tally", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    for name in list(RULES) + list(COMPLETIONS):
        assert name in result.stdout


def test_bad_file_gives_error_and_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;x\n")
    assert main(["tally", str(bad)]) == 2
    assert "error:" in capsys.readouterr().err


def test_no_web_or_database_import():
    code = (
        "import sys, voting, voting.__main__; voting.tally(voting.read_pb(sys.argv[1]));"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('dash', 'flask', 'sqlalchemy')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "Netherlands_Assen_2024.pb.gz")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
