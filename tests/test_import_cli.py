"""``bgreplay trace import`` end to end (subprocess): notes on stderr, exit codes, help."""

from __future__ import annotations

from conftest import run_cli
from fixtures_sqlite import KnowledgeC, PowerLog, at, bgsql


def test_import_knowledgec_and_powerlog(tmp_path) -> None:
    kc = KnowledgeC(tmp_path / "knowledgeC.db")
    kc.add("/device/isLocked", at(2, 8), at(2, 8, 10), integer=0)
    kc.add("/app/usage", at(2, 8, 1), at(2, 8, 5), string="io.example.app")
    code, out, err = run_cli(
        "trace", "import", "knowledgec", str(kc.close()), "-o", str(tmp_path / "kc.csv")
    )
    assert code == 0, err
    assert "note: stream /device/ispluggedin has no rows" in err and "wrote 2 rows" in err
    assert (tmp_path / "kc.csv").read_text().splitlines()[1] == (
        "2026-03-02T08:00:00+01:00,2026-03-02T08:10:00+01:00,unlocked,,,knowledgec,ZOBJECT:1"
    )

    pl = PowerLog(tmp_path / "CurrentPowerlog.PLSQL", 86_400.0)
    pl.write_offsets(at(2, 6))
    pl.add("PLSpringBoardAgent_EventForward_SBLock", at(2, 8), Locked=0)
    pl.add("PLSpringBoardAgent_EventForward_SBLock", at(2, 8, 5), Locked=1)
    tasks = bgsql(tmp_path / "x.BGSQL", [(1, at(2, 3), at(2, 3, 1), 1)], {1: ("io.a", "io.a.r")})
    code, out, err = run_cli(
        "trace",
        "import",
        "powerlog",
        str(pl.close()),
        "--bgsql",
        str(tasks),
        "--timezone",
        "Europe/Paris",
        "-o",
        str(tmp_path / "pl.parquet"),
    )
    assert code == 0, err
    assert "1 observed task runs" in err
    code, out, err = run_cli("validate", str(tmp_path / "pl.parquet"))
    assert code == 0, err


def test_bad_sources_exit_2(tmp_path) -> None:
    junk = tmp_path / "knowledgeC.db"
    junk.write_text("hello")
    code, _, err = run_cli(
        "trace", "import", "knowledgec", str(junk), "-o", str(tmp_path / "out.csv")
    )
    assert code == 2 and "not a SQLite database" in err and "Traceback" not in err
    code, _, err = run_cli(
        "trace", "import", "powerlog", str(tmp_path / "none.PLSQL"), "-o", str(tmp_path / "out.csv")
    )
    assert code == 2 and "no such file" in err
    assert not (tmp_path / "out.csv").exists()
