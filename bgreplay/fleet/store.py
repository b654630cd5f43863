"""Where a fleet's results go: finished chunks as Parquet parts in a work folder, then one file
for ``--out`` (written atomically) with the fleet's metadata in it, and that metadata read back."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from bgreplay.errors import InputError, Location, Problem
from bgreplay.fleet.worker import ChunkResult

METADATA_KEY = "bgreplay.fleet"


class Parts:
    """Finished chunks on disk: ``<dir>/v0003/d0000000120.parquet`` (variant 3, devices from
    120), so sorted names are variant order, then device order."""

    def __init__(self, folder: Path, variants: int):
        self.folder = folder
        self.variants = variants

    def write(self, result: ChunkResult) -> None:
        for k, frame in enumerate(result.frames):
            sub = self.folder / f"v{k:04d}"
            sub.mkdir(exist_ok=True)
            frame.write_parquet(sub / f"d{result.first:010d}.parquet")

    def paths(self) -> list[Path]:
        return [
            p
            for k in range(self.variants)
            for p in sorted((self.folder / f"v{k:04d}").glob("*.parquet"))
        ]


def check_out(out: str | None) -> None:
    """``--out`` names a Parquet file in a folder that exists (checked before any replay)."""
    if out is None:
        return
    path = Path(out)
    if path.suffix.lower() != ".parquet":
        raise InputError(
            Problem(
                Location("--out"), f"'{out}' is not a .parquet file", "write --out FILE.parquet"
            )
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(
            Problem(Location("--out"), f"the folder {parent} does not exist", "create it first")
        )


def write_fleet_file(lazy: pl.LazyFrame, out: str, meta: dict) -> str | None:
    """The parts, concatenated by polars' streaming sink into ``out`` atomically, with the
    metadata under the key ``bgreplay.fleet``; older polars without Parquet metadata get a
    sidecar ``FILE.meta.json`` instead (returned)."""
    from bgreplay.fsutil import atomic_path, write_atomic

    text = json.dumps(meta, ensure_ascii=False)
    with atomic_path(out) as tmp:
        try:
            lazy.sink_parquet(tmp, metadata={METADATA_KEY: text}, maintain_order=True)
            return None
        except TypeError:  # polars < 1.23: no key-value metadata
            lazy.sink_parquet(tmp, maintain_order=True)
    sidecar = f"{out}.meta.json"
    write_atomic(sidecar, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return sidecar


def read_metadata(path: str | Path) -> dict:
    """The metadata of a fleet Parquet file (from the file, or from its sidecar)."""
    side = Path(f"{path}.meta.json")
    meta = (
        pl.read_parquet_metadata(path).get(METADATA_KEY)
        if hasattr(pl, "read_parquet_metadata")
        else None
    )
    if meta is not None:
        return json.loads(meta)
    if side.is_file():
        return json.loads(side.read_text(encoding="utf-8"))
    raise InputError(
        f"{path}: no fleet metadata (key {METADATA_KEY!r} or {side.name})",
        fix="was it written by `bgreplay fleet --out`?",
    )
