"""A test's namespace, made from its node id.

A Tapedeck namespace is 1-128 of `A-Z a-z 0-9 . _ -`, not starting with `.`. A node id such as
`tests/test_chat.py::TestChat::test_greeting[fr]` becomes `tests.test_chat.py__TestChat__test_greeting_fr_`: `/` reads
as `.`, `::` as `__`, any other character outside the set as `_`. When that loses anything (a replaced character, a
`__` or `.` the node id already had where it could be confused, a name over 128), a short hash of the whole node id is
appended, so two tests never share a namespace by accident.
"""
import hashlib
import re

MAX_LENGTH = 128
_ALLOWED = re.compile(r"[A-Za-z0-9._-]")
_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")


def is_valid(name):
    """Whether `name` is a namespace Tapedeck accepts ("" is the shared namespace, also accepted)."""
    return name == "" or bool(_NAME.match(name)) and name not in (".", "..")


def namespace_for(nodeid):
    """The namespace of the test with `nodeid`: readable, valid, and different for different node ids."""
    lossy = False
    pieces = []
    index = 0
    while index < len(nodeid):
        if nodeid.startswith("::", index):
            pieces.append("__")
            index += 2
            continue
        char = nodeid[index]
        if char == "/":
            pieces.append(".")
        elif _ALLOWED.match(char):
            pieces.append(char)
        else:
            pieces.append("_")
            lossy = True
        index += 1
    name = "".join(pieces)
    if _ambiguous(nodeid):
        lossy = True
    if name.startswith("."):
        name = "_" + name[1:]
        lossy = True
    if lossy or len(name) > MAX_LENGTH:
        digest = hashlib.sha256(nodeid.encode()).hexdigest()[:8]
        name = name[: MAX_LENGTH - len(digest) - 1] + "-" + digest
    return name or "_"


def _ambiguous(nodeid):
    """Whether the readable name of `nodeid` could also be another node id's: an `_` next to a `::` or another `_`
    (`__` reads as `::`), or a `.` in the path besides the file's `.py` (`.` reads as `/`)."""
    path, _, rest = nodeid.partition("::")
    if "." in path.replace("/", "")[: -3 if path.endswith(".py") else None]:
        return True
    for part in [path] + rest.split("::"):
        if "__" in part or part.startswith("_") or part.endswith("_"):
            return True
    return False
