"""No database can make an importer crash (SPEC §10): type-confused values, absurd numbers and
damaged bytes give rows, notes or an ``InputError`` — never another exception."""

from __future__ import annotations

import random
import sqlite3

import pytest
from fixtures_sqlite import BGSQL_SCHEMA, KNOWLEDGEC_SCHEMA, POWERLOG_SCHEMA, KnowledgeC, at

from bgreplay.errors import InputError
from bgreplay.trace.importers.knowledgec import import_knowledgec
from bgreplay.trace.importers.powerlog import import_powerlog

ODD_VALUES = [
    None,
    "",
    "abc",
    "12abc",
    b"\x00\xff",
    -1,
    0,
    1,
    1e300,
    -1e300,
    2**62,
    3.5,
    "1772434800",
    "Europe/Paris",
    "Not/AZone",
    " ",
    "0",
]


def _fill(path, schema: str, rng: random.Random, rows: int = 30) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        names = [
            r[1]
            for r in conn.execute(f'PRAGMA table_info("{table}")')
            if r[1] != "ID" and r[1] != "Z_PK"
        ]
        marks = ", ".join("?" * len(names))
        for _ in range(rows):
            values = [
                rng.choice(
                    ODD_VALUES
                    + [1772434800.0 + rng.uniform(-9e4, 9e4), 794127600.0 + rng.uniform(-9e4, 9e4)]
                )
                for _ in names
            ]
            conn.execute(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})', values)
    conn.commit()
    conn.close()


def _survives(call) -> None:
    try:
        result = call()
    except InputError as exc:
        assert exc.render()
        return
    result.frame()  # rendering the rows must not fail either


@pytest.mark.parametrize("seed", range(6))
def test_type_confused_values(tmp_path, seed: int) -> None:
    rng = random.Random(seed)
    kc, pl, bg = tmp_path / "k.db", tmp_path / "p.PLSQL", tmp_path / "b.BGSQL"
    _fill(kc, KNOWLEDGEC_SCHEMA, rng)
    conn = sqlite3.connect(kc)  # streams must be real names for rows to be read at all
    streams = [
        "/app/usage",
        "/device/isLocked",
        "/display/isBacklit",
        "/device/isPluggedIn",
        "/device/batteryPercentage",
        "/device/lowPowerMode",
    ]
    for (pk,) in conn.execute("SELECT Z_PK FROM ZOBJECT").fetchall():
        conn.execute(
            "UPDATE ZOBJECT SET ZSTREAMNAME = ?, ZSOURCE = 1 WHERE Z_PK = ?",
            (rng.choice(streams), pk),
        )
    conn.commit()
    conn.close()
    _fill(pl, POWERLOG_SCHEMA, rng)
    _fill(bg, BGSQL_SCHEMA, rng)
    _survives(lambda: import_knowledgec(kc))
    _survives(lambda: import_knowledgec(kc, timezone="Europe/Paris"))
    _survives(lambda: import_powerlog(pl, bgsql=bg))


@pytest.mark.parametrize("seed", range(8))
def test_damaged_bytes(tmp_path, seed: int) -> None:
    kc = KnowledgeC(tmp_path / "good.db")
    for minute in range(0, 600, 7):
        kc.add(
            "/device/isLocked", at(2, 8, minute % 60), at(2, 8, minute % 60, 30), integer=minute % 2
        )
    data = bytearray(kc.close().read_bytes())
    rng = random.Random(seed)
    for _ in range(20):
        data[rng.randrange(100, len(data))] = rng.randrange(256)
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(data))
    _survives(lambda: import_knowledgec(bad))
    _survives(lambda: import_powerlog(bad))


def test_bad_timezone_option_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="not an IANA time zone"):
        import_powerlog(tmp_path / "x.PLSQL", timezone="Paris")
    with pytest.raises(InputError, match="not an IANA time zone"):
        import_knowledgec(tmp_path / "x.db", timezone="GMT+1:00")
