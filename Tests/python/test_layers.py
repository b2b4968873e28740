"""The layers hold: every Swift file under Sources/ imports only the Tapedeck targets below its own.

SwiftPM already refuses an import of a target that is not a declared dependency; this test pins the order itself
(docs/ARCHITECTURE.md), so a new dependency that points upward fails here with the file that made it.
"""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Lowest first. A target may import the targets before it in this list and none after it; TapedeckHTTP,
# TapedeckBedrock and TapedeckUpstream sit side by side above TapedeckSystem, except that Upstream uses HTTP's
# header type, and TapedeckStore sits on TapedeckBedrock.
ALLOWED = {
    "TapedeckCodec": set(),
    "TapedeckSystem": {"TapedeckCodec"},
    "TapedeckHTTP": {"TapedeckCodec", "TapedeckSystem"},
    "TapedeckBedrock": {"TapedeckCodec", "TapedeckSystem"},
    "TapedeckStore": {"TapedeckCodec", "TapedeckSystem", "TapedeckBedrock"},
    "TapedeckUpstream": {"TapedeckCodec", "TapedeckSystem", "TapedeckHTTP"},
    "TapedeckProxy": {
        "TapedeckCodec", "TapedeckSystem", "TapedeckHTTP", "TapedeckBedrock", "TapedeckStore", "TapedeckUpstream",
    },
}
ALLOWED["TapedeckCommand"] = set(ALLOWED["TapedeckProxy"]) | {"TapedeckProxy"}
ALLOWED["tapedeck"] = {"TapedeckCommand"}

IMPORT = re.compile(r"^\s*(?:@testable\s+|@_exported\s+|(?:public|package|internal|private|fileprivate)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let)\s+)?(\w+)", re.M)


def imports_by_file(target):
    folder = os.path.join(ROOT, "Sources", target)
    for directory, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith(".swift"):
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8") as handle:
                    yield os.path.relpath(path, ROOT), set(IMPORT.findall(handle.read()))


def test_every_target_under_sources_is_placed_in_a_layer():
    targets = {name for name in os.listdir(os.path.join(ROOT, "Sources")) if name.startswith("Tapedeck") or name == "tapedeck"}
    # TapedeckFuzz is a tool over the layers, not a layer.
    assert targets - {"TapedeckFuzz"} == set(ALLOWED)


def test_no_file_imports_a_higher_layer():
    wrong = []
    for target, allowed in ALLOWED.items():
        for path, modules in imports_by_file(target):
            for module in modules:
                if (module.startswith("Tapedeck") or module == "tapedeck") and module not in allowed:
                    wrong.append(f"{path} imports {module}")
    assert wrong == []


def test_the_check_sees_imports():
    # The scan finds what it looks for: the proxy's engine imports the store (a check that matched nothing would pass).
    found = dict(imports_by_file("TapedeckProxy"))
    assert "TapedeckStore" in found[os.path.join("Sources", "TapedeckProxy", "ProxyEngine.swift")]
