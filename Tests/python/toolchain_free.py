"""Runs a command where the Swift toolchain cannot be seen: in a private mount namespace (`unshare -m`, as root) with
an empty tmpfs mounted over the directory of the Swift runtime libraries the debug binary links (and over the
toolchain's own root when it is not a system directory such as /usr), so nothing there can be loaded or run."""
import os
import shutil
import subprocess

from conftest import BINARY

SYSTEM_DIRECTORIES = {"/", "/usr", "/usr/local", "/opt", "/bin", "/lib"}


def swift_directories():
    """The Swift runtime's library directory (from `ldd` of the debug build) and the toolchain's root."""
    hidden = []
    for line in subprocess.run(["ldd", BINARY], capture_output=True, text=True, check=True).stdout.splitlines():
        if "libswiftCore.so" in line and "=>" in line:
            hidden.append(os.path.dirname(line.split("=>")[1].split("(")[0].strip()))
    swift = shutil.which("swift")
    if swift:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(swift))))  # ROOT/usr/bin/swift
        if root not in SYSTEM_DIRECTORIES:
            hidden.append(root)
    assert hidden, "the debug binary links no libswiftCore.so: nothing to hide"
    return hidden


def run_without_toolchain(command, **kwargs):
    """`command` (a list) run with the Swift toolchain hidden; returns the CompletedProcess."""
    mounts = " && ".join(f'mount -t tmpfs tapedeck-hidden "{path}"' for path in swift_directories())
    script = f'{mounts} && exec "$@"'
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", *command],
                          capture_output=True, text=True, **kwargs)
