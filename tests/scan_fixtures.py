"""Folders for scan tests: the fixture apps under ``tests/apps/`` and a large generated one."""

from __future__ import annotations

import shutil
from pathlib import Path

APPS = Path(__file__).resolve().parent / "apps"
FIXTURES = ("uikit-appdelegate", "scenedelegate", "swiftui-app", "objc-app", "swift-package")

FEATURE = """import Foundation
import UIKit

/// Screen {n} of a large app: ordinary code that mentions nothing of BackgroundTasks.
final class Feature{n}ViewModel {{
    static let identifier = "io.cocoabytes.large.feature{n}"
    private var items: [String] = []
    private let refreshInterval: TimeInterval = {n} * 60

    func load(completion: @escaping (Result<[String], Error>) -> Void) {{
        guard !items.isEmpty else {{
            fetch {{ result in
                switch result {{
                case .success(let loaded):
                    self.items = loaded
                    completion(.success(loaded))
                case .failure(let error):
                    completion(.failure(error))
                }}
            }}
            return
        }}
        completion(.success(items))
    }}

    func refresh() {{
        items.removeAll()
        load {{ _ in }}
    }}

    private func fetch(_ done: @escaping (Result<[String], Error>) -> Void) {{
        let url = URL(string: "https://example.com/feature/{n}")!
        URLSession.shared.dataTask(with: url) {{ data, _, error in
            if let error {{
                done(.failure(error))
                return
            }}
            let text = String(decoding: data ?? Data(), as: UTF8.self)
            done(.success(text.split(separator: "\\n").map(String.init)))
        }}.resume()
    }}
}}
"""

OBJC_FEATURE = """#import <Foundation/Foundation.h>

@implementation PRJFeature{n}
- (void)loadWithCompletion:(void (^)(NSArray *items))completion {{
    NSString *name = @"feature{n}";
    if (name.length == 0) {{
        completion(@[]);
        return;
    }}
    completion(@[name]);
}}
@end
"""


def write_large_app(root: Path, files: int = 5000) -> Path:
    """A folder of ``files`` source files: the UIKit fixture app plus generated screens
    (one in ten in Objective-C), spread over folders of 100."""
    shutil.copytree(APPS / "uikit-appdelegate", root)
    existing = sum(1 for p in root.rglob("*") if p.is_file())
    for n in range(files - existing):
        folder = root / "Features" / f"Group{n // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        if n % 10 == 9:
            (folder / f"PRJFeature{n}.m").write_text(OBJC_FEATURE.format(n=n))
        else:
            (folder / f"Feature{n}ViewModel.swift").write_text(FEATURE.format(n=n))
    return root


def in_process(monkeypatch, capsys, cwd: Path):
    """``bgreplay ARGS`` run in this process from ``cwd`` -> (exit code, stdout, stderr)."""
    from bgreplay.cli.app import main

    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(cwd)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
