"""Trace files (SPEC §5.2): parsing, every validation error with its line, unreadable input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgreplay.errors import InputError
from bgreplay.trace.io import TRACE_SCHEMA, read_trace_file

HEADER = "start,end,kind,value,subject"
GOOD = "2026-03-02T07:30:00+01:00,2026-03-02T07:40:00+01:00,unlocked,,"


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def write(tmp_path: Path, *lines: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems(path: Path, tz: str = "UTC") -> str:
    with pytest.raises(InputError) as caught:
        read_trace_file(path, tz)
    return str(caught.value)


def test_times_with_offsets_naive_z_and_fractions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "2026-03-02T07:30:00+01:00,2026-03-02T07:40Z,unlocked,,",
        "2026-03-02 08:00:00.25,,battery,80,",
        "2026-03-02T09:00-0500,,boot,,",
    )
    frame = read_trace_file(path, "Europe/Paris")
    assert dict(frame.schema) == TRACE_SCHEMA
    assert frame["start_ms"].to_list() == [
        ms(2026, 3, 2, 6, 30),
        ms(2026, 3, 2, 7) + 250,
        ms(2026, 3, 2, 14),
    ]
    assert frame["end_ms"].to_list() == [ms(2026, 3, 2, 7, 40), None, None]
    assert frame["line"].to_list() == [2, 3, 4]
    # standalone validation reads naive times as UTC
    assert read_trace_file(path)["start_ms"][1] == ms(2026, 3, 2, 8) + 250


def test_blank_lines_whitespace_and_nan_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        GOOD,
        "",
        " 2026-03-02T08:00Z , NaN , network , wifi , nan ",
        ",,,,",
        "2026-03-02T09:00Z,,plugged,,",
    )
    with pytest.raises(InputError, match=r"t\.csv:6: error \(end\): plugged is an interval"):
        read_trace_file(path)
    path = write(
        tmp_path,
        HEADER,
        GOOD,
        "",
        " 2026-03-02T08:00Z ,2026-03-02T09:00Z, network , wifi , nan ",
        ",,,,",
        "2026-03-02T09:00Z,2026-03-02T10:00Z,plugged,,",
    )
    frame = read_trace_file(path)
    assert frame["line"].to_list() == [2, 4, 6]
    assert frame.row(1, named=True) | {"line": 0} == {
        "start_ms": ms(2026, 3, 2, 8),
        "end_ms": ms(2026, 3, 2, 9),
        "kind": "network",
        "value": "wifi",
        "subject": None,
        "source": None,
        "source_ref": None,
        "line": 0,
    }
    assert frame["value"][2] is None  # plugged without a value is fine


def test_spring_forward_gap_moves_forward_and_fall_back_takes_first(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "2026-03-29T02:30,,boot,,", "2026-10-25T02:30,,boot,,")
    frame = read_trace_file(path, "Europe/Paris")
    assert frame["start_ms"].to_list() == [ms(2026, 3, 29, 1, 30), ms(2026, 10, 25, 0, 30)]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (
            "2026-03-02T08:00Z,2026-03-02T09:00Z,unlockd,,",
            "kind",
            "unknown kind 'unlockd' (did you mean 'unlocked'?)",
        ),
        (",2026-03-02T09:00Z,unlocked,,", "start", "start is empty"),
        ("2026-03-02T08:00Z,,,,", "kind", "kind is empty"),
        ("yesterday,2026-03-02T09:00Z,unlocked,,", "start", "'yesterday' is not a valid time"),
        ("2026-02-30T08:00Z,2026-03-02T09:00Z,unlocked,,", "start", "there is no date 2026-02-30"),
        ("2026-03-02T08:00Z,2026-03-02T25:00Z,unlocked,,", "end", "no time of day 25:00"),
        ("2026-03-02T08:00+15:00,,boot,,", "start", "offset +15:00 is out of range"),
        (
            "2026-03-02T09:00Z,2026-03-02T08:00Z,unlocked,,",
            "end",
            "end '2026-03-02T08:00Z' is not after start '2026-03-02T09:00Z'",
        ),
        ("2026-03-02T09:00Z,2026-03-02T09:00Z,unlocked,,", "end", "is not after start"),
        ("2026-03-02T09:00Z,2026-03-02T10:00Z,boot,,", "end", "boot is a point event"),
        ("2026-03-02T09:00Z,,screen,,", "end", "screen is an interval and needs an end"),
        (
            "2026-03-02T09:00Z,2026-03-02T10:00Z,network,wif,",
            "value",
            "network value 'wif' is not one of wifi, cellular or none (did you mean 'wifi'?)",
        ),
        ("2026-03-02T09:00Z,2026-03-02T10:00Z,network,,", "value", "network needs a value"),
        ("2026-03-02T09:00Z,2026-03-02T10:00Z,thermal,hot,", "value", "thermal value 'hot'"),
        ("2026-03-02T09:00Z,2026-03-02T10:00Z,plugged,usb,", "value", "plugged value 'usb'"),
        ("2026-03-02T09:00Z,,battery,101,", "value", "battery value '101' is not a percentage"),
        ("2026-03-02T09:00Z,,battery,80%,", "value", "battery value '80%'"),
        ("2026-03-02T09:00Z,,battery,NaN,", "value", "battery needs a value"),
        (
            "2026-03-02T09:00Z,,timezone,Europe/Pariss,",
            "value",
            "'Europe/Pariss' is not an IANA time zone (did you mean 'Europe/Paris'?)",
        ),
        ("2026-03-02T09:00Z,,timezone,,", "value", "timezone needs a value"),
        ("2026-03-02T09:00Z,2026-03-02T10:00Z,app,,", "subject", "app needs a subject"),
        ("2026-03-02T09:00Z,,force_quit,,", "subject", "force_quit needs a subject"),
        ("2026-03-02T09:00Z,,user_action,,", "subject", "user_action needs a subject"),
    ],
)
def test_each_validation_error_names_line_and_column(
    tmp_path: Path, row: str, column: str, fragment: str
) -> None:
    path = write(tmp_path, HEADER, GOOD, row)
    text = problems(path)
    assert f"t.csv:3: error ({column}): " in text
    assert fragment in text
    assert "fix: " in text


def test_many_problems_listed_and_capped(tmp_path: Path) -> None:
    rows = [f"2026-03-02T{h:02d}:00Z,,batery,50," for h in range(24)]
    rows += ["2026-03-03T00:00Z,,battery,x,"] * 6
    text = problems(write(tmp_path, HEADER, *rows))
    assert text.count("error (") == 20
    assert "t.csv:2: error (kind): unknown kind 'batery'" in text
    assert "t.csv:21: error (kind)" in text and "t.csv:22:" not in text
    assert "... and 10 more problems not shown" in text


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    text = problems(write(tmp_path, "start,end,kind,valeu", GOOD[:-1]))
    assert "t.csv:1: error: missing columns value, subject" in text
    assert "unknown column 'valeu' (did you mean 'value'?)" in text
    assert "start,end,kind,value,subject" in text


def test_optional_source_columns_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "\ufeff" + HEADER + ",source,source_ref\n" + GOOD + ",knowledgec,Z_PK=4\n", encoding="utf-8"
    )
    frame = read_trace_file(path)
    assert frame.select("source", "source_ref").row(0) == ("knowledgec", "Z_PK=4")


def test_overlap_names_both_lines(tmp_path: Path) -> None:
    text = problems(
        write(
            tmp_path,
            HEADER,
            "2026-03-02T07:00Z,2026-03-02T09:00Z,plugged,wired,",
            "2026-03-02T09:00Z,2026-03-02T10:00Z,plugged,wired,",  # touching: fine
            "2026-03-02T07:00Z,2026-03-02T08:00Z,network,wifi,",
            "2026-03-02T07:30Z,2026-03-02T08:30Z,network,cellular,",
        )
    )
    assert "t.csv:5: error (start): network interval 2026-03-02 07:30 UTC – " in text
    assert "overlaps network interval 2026-03-02 07:00 UTC – 2026-03-02 08:00 UTC at line 4" in text
    assert "plugged" not in text.split("fix:")[0]


def test_overlap_inside_a_long_interval_is_found(tmp_path: Path) -> None:
    text = problems(
        write(
            tmp_path,
            HEADER,
            "2026-03-02T07:00Z,2026-03-02T12:00Z,unlocked,,",
            "2026-03-02T08:00Z,2026-03-02T08:30Z,unlocked,,",
            "2026-03-02T09:00Z,2026-03-02T09:30Z,unlocked,,",
        )
    )
    assert "t.csv:3:" in text and "t.csv:4:" in text
    assert text.count("at line 2") == 2


def test_apps_overlap_only_per_subject(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "2026-03-02T07:00Z,2026-03-02T08:00Z,unlocked,,",
        "2026-03-02T07:00Z,2026-03-02T07:30Z,app,,io.a",
        "2026-03-02T07:10Z,2026-03-02T07:20Z,app,,io.b",
        "2026-03-02T07:00Z,2026-03-02T09:00Z,bar,,",
        "2026-03-02T07:00Z,2026-03-02T09:00Z,bar,,io.a",
    )
    assert read_trace_file(path).height == 5
    path = write(
        tmp_path,
        HEADER,
        "2026-03-02T07:00Z,2026-03-02T07:30Z,app,,io.a",
        "2026-03-02T07:10Z,2026-03-02T07:20Z,app,,io.a",
    )
    text = problems(path)
    assert "t.csv:3: error (start): app io.a interval" in text and "at line 2" in text
    assert "intervals of one kind and subject must not overlap" in text


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "the file is empty"),
        (
            b"start,end,kind,value,subject\n2026-03-02T07:00Z,,boot,,,extra\n",
            "t.csv:2: error: this line has more than the 5 fields",
        ),
        (b"start,end,kind,value,subject\n\xff\xfe\x00,,boot,,\n", "not a readable CSV file"),
    ],
)
def test_unreadable_csv_is_an_input_error(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert fragment in problems(path)


def test_header_only_is_an_empty_trace(tmp_path: Path) -> None:
    assert read_trace_file(write(tmp_path, HEADER)).height == 0


def test_missing_file_wrong_suffix_and_corrupt_parquet(tmp_path: Path) -> None:
    assert "no such file" in problems(tmp_path / "nope.csv")
    assert "unknown trace format '.txt'" in problems(write(tmp_path, HEADER, name="t.txt"))
    bad = tmp_path / "t.parquet"
    bad.write_bytes(b"PAR1 this is not parquet at all")
    assert "not a readable Parquet file" in problems(bad)


def test_parquet_rows_are_named_by_row_number(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pl.DataFrame(
        {
            "start": ["2026-03-02T07:00Z", "2026-03-02T08:00Z"],
            "end": [None, None],
            "kind": ["boot", "battery"],
            "value": [None, "200"],
            "subject": [None, None],
        }
    ).write_parquet(path)
    assert f"{path} (row 2): error (value): battery value '200'" in problems(path)


def test_parquet_timestamp_columns_and_numeric_values(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pl.DataFrame(
        {
            "start": [datetime(2026, 3, 2, 7), datetime(2026, 3, 29, 2, 30)],
            "end": [datetime(2026, 3, 2, 8), None],
            "kind": ["unlocked", "battery"],
            "value": [None, 55.5],
            "subject": [None, None],
        }
    ).write_parquet(path)
    frame = read_trace_file(path, "Europe/Paris")  # naive timestamps: scenario-local
    assert frame["start_ms"].to_list() == [ms(2026, 3, 2, 6), ms(2026, 3, 29, 1, 30)]
    assert frame["value"].to_list() == [None, "55.5"]
    aware = tmp_path / "aware.parquet"
    pl.read_parquet(path).with_columns(
        pl.col("start", "end").dt.replace_time_zone("UTC")
    ).write_parquet(aware)
    assert read_trace_file(aware, "Europe/Paris")["start_ms"][0] == ms(2026, 3, 2, 7)


def test_unknown_zone_for_naive_times(tmp_path: Path) -> None:
    assert "unknown time zone 'Mars/Olympus'" in problems(
        write(tmp_path, HEADER, GOOD), "Mars/Olympus"
    )


CELLS = [
    "2026-03-02T07:30",
    "2026-03-02T07:30:00+01:00",
    "2026-03-02T08:00Z",
    "0000-01-01T00:00",
    "9999-12-31T23:59:59+14:00",
    "2026-03-29T02:30",
    "",
    "NaN",
    "none",
    "wifi",
    "unlocked",
    "app",
    "battery",
    "timezone",
    "Europe/Paris",
    "../etc",
    "-1",
    "1e309",
    "100",
    "io.x",
    '"a,b"',
    "é",
    "\x00",
    "24:00",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(st.sampled_from(CELLS), min_size=4, max_size=6), max_size=6),
    st.sampled_from(["UTC", "Europe/Paris", "America/New_York"]),
)
def test_no_csv_gives_a_traceback(tmp_path: Path, rows: list[list[str]], tz: str) -> None:
    path = write(tmp_path, HEADER, *(",".join(r) for r in rows))
    try:
        frame = read_trace_file(path, tz)
    except InputError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
    else:
        assert dict(frame.schema) == TRACE_SCHEMA
