"""The app's declared facts: bundle identifier, permitted identifiers, background modes,
entitlements — from Info.plist files, Xcode build settings and ``Package.swift``."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from bgreplay.errors import Location
from bgreplay.scan import ir, plists, xcode
from bgreplay.scan.files import MAX_PLIST_BYTES, Folder, Skipped
from bgreplay.scan.module import Module, walk_frames
from bgreplay.scan.plists import Sourced

VARIABLE = re.compile(r"\$[({][A-Za-z0-9_:,]+[)}]")
UNKNOWN_BUNDLE = "com.example.app"


@dataclass(slots=True)
class AppFacts:
    """One app bundle as declared: each value with where it was read (``how``: a sentence
    for the scenario's comment when the value needed resolving or is a guess)."""

    bundle: str
    bundle_loc: Location | None
    bundle_how: str
    bundle_guess: bool = False
    plist: str | None = None
    permitted: list[Sourced] = field(default_factory=list)
    modes: list[Sourced] = field(default_factory=list)
    permitted_loc: Location | None = None
    modes_loc: Location | None = None
    entitlements: list[Sourced] = field(default_factory=list)
    deployment: Sourced | None = None


@dataclass(slots=True)
class Project:
    apps: list[AppFacts]
    targets: list[xcode.Target]
    problems: list[Skipped]
    missing_plist: bool = False


def read_project(folder: Folder, module: Module) -> Project:
    problems: list[Skipped] = []
    targets = _targets(folder, problems)
    infos: list[plists.InfoPlist] = []
    entitlements: list[Sourced] = []
    for rel in folder.plists:
        name = posixpath.basename(rel)
        data = folder.read(rel, MAX_PLIST_BYTES)
        if data is None:
            continue
        try:
            if rel.endswith(".entitlements"):
                entitlements += plists.read_entitlements(rel, data)
            elif (
                name == "Info.plist"
                or name.endswith("-Info.plist")
                or _named_by_target(rel, targets)
            ):
                infos.append(plists.read_info_plist(rel, data))
        except plists.NotAPlist as exc:
            problems.append(Skipped(Location(rel), f"{exc}: not read"))
    apps = _apps(infos, targets, module, folder)
    for app in apps:
        app.entitlements = entitlements
    missing = not any(a.plist or a.permitted for a in apps)
    return Project(apps, targets, problems + folder.skipped, missing)


def _targets(folder: Folder, problems: list[Skipped]) -> list[xcode.Target]:
    targets = []
    for rel in folder.projects:
        data = folder.read(rel, MAX_PLIST_BYTES)
        if data is None:
            continue

        def xcconfig(path: str, source_root: str) -> dict:
            full = posixpath.normpath(posixpath.join(source_root, path))
            raw = folder.read(full, MAX_PLIST_BYTES) if full in folder.xcconfigs else None
            return xcode.read_xcconfig(full, raw.decode("utf-8", "replace")) if raw else {}

        try:
            targets += xcode.read_project(rel, data.decode("utf-8", "replace"), xcconfig)
        except xcode.NotAProject as exc:
            problems.append(
                Skipped(
                    Location(rel),
                    f"not a readable Xcode project ({exc}): its build settings are not used",
                )
            )
    return targets


def _plist_of(target: xcode.Target) -> str | None:
    raw = target.get("INFOPLIST_FILE")
    if not raw:
        return None
    return posixpath.normpath(posixpath.join(target.source_root, raw))


def _named_by_target(rel: str, targets: list[xcode.Target]) -> bool:
    return any(_plist_of(t) == rel for t in targets)


def _apps(infos, targets, module: Module, folder: Folder) -> list[AppFacts]:
    with_tasks = [i for i in infos if i.permitted or i.modes]
    chosen = with_tasks or [i for i in infos if i.is_app][:1]
    apps = []
    used_targets = set()
    for info in chosen:
        target = next((t for t in targets if _plist_of(t) == info.rel), None)
        if target is None:
            app_targets = [t for t in targets if t.is_app]
            target = app_targets[0] if len(app_targets) == 1 else None
        if target is not None:
            used_targets.add(id(target))
        apps.append(_app_from_plist(info, target, module, folder))
    if not apps:  # generated Info.plist: INFOPLIST_KEY_* build settings
        for target in targets:
            if not target.is_app:
                continue
            app = _app_from_settings(target)
            if app is not None:
                apps.append(app)
    if not apps:
        apps.append(_app_without_plist(targets, module, folder))
    return apps


def _resolve(text: str, target: xcode.Target | None) -> str | None:
    if not VARIABLE.search(text):
        return text
    return target.resolve(text) if target is not None else None


def _bundle(target: xcode.Target) -> tuple[str | None, Location | None, str]:
    setting = target.settings.get("PRODUCT_BUNDLE_IDENTIFIER")
    value = target.get("PRODUCT_BUNDLE_IDENTIFIER")
    how = f"PRODUCT_BUNDLE_IDENTIFIER of target {target.name} ({target.configuration})"
    return value, setting.loc if setting is not None else None, how


def _app_from_plist(info, target, module: Module, folder: Folder) -> AppFacts:
    bundle, loc, how, guess = None, None, "", False
    if info.bundle_id is not None:
        bundle = _resolve(info.bundle_id.value, target)
        loc = info.bundle_id.loc
        how = "CFBundleIdentifier"
        if bundle is not None and bundle != info.bundle_id.value and target is not None:
            _, setting_loc, how = _bundle(target)
            loc = setting_loc or loc
    elif target is not None:
        bundle, loc, how = _bundle(target)
    if bundle is None:
        bundle, loc, how, guess = _fallback_bundle(info.permitted, info.bundle_id, module, folder)
    app = AppFacts(
        bundle,
        loc,
        how,
        guess,
        info.rel,
        permitted_loc=info.permitted_key,
        modes_loc=info.modes_key,
    )
    app.permitted = [
        Sourced(
            _resolve(p.value, target) or p.value.replace("$(PRODUCT_BUNDLE_IDENTIFIER)", bundle),
            p.loc,
        )
        for p in info.permitted
    ]
    app.modes = list(info.modes)
    if target is not None:
        _merge_settings(app, target)
        deployment = target.settings.get("IPHONEOS_DEPLOYMENT_TARGET")
        if deployment is not None and isinstance(deployment.value, str):
            app.deployment = Sourced(deployment.value, deployment.loc)
    return app


def _merge_settings(app: AppFacts, target: xcode.Target) -> None:
    """``INFOPLIST_KEY_BGTaskSchedulerPermittedIdentifiers`` / ``…_UIBackgroundModes``."""
    for key, values in (
        ("BGTaskSchedulerPermittedIdentifiers", app.permitted),
        ("UIBackgroundModes", app.modes),
    ):
        setting = target.settings.get(f"INFOPLIST_KEY_{key}")
        if setting is None:
            continue
        raw = setting.value if isinstance(setting.value, list) else str(setting.value).split()
        have = {v.value for v in values}
        for item in raw:
            value = target.resolve(str(item)) or str(item)
            if value not in have:
                values.append(Sourced(value, setting.loc))
        if key == "UIBackgroundModes":
            app.modes_loc = app.modes_loc or setting.loc
        else:
            app.permitted_loc = app.permitted_loc or setting.loc


def _app_from_settings(target: xcode.Target) -> AppFacts | None:
    bundle, loc, how = _bundle(target)
    if bundle is None:
        return None
    app = AppFacts(bundle, loc, how)
    _merge_settings(app, target)
    deployment = target.settings.get("IPHONEOS_DEPLOYMENT_TARGET")
    if deployment is not None and isinstance(deployment.value, str):
        app.deployment = Sourced(deployment.value, deployment.loc)
    return app


def _app_without_plist(targets, module: Module, folder: Folder) -> AppFacts:
    app_targets = [t for t in targets if t.is_app]
    if app_targets:
        bundle, loc, how = _bundle(app_targets[0])
        if bundle is not None:
            return AppFacts(bundle, loc, how)
    bundle, loc, how, guess = _fallback_bundle([], None, module, folder)
    return AppFacts(bundle, loc, how, guess)


def _fallback_bundle(permitted, raw, module: Module, folder: Folder):
    """Package.swift's ``bundleIdentifier:``, else the common prefix of the permitted
    identifiers (a guess)."""
    from_package = _package_bundle(module, folder)
    if from_package is not None:
        return from_package.value, from_package.loc, "bundleIdentifier in Package.swift", False
    prefix = identifier_prefix([p.value for p in permitted])
    if prefix is not None:
        return (
            prefix,
            None,
            (
                f"guess: the common prefix of the permitted identifiers"
                f"{' (CFBundleIdentifier ' + raw.value + ' could not be resolved)' if raw else ''}"
            ),
            True,
        )
    return UNKNOWN_BUNDLE, None, "guess: no bundle identifier found in the sources", True


def identifier_prefix(ids: list[str]) -> str | None:
    """``io.x.refresh``, ``io.x.index`` → ``io.x``: task identifiers conventionally start with
    the bundle identifier."""
    ids = [i for i in ids if not VARIABLE.search(i)]
    if not ids:
        return None
    prefix = (
        ids[0].rsplit(".", 1)[0]
        if len(ids) == 1
        else posixpath.commonprefix([i + "." for i in ids]).rstrip(".")
    )
    prefix = (
        prefix[: prefix.rfind(".") + 1].rstrip(".")
        if len(ids) > 1 and not all(i.startswith(prefix + ".") for i in ids)
        else prefix
    )
    return prefix if "." in prefix else None


def _package_bundle(module: Module, folder: Folder) -> Sourced | None:
    for rel in folder.swift:
        if posixpath.basename(rel) != "Package.swift":
            continue
        index = module.index(rel)
        if index is None:
            continue
        roots = [f.body for f in index.funcs] + [c.value for c in index.consts]
        for root in roots:  # ``let package = Package(… .iOSApplication(bundleIdentifier: …``
            for node, _ in walk_frames(root):
                if isinstance(node, ir.Call):
                    value = node.arg("bundleIdentifier")
                    if isinstance(value, ir.Lit) and isinstance(value.value, str):
                        return Sourced(value.value, value.loc)
    return None
