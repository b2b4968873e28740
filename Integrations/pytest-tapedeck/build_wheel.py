"""Builds the plugin's platform wheel with the tapedeck binary inside (`make wheel`).

pip builds the pure-Python wheel from pyproject.toml; this adds `pytest_tapedeck/bin/tapedeck` (mode 0755) and
writes the wheel again as a platform wheel: `Root-Is-Purelib: false`, tag `py3-none-linux_<arch>`, its RECORD
listing every file's SHA-256 and size (the wheel format, PEP 427). The tag says only what is true: any Python 3, a
Linux on this architecture; the binary needs glibc, libcurl and SQLite as the README lists, so it does not claim a
manylinux tag. The binary's version must be the plugin's.
"""
import argparse
import base64
import hashlib
import os
import platform
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def metadata_entry(name):
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.external_attr = (0o100644 << 16)
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def project_version():
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as project:
        return re.search(r'^version = "([^"]+)"', project.read(), re.M).group(1)


def build(binary, out):
    version = project_version()
    said = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.split()
    if said[-1:] != [version]:
        sys.exit(f"{binary} --version says {' '.join(said)!r}, but the plugin is {version}: build the matching binary")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--wheel-dir", scratch, HERE], check=True)
        pure = [name for name in os.listdir(scratch) if name.endswith(".whl")]
        assert len(pure) == 1, pure
        tag = f"py3-none-linux_{platform.machine()}"
        name = pure[0].replace("py3-none-any", tag)
        os.makedirs(out, exist_ok=True)
        target = os.path.join(out, name)
        records = []
        with zipfile.ZipFile(os.path.join(scratch, pure[0])) as source, \
                zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
            dist_info = next(item.filename.split("/")[0] for item in source.infolist()
                             if item.filename.split("/")[0].endswith(".dist-info"))
            for item in source.infolist():
                if item.filename in (f"{dist_info}/WHEEL", f"{dist_info}/RECORD"):
                    continue
                data = source.read(item.filename)
                wheel.writestr(item, data)
                records.append(record_line(item.filename, data))
            with open(binary, "rb") as built:
                data = built.read()
            entry = zipfile.ZipInfo("pytest_tapedeck/bin/tapedeck", date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = (0o100755 << 16)  # a regular file, executable: pip keeps the mode
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
            records.append(record_line(entry.filename, data))
            metadata = (f"Wheel-Version: 1.0\nGenerator: tapedeck build_wheel.py\nRoot-Is-Purelib: false\n"
                        f"Tag: {tag}\n").encode()
            wheel.writestr(metadata_entry(f"{dist_info}/WHEEL"), metadata)
            records.append(record_line(f"{dist_info}/WHEEL", metadata))
            records.append(f"{dist_info}/RECORD,,")
            wheel.writestr(metadata_entry(f"{dist_info}/RECORD"), "\n".join(records) + "\n")
    print(f"{target} {os.path.getsize(target)} bytes")
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--out", default="dist")
    arguments = parser.parse_args()
    build(os.path.abspath(arguments.binary), arguments.out)
