"""The files of an app's source folder that scan reads, found without surprises.

Symbolic links to folders are followed once: a link back into a folder already on the way down
(a loop) is reported and not entered. Build products, dependency checkouts and hidden folders are
skipped (``SKIPPED_DIRS``): their code is not the app's. Files over ``MAX_SOURCE_BYTES`` and
unreadable files are reported and skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bgreplay.errors import InputError, Location

SWIFT = (".swift",)
OBJC = (".m", ".mm", ".h")
PLIST = (".plist", ".entitlements")
SKIPPED_DIRS = {
    "Pods",
    "Carthage",
    "DerivedData",
    "build",
    ".build",
    "node_modules",
    "SourcePackages",
    "fastlane",
    "xcuserdata",
}
MAX_SOURCE_BYTES = 1_000_000  # larger Swift or Objective-C files are generated, not written
MAX_PLIST_BYTES = 10_000_000
MAX_FILES = 200_000  # beyond this the folder is not one app's sources


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file or folder scan did not read, and why (becomes a BGS001 finding)."""

    location: Location
    reason: str


@dataclass(slots=True)
class Folder:
    """What was found under the scanned folder, each file named relative to it."""

    root: Path
    swift: list[str] = field(default_factory=list)
    objc: list[str] = field(default_factory=list)
    plists: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)  # project.pbxproj files
    xcconfigs: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def read(self, rel: str, limit: int = MAX_SOURCE_BYTES) -> bytes | None:
        """The file's bytes, or None (and a ``Skipped`` entry) when it cannot be read."""
        path = self.root / rel
        try:
            size = path.stat().st_size
            if size > limit:
                self.skipped.append(
                    Skipped(
                        Location(rel),
                        (f"{size:,} bytes, over the {limit:,}-byte limit for one file: not read"),
                    )
                )
                return None
            return path.read_bytes()
        except OSError as exc:
            self.skipped.append(Skipped(Location(rel), f"cannot be read ({exc.strerror})"))
            return None

    @property
    def source_count(self) -> int:
        return len(self.swift) + len(self.objc)


def _inside(path: Path, top: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(top)
    except (OSError, RuntimeError, ValueError):
        return False
    return True


def find_files(root: Path) -> Folder:
    """Every file scan may read under ``root``, in a stable (sorted) order."""
    if not root.exists():
        raise InputError(
            f"{root}: no such folder",
            fix="pass the folder of the app's sources "
            "(the one holding the .xcodeproj, Package.swift or the .swift files)",
        )
    if not root.is_dir():
        raise InputError(
            f"{root}: not a folder",
            fix="pass the folder that holds the app's sources, not a single file",
        )
    folder = Folder(root)
    try:
        top = root.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise InputError(
            f"{root}: cannot be opened ({exc})", fix="check the path and its permissions"
        ) from None
    count = 0
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str, tuple]] = [(top, "", ())]
    while stack:
        path, rel, ancestors = stack.pop()
        try:
            st = path.stat()
            entries = sorted(os.scandir(path), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            if rel:
                folder.skipped.append(
                    Skipped(Location(rel), f"folder cannot be read ({exc.strerror})")
                )
                continue
            raise InputError(
                f"{root}: cannot be read ({exc.strerror})", fix="check the folder's permissions"
            ) from None
        here = (*ancestors, (st.st_dev, st.st_ino))
        seen.add((st.st_dev, st.st_ino))
        for entry in entries:
            name = entry.name
            child_rel = f"{rel}/{name}" if rel else name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = not is_dir and entry.is_file(follow_symlinks=True)
            except OSError as exc:  # a symlink loop in a file link, a vanished file
                folder.skipped.append(
                    Skipped(Location(child_rel), f"cannot be read ({exc.strerror})")
                )
                continue
            if is_dir:
                if name.startswith(".") or name in SKIPPED_DIRS:
                    continue
                try:
                    target = entry.stat(follow_symlinks=True)
                except OSError as exc:
                    folder.skipped.append(
                        Skipped(Location(child_rel), f"cannot be read ({exc.strerror})")
                    )
                    continue
                if (target.st_dev, target.st_ino) in here:
                    folder.skipped.append(
                        Skipped(
                            Location(child_rel),
                            (
                                "symbolic link loop (a link back to a folder that contains it): "
                                "not followed"
                            ),
                        )
                    )
                    continue
                if entry.is_symlink() and not _inside(Path(entry.path), top):
                    folder.skipped.append(
                        Skipped(
                            Location(child_rel),
                            (
                                "symbolic link to a folder outside the scanned one: not followed "
                                "(scan a folder that holds both)"
                            ),
                        )
                    )
                    continue
                if (target.st_dev, target.st_ino) in seen:
                    continue  # a second link to a folder already read: its files once only
                if name.endswith(".xcodeproj"):
                    pbx = Path(entry.path) / "project.pbxproj"
                    if pbx.is_file():
                        folder.projects.append(f"{child_rel}/project.pbxproj")
                    continue
                stack.append((Path(entry.path), child_rel, here))
                continue
            if not is_file:
                if entry.is_symlink():
                    folder.skipped.append(
                        Skipped(
                            Location(child_rel),
                            "symbolic link that leads nowhere (broken, or a loop): not read",
                        )
                    )
                continue
            count += 1
            if count > MAX_FILES:
                raise InputError(
                    f"{root}: more than {MAX_FILES:,} files",
                    fix="point scan at the app's own folder, not a whole disk or home folder",
                )
            suffix = os.path.splitext(name)[1]
            if suffix in SWIFT:
                folder.swift.append(child_rel)
            elif suffix in OBJC:
                folder.objc.append(child_rel)
            elif suffix in PLIST:
                folder.plists.append(child_rel)
            elif suffix == ".xcconfig":
                folder.xcconfigs.append(child_rel)
    for names in (folder.swift, folder.objc, folder.plists, folder.projects, folder.xcconfigs):
        names.sort()
    return folder
